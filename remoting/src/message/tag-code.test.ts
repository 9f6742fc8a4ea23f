import fc from 'fast-check';

import { javaStringHashCode, tagsString2tagsCode } from './tag-code';

describe('javaStringHashCode', () => {
  // Values printed by Java's String.hashCode() when the fixtures were generated.
  it.each([
    ['', 0],
    ['TagA', 2598919],
    ['TagB', 2598920],
    ['a', 97],
    ['*', 42],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', -384706913],
    ['标签', 857175],
    ['🚀rocket', -1579737481],
    ['é', 233],
    ['TagA || TagB', 1359775119],
  ])('hashes %j like Java', (tag, hash) => {
    expect(javaStringHashCode(tag)).toBe(hash);
  });

  it('is always a signed 32-bit integer', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const hash = javaStringHashCode(s);
        expect(hash | 0).toBe(hash);
      }),
    );
  });
});

describe('tagsString2tagsCode', () => {
  it('is 0 without tags and the hash code otherwise', () => {
    expect(tagsString2tagsCode(undefined)).toBe(0);
    expect(tagsString2tagsCode('')).toBe(0);
    expect(tagsString2tagsCode('TagA')).toBe(2598919);
  });
});

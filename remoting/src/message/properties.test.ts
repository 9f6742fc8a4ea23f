import fc from 'fast-check';

import {
  decodeProperties,
  encodeProperties,
  MessageConst,
  NAME_VALUE_SEPARATOR,
  PROPERTY_SEPARATOR,
} from './properties';
import { loadHexFixture } from './testing/fixtures';

describe('properties string', () => {
  it('decodes the Java fixture, non-ASCII values included, and re-encodes it byte for byte', () => {
    const bytes = loadHexFixture('properties');
    const properties = decodeProperties(bytes.toString('utf8'));
    expect(Object.fromEntries(properties)).toEqual({
      UNIQ_KEY: '7F00000100012A9F0000000000000000',
      KEYS: 'order-1 order-2',
      TAGS: 'TagA',
      WAIT: 'true',
      DELAY: '3',
      userKey: '值 ✓ 🚀',
    });
    expect(Buffer.from(encodeProperties(properties), 'utf8').equals(bytes)).toBe(true);
  });

  it('encodes maps and plain objects in order, skipping null and undefined values', () => {
    expect(
      encodeProperties(
        new Map([
          ['TAGS', 'a'],
          ['KEYS', 'k'],
        ]),
      ),
    ).toBe('TAGS\u0001a\u0002KEYS\u0001k\u0002');
    expect(encodeProperties({ TAGS: 'a', WAIT: null, KEYS: undefined, DELAY: '2' })).toBe(
      'TAGS\u0001a\u0002DELAY\u00012\u0002',
    );
    expect(encodeProperties({})).toBe('');
  });

  it('keeps the literal "null" tag that ali-ons sends for messages without tags', () => {
    expect(Object.fromEntries(decodeProperties('TAGS\u0001null\u0002'))).toEqual({ TAGS: 'null' });
  });

  it('skips malformed segments as string2messageProperties does', () => {
    const decoded = decodeProperties(
      [
        'A\u0001', // shorter than 3 characters
        '\u0001value', // empty name
        'EMPTY\u0001', // empty value
        'NOSEPARATOR',
        'K\u0001v\u0001w', // the value runs to \u0002 and may hold \u0001
        'LAST\u0001no-trailing-separator',
      ].join('\u0002'),
    );
    expect(Object.fromEntries(decoded)).toEqual({ K: 'v\u0001w', LAST: 'no-trailing-separator' });
  });

  it('keeps the last value of a repeated name', () => {
    expect(decodeProperties('K\u00011\u0002K\u00012\u0002').get('K')).toBe('2');
  });

  it('round-trips any properties with non-empty names and values free of separators', () => {
    const name = fc
      .string({ minLength: 1, unit: 'grapheme' })
      .filter((s) => !s.includes(NAME_VALUE_SEPARATOR) && !s.includes(PROPERTY_SEPARATOR));
    const value = fc
      .string({ minLength: 1, unit: 'grapheme' })
      .filter((s) => !s.includes(PROPERTY_SEPARATOR));
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(name, value), { selector: ([n]) => n, maxLength: 10 }), (pairs) => {
        const properties = new Map(pairs);
        const encoded = encodeProperties(properties);
        expect([...decodeProperties(encoded)]).toEqual([...properties]);
        expect(encodeProperties(decodeProperties(encoded))).toBe(encoded);
      }),
    );
  });

  it('names the MessageConst properties as RocketMQ does', () => {
    expect(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX).toBe('UNIQ_KEY');
    expect(MessageConst.PROPERTY_REAL_QUEUE_ID).toBe('REAL_QID');
    expect(MessageConst.PROPERTY_TRANSACTION_ID).toBe('__transactionId__');
  });
});

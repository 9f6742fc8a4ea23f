import { quantityBytes } from './storage-resize';

describe('quantityBytes', () => {
  it('reads binary and decimal suffixes, exponents and plain numbers as Kubernetes does', () => {
    expect(quantityBytes('20Gi')).toBe(20 * 2 ** 30);
    expect(quantityBytes('1Ti')).toBe(2 ** 40);
    expect(quantityBytes('500M')).toBe(500e6);
    expect(quantityBytes('1e9')).toBe(1e9);
    expect(quantityBytes(1073741824)).toBe(2 ** 30);
    expect(quantityBytes('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(quantityBytes('2Gi') > quantityBytes('2000M')).toBe(true);
  });

  it('gives NaN for what is not a quantity, so no resize is ever started from it', () => {
    expect(quantityBytes('big')).toBeNaN();
    expect(quantityBytes('10GB')).toBeNaN();
    expect(quantityBytes('')).toBeNaN();
  });
});

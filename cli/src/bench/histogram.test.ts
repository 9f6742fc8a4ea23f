import fc from 'fast-check';
import { LatencyHistogram } from './histogram';

function exactPercentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

describe('LatencyHistogram', () => {
  it('is exact below 128 and reports min, max, mean', () => {
    const h = new LatencyHistogram();
    for (let v = 1; v <= 100; v++) h.record(v);
    expect(h.count).toBe(100);
    expect(h.percentile(50)).toBe(50);
    expect(h.percentile(99)).toBe(99);
    expect(h.percentile(100)).toBe(100);
    expect(h.min).toBe(1);
    expect(h.max).toBe(100);
    expect(h.mean).toBeCloseTo(50.5);
  });

  it('is empty-safe', () => {
    const h = new LatencyHistogram();
    expect(h.percentile(50)).toBeNaN();
    expect(h.max).toBeNaN();
  });

  it('stays within 1/128 of the exact nearest-rank percentile', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { minLength: 1, maxLength: 300 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (values, p) => {
          const h = new LatencyHistogram();
          for (const v of values) h.record(v);
          const exact = exactPercentile(
            [...values].sort((a, b) => a - b),
            p,
          );
          const got = h.percentile(p);
          expect(got).toBeGreaterThanOrEqual(exact);
          expect(got - exact).toBeLessThanOrEqual(Math.max(0, exact / 128));
        },
      ),
    );
  });

  it('clamps negatives and huge values, and merges', () => {
    const a = new LatencyHistogram();
    a.record(-5);
    a.record(1e12);
    const b = new LatencyHistogram();
    b.record(1000);
    a.add(b);
    expect(a.count).toBe(3);
    expect(a.min).toBe(0);
    expect(a.max).toBe(2 ** 31 - 1);
    expect(a.percentile(50)).toBeGreaterThanOrEqual(1000);
    expect(a.percentile(50)).toBeLessThan(1008);
  });
});

import { DailyTotals, formatRuntime, humanReadableByteCount, TpsSampler } from './runtime-info';

describe('TpsSampler', () => {
  it('gives per-second rates over 10 s, 60 s and 600 s from the samples at hand', () => {
    const tps = new TpsSampler();
    expect(tps.rates('put')).toBe('0.00 0.00 0.00');
    tps.record(0, { put: 0, getFound: 0, getMiss: 0 });
    tps.record(50_000, { put: 500, getFound: 10, getMiss: 0 });
    tps.record(60_000, { put: 700, getFound: 10, getMiss: 5 });
    // 10 s window: 50 s → 60 s; 60 s and 600 s windows: everything since 0 s.
    expect(tps.rate(10_000, 'put')).toBe(20);
    expect(tps.rate(60_000, 'put')).toBeCloseTo(700 / 60);
    expect(tps.rates('getMiss')).toBe('0.50 0.08 0.08');
  });

  it('forgets samples older than the longest window but keeps a baseline', () => {
    const tps = new TpsSampler();
    for (let second = 0; second <= 1200; second += 100)
      tps.record(second * 1000, { put: second, getFound: 0, getMiss: 0 });
    expect(tps.rate(600_000, 'put')).toBe(1);
  });
});

describe('DailyTotals', () => {
  it('starts at zero like BrokerStats and moves the morning snapshots when the day changes', () => {
    const daily = new DailyTotals();
    const noon = new Date(2024, 4, 1, 12, 0, 0).getTime();
    expect(daily.observe(noon, 10)).toEqual({ yesterdayMorning: 0, todayMorning: 0, todayNow: 10 });
    expect(daily.observe(noon + 3_600_000, 25)).toEqual({
      yesterdayMorning: 0,
      todayMorning: 0,
      todayNow: 25,
    });
    const nextDay = new Date(2024, 4, 2, 0, 5, 0).getTime();
    expect(daily.observe(nextDay, 30)).toEqual({ yesterdayMorning: 0, todayMorning: 30, todayNow: 30 });
    const dayAfter = new Date(2024, 4, 3, 9, 0, 0).getTime();
    expect(daily.observe(dayAfter, 70)).toEqual({ yesterdayMorning: 30, todayMorning: 70, todayNow: 70 });
  });
});

describe('formatting as RocketMQ does', () => {
  it('formats the runtime (StoreStatsService.getFormatRuntime)', () => {
    expect(formatRuntime(((2 * 24 + 3) * 3600 + 4 * 60 + 5) * 1000 + 999)).toBe(
      '[ 2 days, 3 hours, 4 minutes, 5 seconds ]',
    );
  });

  it('formats byte counts (MixAll.humanReadableByteCount, binary units)', () => {
    expect(humanReadableByteCount(512)).toBe('512 B');
    expect(humanReadableByteCount(1536)).toBe('1.5 KiB');
    expect(humanReadableByteCount(3 * 1024 ** 3)).toBe('3.0 GiB');
  });
});

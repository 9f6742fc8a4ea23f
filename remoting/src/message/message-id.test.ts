import fc from 'fast-check';

import {
  createOffsetMessageId,
  decodeOffsetMessageId,
  decodeUniqId,
  localMonthStart,
  MessageClientIdGenerator,
  nearlyTimeFromUniqId,
  utcMonthStart,
} from './message-id';

describe('offset msgId', () => {
  // MessageDecoder.createMessageId results printed by Java when the fixtures were generated.
  it('matches Java for an IPv4 store host', () => {
    const msgId = createOffsetMessageId({ address: '192.168.1.10', port: 10911 }, 123456789);
    expect(msgId).toBe('C0A8010A00002A9F00000000075BCD15');
    expect(decodeOffsetMessageId(msgId)).toEqual({
      storeHost: { address: '192.168.1.10', port: 10911 },
      commitLogOffset: 123456789,
    });
  });

  it('matches Java for an IPv6 store host (56 characters)', () => {
    const msgId = createOffsetMessageId({ address: 'fd00:1:2:3:4:5:6:7', port: 10911 }, 1073745920);
    expect(msgId).toBe('FD00000100020003000400050006000700002A9F0000000040001000');
    expect(decodeOffsetMessageId(msgId.toLowerCase())).toEqual({
      storeHost: { address: 'fd00:1:2:3:4:5:6:7', port: 10911 },
      commitLogOffset: 1073745920,
    });
  });

  it('round-trips any host and offset', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 65535 }), fc.maxSafeNat(), (address, port, offset) => {
        expect(decodeOffsetMessageId(createOffsetMessageId({ address, port }, offset))).toEqual({
          storeHost: { address, port },
          commitLogOffset: offset,
        });
      }),
    );
  });

  it('rejects ids that are not 32 or 56 hex characters', () => {
    expect(() => decodeOffsetMessageId('C0A8010A00002A9F00000000075BCD1')).toThrow(RangeError);
    expect(() => decodeOffsetMessageId('Z0A8010A00002A9F00000000075BCD15')).toThrow(
      /32 or 56 hex characters/,
    );
    expect(() => decodeOffsetMessageId('C0A8010A00002A9F7FFFFFFFFFFFFFFF')).toThrow(/safe-integer range/);
  });
});

describe('UNIQ_KEY', () => {
  const MONTH_START = Date.UTC(2024, 2, 1); // 2024-03-01T00:00Z

  it('lays out ip, pid, class-loader hash, time since the month start and counter', () => {
    let now = MONTH_START + 0x1234;
    const generator = new MessageClientIdGenerator({
      ip: '10.0.0.5',
      pid: 0x12345, // cast to short like Java
      classLoaderHash: -2,
      clock: () => now,
      monthStart: utcMonthStart,
    });
    expect(generator.createUniqId()).toBe('0A0000052345FFFFFFFE000012340000');
    now += 1;
    expect(generator.createUniqId()).toBe('0A0000052345FFFFFFFE000012350001');
    expect(decodeUniqId('0A0000052345FFFFFFFE000012350001')).toEqual({
      ip: '10.0.0.5',
      pid: 0x2345,
      classLoaderHash: -2,
      millisSinceMonthStart: 0x1235,
      counter: 1,
    });
  });

  it('wraps the counter at 16 bits', () => {
    const generator = new MessageClientIdGenerator({
      ip: '10.0.0.5',
      clock: () => MONTH_START,
      monthStart: utcMonthStart,
    });
    const ids = Array.from({ length: 0x10001 }, () => generator.createUniqId());
    expect(ids[0xffff]?.endsWith('FFFF')).toBe(true);
    expect(ids[0x10000]?.endsWith('0000')).toBe(true);
  });

  it('restarts the time at the next month and writes the 32 bits of a long month like Java', () => {
    let now = Date.UTC(2024, 0, 31, 23, 59, 59, 999);
    const generator = new MessageClientIdGenerator({
      ip: '10.0.0.5',
      clock: () => now,
      monthStart: utcMonthStart,
    });
    // 30 days 23:59:59.999 = 2 678 399 999 ms, above 2^31: Java's (int) cast wraps it, the same 32 bits are written.
    expect(decodeUniqId(generator.createUniqId()).millisSinceMonthStart).toBe(2_678_399_999);
    now = Date.UTC(2024, 1, 1, 0, 0, 1);
    expect(decodeUniqId(generator.createUniqId()).millisSinceMonthStart).toBe(1000);
  });

  it('writes 0 when the clock steps back a little before the month start (NTP), as Java does', () => {
    let now = Date.UTC(2024, 2, 1, 0, 0, 5);
    const generator = new MessageClientIdGenerator({
      ip: '10.0.0.5',
      clock: () => now,
      monthStart: utcMonthStart,
    });
    now = MONTH_START - 500;
    expect(decodeUniqId(generator.createUniqId()).millisSinceMonthStart).toBe(0);
  });

  it('uses 16 IP bytes (56 characters) for an IPv6 client', () => {
    const generator = new MessageClientIdGenerator({ ip: 'fd00::2', pid: 7136, clock: () => MONTH_START });
    const id = generator.createUniqId();
    expect(id).toHaveLength(56);
    expect(decodeUniqId(id)).toMatchObject({ ip: 'fd00::2', pid: 7136 });
  });

  it('decodes an id made by the Java MessageClientIDSetter', () => {
    // createUniqID() on a host whose UtilAll.getIP() was fd00::2, pid 7136, time zone UTC, at 1795607692324.
    const javaId = 'FD0000000000000000000000000000021BE030946E097E271C240000';
    expect(decodeUniqId(javaId)).toMatchObject({ ip: 'fd00::2', pid: 7136, counter: 0 });
    // getNearlyTimeFromID gave 1795607692324, called just after the id was made.
    expect(nearlyTimeFromUniqId(javaId, 1795607692325, utcMonthStart)).toBe(1795607692324);
  });

  it('places an id that would be in the future in the previous month', () => {
    const id = new MessageClientIdGenerator({
      ip: '10.0.0.5',
      clock: () => Date.UTC(2024, 0, 20),
      monthStart: utcMonthStart,
    }).createUniqId();
    expect(nearlyTimeFromUniqId(id, Date.UTC(2024, 1, 3), utcMonthStart)).toBe(Date.UTC(2024, 0, 20));
  });

  it('computes local month boundaries', () => {
    const { start, next } = localMonthStart(Date.now());
    expect(new Date(start).getDate()).toBe(1);
    expect(new Date(start).getHours()).toBe(0);
    expect(new Date(next).getDate()).toBe(1);
    expect(next).toBeGreaterThan(Date.now());
  });

  it('works with the defaults', () => {
    const id = new MessageClientIdGenerator().createUniqId();
    expect(id).toMatch(/^([0-9A-F]{32}|[0-9A-F]{56})$/);
    expect(decodeUniqId(id).pid).toBe(process.pid & 0xffff);
  });
});

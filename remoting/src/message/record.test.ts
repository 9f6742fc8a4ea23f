import fc from 'fast-check';

import { MessageDecodeError } from './decode-error';
import { createOffsetMessageId } from './message-id';
import { encodeProperties, NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR } from './properties';
import {
  BLANK_MAGIC_CODE,
  calMsgLength,
  decodeRecord,
  decodeRecords,
  encodeRecord,
  encodeRecordInto,
  MESSAGE_MAGIC_CODE,
  MESSAGE_MAGIC_CODE_V2,
  MIN_RECORD_LENGTH,
  recordLength,
  writeRecordCommitLogOffset,
  writeRecordQueueOffset,
  writeRecordStoreTimestamp,
  type MessageRecord,
  type MessageRecordInit,
} from './record';
import { MessageSysFlag } from './sys-flag';
import { loadHexFixture } from './testing/fixtures';

// Expected values are what Java's MessageDecoder.decode(buffer, readBody=true, deCompressBody=false) reported for
// the same bytes when the fixtures were generated (IPv6 addresses shown here in Node's compressed form).
const V1_IPV4: Omit<MessageRecord, 'body' | 'properties'> & {
  body: string;
  properties: Record<string, string>;
} = {
  totalSize: 218,
  magicCode: MESSAGE_MAGIC_CODE,
  bodyCRC: 1306808857,
  queueId: 3,
  flag: 7,
  queueOffset: 42,
  commitLogOffset: 123456789,
  sysFlag: 2,
  bornTimestamp: 1700000000000,
  bornHost: { address: '10.0.0.5', port: 54321 },
  storeTimestamp: 1700000000123,
  storeHost: { address: '192.168.1.10', port: 10911 },
  reconsumeTimes: 1,
  preparedTransactionOffset: 0,
  body: '48656c6c6f20526f636b65744d512c20e4bda0e5a5bd',
  topic: 'TopicTest',
  properties: {
    TAGS: 'TagA',
    KEYS: 'k1 k2',
    UNIQ_KEY: '0A00000500002A9F0000000000000001',
    WAIT: 'true',
    CLUSTER: 'DefaultCluster',
  },
};

const V1_IPV6_BORN: typeof V1_IPV4 = {
  totalSize: 243,
  magicCode: MESSAGE_MAGIC_CODE,
  bodyCRC: 1225521893,
  queueId: 0,
  flag: -1,
  queueOffset: 0,
  commitLogOffset: 2048,
  sysFlag: 789,
  bornTimestamp: 1710000000000,
  bornHost: { address: '::1', port: 50001 },
  storeTimestamp: 1710000000456,
  storeHost: { address: '127.0.0.1', port: 10911 },
  reconsumeTimes: 16,
  preparedTransactionOffset: -1,
  body: '785eaba8a03d0000401b2ee1',
  topic: 'RMQ_SYS_TRANS_HALF_TOPIC',
  properties: {
    UNIQ_KEY: '20010DB8000000000000000000000001',
    TRAN_MSG: 'true',
    PGROUP: 'txGroup',
    REAL_TOPIC: 'OrderTopic',
    REAL_QID: '2',
  },
};

const V2_IPV6: typeof V1_IPV4 = {
  totalSize: 311,
  magicCode: MESSAGE_MAGIC_CODE_V2,
  bodyCRC: 1512531880,
  queueId: 0,
  flag: 0,
  queueOffset: 9007199254740991,
  commitLogOffset: 1073745920,
  sysFlag: 48,
  bornTimestamp: 1710000000000,
  bornHost: { address: '2001:db8::1', port: 40000 },
  storeTimestamp: 1710000000456,
  storeHost: { address: 'fd00:1:2:3:4:5:6:7', port: 10911 },
  reconsumeTimes: 0,
  preparedTransactionOffset: 0,
  body: '000102feff',
  topic: `${'T'.repeat(130)}_long_topic_name_x`,
  properties: { UNIQ_KEY: '20010DB8000000000000000000000001' },
};

// MessageExt.getMsgId() of the server-side decode: the offset msgId.
const JAVA_MSG_IDS = {
  'record-v1-ipv4': 'C0A8010A00002A9F00000000075BCD15',
  'record-v1-ipv6-born': '7F00000100002A9F0000000000000800',
  'record-v2-ipv6': 'FD00000100020003000400050006000700002A9F0000000040001000',
} as const;

const FIXTURES = [
  ['record-v1-ipv4', V1_IPV4],
  ['record-v1-ipv6-born', V1_IPV6_BORN],
  ['record-v2-ipv6', V2_IPV6],
] as const;

function comparable(record: MessageRecord): typeof V1_IPV4 {
  return { ...record, body: record.body.toString('hex'), properties: Object.fromEntries(record.properties) };
}

function sampleRecord(overrides: Partial<MessageRecordInit> = {}): MessageRecordInit {
  return {
    queueId: 1,
    flag: 0,
    queueOffset: 5,
    commitLogOffset: 4096,
    sysFlag: 0,
    bornTimestamp: 1_700_000_000_000,
    bornHost: { address: '10.1.2.3', port: 40000 },
    storeTimestamp: 1_700_000_000_001,
    storeHost: { address: '10.1.2.4', port: 10911 },
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    body: Buffer.from('payload'),
    topic: 'T',
    properties: new Map([['TAGS', 'a']]),
    ...overrides,
  };
}

describe('record fixtures from Java', () => {
  it.each(FIXTURES)('%s decodes to the fields Java reads', (name, expected) => {
    const bytes = loadHexFixture(name);
    const record = decodeRecord(bytes, 0, { verifyBodyCRC: true });
    expect(comparable(record)).toEqual(expected);
    expect(record.totalSize).toBe(bytes.length);
  });

  it.each(FIXTURES)('%s re-encodes to the same bytes', (name) => {
    const bytes = loadHexFixture(name);
    const record = decodeRecord(bytes);
    expect(encodeRecord(record).equals(bytes)).toBe(true);
    expect(recordLength(record)).toBe(bytes.length);
  });

  it.each(FIXTURES)('%s gives the offset msgId Java computes', (name) => {
    const record = decodeRecord(loadHexFixture(name));
    expect(createOffsetMessageId(record.storeHost, record.commitLogOffset)).toBe(JAVA_MSG_IDS[name]);
  });

  it('encodes the same bytes from fresh fields, with the CRC and V6 flags computed', () => {
    const { totalSize: _t, magicCode: _m, bodyCRC: _c, ...fields } = V2_IPV6;
    const init: MessageRecordInit = {
      ...fields,
      sysFlag: 0,
      body: Buffer.from(fields.body, 'hex'),
      properties: new Map(Object.entries(fields.properties)),
    };
    expect(encodeRecord(init).equals(loadHexFixture('record-v2-ipv6'))).toBe(true);
  });

  it('accepts the properties as the encoded string of the send header', () => {
    const record = decodeRecord(loadHexFixture('record-v1-ipv4'));
    const properties =
      'TAGS\u0001TagA\u0002KEYS\u0001k1 k2\u0002UNIQ_KEY\u00010A00000500002A9F0000000000000001\u0002WAIT\u0001true\u0002CLUSTER\u0001DefaultCluster\u0002';
    expect(encodeRecord({ ...record, properties }).equals(loadHexFixture('record-v1-ipv4'))).toBe(true);
  });

  it('decodes a pull body of the three records back to back', () => {
    const records = decodeRecords(loadHexFixture('pull-body'));
    expect(records.map(comparable)).toEqual([V1_IPV4, V1_IPV6_BORN, V2_IPV6]);
  });

  it('decodes an empty pull body as no records', () => {
    expect(decodeRecords(Buffer.alloc(0))).toEqual([]);
  });
});

describe('encodeRecord', () => {
  it('writes V1 for topics up to 127 bytes and V2 beyond', () => {
    expect(decodeRecord(encodeRecord(sampleRecord({ topic: 'x'.repeat(127) }))).magicCode).toBe(
      MESSAGE_MAGIC_CODE,
    );
    expect(decodeRecord(encodeRecord(sampleRecord({ topic: 'x'.repeat(128) }))).magicCode).toBe(
      MESSAGE_MAGIC_CODE_V2,
    );
  });

  it('writes V2 when asked even for a short topic, and refuses V1 for a long one', () => {
    const v2 = encodeRecord(sampleRecord({ magicCode: MESSAGE_MAGIC_CODE_V2 }));
    expect(decodeRecord(v2).magicCode).toBe(MESSAGE_MAGIC_CODE_V2);
    expect(() =>
      encodeRecord(sampleRecord({ magicCode: MESSAGE_MAGIC_CODE, topic: 'x'.repeat(128) })),
    ).toThrow(/longer than 127/);
    expect(() => encodeRecord(sampleRecord({ magicCode: 42 }))).toThrow(/magicCode/);
  });

  it('sets and clears the host V6 flags from the addresses', () => {
    const v6 = decodeRecord(encodeRecord(sampleRecord({ bornHost: { address: '::1', port: 1 } })));
    expect(v6.sysFlag).toBe(MessageSysFlag.BORNHOST_V6_FLAG);
    const v4 = decodeRecord(
      encodeRecord(
        sampleRecord({ sysFlag: MessageSysFlag.STOREHOSTADDRESS_V6_FLAG | MessageSysFlag.COMPRESSED_FLAG }),
      ),
    );
    expect(v4.sysFlag).toBe(MessageSysFlag.COMPRESSED_FLAG);
  });

  it('writes an IPv4-mapped IPv6 peer as IPv4, as Java does', () => {
    const record = decodeRecord(
      encodeRecord(sampleRecord({ bornHost: { address: '::ffff:10.9.8.7', port: 2 } })),
    );
    expect(record.bornHost).toEqual({ address: '10.9.8.7', port: 2 });
    expect(record.sysFlag & MessageSysFlag.BORNHOST_V6_FLAG).toBe(0);
  });

  it('computes the total size like MessageExtEncoder.calMsgLength', () => {
    const init = sampleRecord({ body: Buffer.alloc(10), topic: 'abc', properties: 'K\u0001V\u0002' });
    expect(recordLength(init)).toBe(calMsgLength(MESSAGE_MAGIC_CODE, 0, 10, 3, 4));
    expect(MIN_RECORD_LENGTH).toBe(91);
  });

  it('writes into a preallocated buffer at an offset', () => {
    const init = sampleRecord();
    const target = Buffer.alloc(1000, 0xaa);
    const written = encodeRecordInto(init, target, 100);
    expect(written).toBe(recordLength(init));
    expect(target.subarray(100, 100 + written).equals(encodeRecord(init))).toBe(true);
    expect(target[99]).toBe(0xaa);
    expect(target[100 + written]).toBe(0xaa);
    expect(() => encodeRecordInto(init, target, 1000 - written + 1)).toThrow(RangeError);
  });

  it('rejects values that do not fit their fields', () => {
    expect(() => encodeRecord(sampleRecord({ queueId: 2 ** 31 }))).toThrow(/queueId must be an int32/);
    expect(() => encodeRecord(sampleRecord({ queueOffset: 2 ** 53 }))).toThrow(
      /queueOffset must be a safe integer/,
    );
    expect(() => encodeRecord(sampleRecord({ bornHost: { address: '10.0.0.1', port: 70000 } }))).toThrow(
      /port/,
    );
    expect(() => encodeRecord(sampleRecord({ storeHost: { address: 'broker-a', port: 1 } }))).toThrow(
      /not an IP address/,
    );
    expect(() => encodeRecord(sampleRecord({ properties: `K\u0001${'v'.repeat(32766)}\u0002` }))).toThrow(
      /properties of 32769 bytes/,
    );
  });

  it('patches queue offset, commit-log offset and store timestamp in place', () => {
    for (const bornHost of [
      { address: '10.0.0.1', port: 1 },
      { address: '2001:db8::7', port: 1 },
    ]) {
      const bytes = encodeRecord(sampleRecord({ bornHost }));
      const target = Buffer.concat([Buffer.alloc(7), bytes]);
      writeRecordQueueOffset(target, 7, 77);
      writeRecordCommitLogOffset(target, 7, 2 ** 40 + 3);
      writeRecordStoreTimestamp(target, 7, 1_800_000_000_000);
      const record = decodeRecord(target, 7);
      expect([record.queueOffset, record.commitLogOffset, record.storeTimestamp]).toEqual([
        77,
        2 ** 40 + 3,
        1_800_000_000_000,
      ]);
      expect(record.bornHost).toEqual(bornHost);
    }
  });

  it('round-trips arbitrary records', () => {
    fc.assert(
      fc.property(arbitraryRecordFields(), (fields) => {
        const init: MessageRecordInit = {
          ...fields,
          properties: new Map(Object.entries(fields.properties)),
        };
        const bytes = encodeRecord(init);
        const record = decodeRecord(bytes, 0, { verifyBodyCRC: true });
        expect(encodeRecord(record).equals(bytes)).toBe(true);
        expect(record.queueOffset).toBe(fields.queueOffset);
        expect(Buffer.from(record.body).equals(Buffer.from(fields.body))).toBe(true);
        expect(record.topic).toBe(fields.topic);
        expect(Object.fromEntries(record.properties)).toEqual(fields.properties);
      }),
    );
  });

  it('encodes into a used buffer from a reused init object exactly what encodeRecord gives', () => {
    // The commit log encodes every record from one mutable init object into a write buffer that held older bytes.
    const target = Buffer.alloc(4096, 0xaa);
    let reused: MessageRecordInit | undefined;
    fc.assert(
      fc.property(arbitraryRecordFields(), fc.boolean(), (fields, v2) => {
        const init: MessageRecordInit = {
          ...fields,
          magicCode: v2 ? MESSAGE_MAGIC_CODE_V2 : undefined,
          properties: encodeProperties(new Map(Object.entries(fields.properties))),
        };
        reused = Object.assign(reused ?? {}, init);
        const expected = encodeRecord(init);
        expect(encodeRecordInto(reused, target, 7)).toBe(expected.length);
        expect(target.subarray(7, 7 + expected.length).equals(expected)).toBe(true);
      }),
    );
  });
});

function arbitraryRecordFields() {
  const host = fc.record({
    address: fc.oneof(fc.ipV4(), fc.ipV6()),
    port: fc.integer({ min: 0, max: 65535 }),
  });
  const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
  const int64 = fc.maxSafeInteger();
  const key = fc
    .string({ minLength: 1, maxLength: 8 })
    .filter((s) => !s.includes(NAME_VALUE_SEPARATOR) && !s.includes(PROPERTY_SEPARATOR));
  // ASCII and non-ASCII values: the encoder writes ASCII properties by a faster path (short and long ones apart).
  const value = fc
    .oneof(
      fc.string({ minLength: 1, maxLength: 40 }),
      fc.string({ minLength: 1, maxLength: 16, unit: 'grapheme' }),
    )
    .filter((s) => !s.includes(PROPERTY_SEPARATOR));
  return fc.record({
    queueId: int32,
    flag: int32,
    queueOffset: int64,
    commitLogOffset: int64,
    sysFlag: int32,
    bornTimestamp: int64,
    bornHost: host,
    storeTimestamp: int64,
    storeHost: host,
    reconsumeTimes: int32,
    preparedTransactionOffset: int64,
    body: fc.uint8Array({ maxLength: 64 }),
    topic: fc.string({ maxLength: 200 }),
    properties: fc.dictionary(key, value, { maxKeys: 5 }),
  });
}

describe('decodeRecord rejects corrupt input', () => {
  const valid = (): Buffer => Buffer.from(loadHexFixture('record-v1-ipv4'));

  function decodeError(buf: Buffer, offset = 0, verifyBodyCRC = false): MessageDecodeError {
    try {
      decodeRecord(buf, offset, { verifyBodyCRC });
    } catch (error) {
      if (error instanceof MessageDecodeError) return error;
      throw error;
    }
    throw new Error('decodeRecord did not throw');
  }

  it('reports a bad magic code', () => {
    const buf = valid();
    buf.writeInt32BE(0x12345678, 4);
    const error = decodeError(buf);
    expect(error.reason).toBe('bad-magic');
    expect(error.message).toBe('record at offset 0: bad magic code 0x12345678');
  });

  it('reports an end-of-file blank', () => {
    const buf = Buffer.alloc(16);
    buf.writeInt32BE(16, 0);
    buf.writeInt32BE(BLANK_MAGIC_CODE, 4);
    expect(decodeError(buf).reason).toBe('blank');
  });

  it('reports a TOTALSIZE below the minimum or beyond the buffer', () => {
    const small = valid();
    small.writeInt32BE(20, 0);
    expect(decodeError(small).reason).toBe('size-out-of-range');
    const large = valid();
    large.writeInt32BE(10_000, 0);
    const error = decodeError(large);
    expect(error.reason).toBe('truncated');
    expect(error.message).toBe('record at offset 0: TOTALSIZE 10000 but only 218 bytes remain');
    expect(decodeError(valid().subarray(0, 5)).reason).toBe('truncated');
  });

  it('reports every truncation of a record', () => {
    const buf = valid();
    for (let length = 0; length < buf.length; length++) {
      expect(() => decodeRecord(buf.subarray(0, length))).toThrow(MessageDecodeError);
    }
  });

  it('reports lengths that run past TOTALSIZE or stop short of it', () => {
    const longBody = valid();
    longBody.writeInt32BE(1000, 84);
    expect(decodeError(longBody).reason).toBe('length-mismatch');
    const negativeBody = valid();
    negativeBody.writeInt32BE(-5, 84);
    expect(decodeError(negativeBody).message).toMatch(/BODY length -5 is negative/);
    const shortProperties = valid();
    const propertiesLengthAt = 218 - 96 - 2;
    expect(shortProperties.readInt16BE(propertiesLengthAt)).toBe(96);
    shortProperties.writeInt16BE(90, propertiesLengthAt);
    expect(decodeError(shortProperties).message).toBe(
      'record at offset 0: TOTALSIZE is 218 but its fields end after 212 bytes',
    );
  });

  it('reports a V6 flag that does not match the bytes', () => {
    const buf = valid();
    buf.writeInt32BE(MessageSysFlag.BORNHOST_V6_FLAG | MessageSysFlag.STOREHOSTADDRESS_V6_FLAG, 36);
    // The hosts then swallow 24 bytes too many, so a later field reads garbage or runs past TOTALSIZE.
    expect(() => decodeRecord(buf)).toThrow(MessageDecodeError);
  });

  it('reports a CRC mismatch only when asked to verify', () => {
    const buf = valid();
    buf[95] = (buf[95] ?? 0) ^ 0xff;
    expect(() => decodeRecord(buf)).not.toThrow();
    const error = decodeError(buf, 0, true);
    expect(error.reason).toBe('crc-mismatch');
    expect(error.message).toMatch(/^record at offset 0: BODYCRC 1306808857 but the body's CRC32 is \d+$/);
  });

  it('reports an int64 beyond the safe range', () => {
    const buf = valid();
    buf.writeBigInt64BE(2n ** 60n, 20);
    expect(decodeError(buf).message).toBe(
      'record at offset 0: QUEUEOFFSET is outside the safe-integer range',
    );
  });

  it('reports where a bad record starts in a pull body', () => {
    const first = valid();
    const second = valid();
    second.writeInt32BE(0, 4);
    const error = (() => {
      try {
        decodeRecords(Buffer.concat([first, second]));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(MessageDecodeError);
    expect((error as MessageDecodeError).offset).toBe(218);
  });

  it('never throws anything but MessageDecodeError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(400), (bytes, offset) => {
        const buf = Buffer.from(bytes);
        try {
          decodeRecord(buf, Math.min(offset, buf.length));
        } catch (error) {
          expect(error).toBeInstanceOf(MessageDecodeError);
        }
      }),
    );
  });

  it('never throws anything but MessageDecodeError when a valid record is mutated', () => {
    fc.assert(
      fc.property(fc.nat(217), fc.integer({ min: 0, max: 255 }), (position, byte) => {
        const buf = valid();
        buf[position] = byte;
        try {
          decodeRecord(buf, 0, { verifyBodyCRC: true });
        } catch (error) {
          expect(error).toBeInstanceOf(MessageDecodeError);
        }
      }),
    );
  });
});

import { decodeBatchMessages, encodeBatchMessages } from './batch';
import { MessageDecodeError } from './decode-error';
import { loadHexFixture } from './testing/fixtures';

// What Java's MessageDecoder.decodeMessages read from the fixture.
const EXPECTED = [
  {
    flag: 0,
    body: 'first',
    properties: { UNIQ_KEY: '0A000005000000000000000000000000', TAGS: 'Tag0', KEYS: 'key0' },
  },
  { flag: 10, body: '', properties: { UNIQ_KEY: '0A000005000000000000000000000001', TAGS: 'Tag1' } },
  {
    flag: 20,
    body: 'третий',
    properties: { UNIQ_KEY: '0A000005000000000000000000000002', TAGS: 'Tag2', KEYS: 'key2' },
  },
];

describe('batch body', () => {
  it('decodes the Java fixture', () => {
    const messages = decodeBatchMessages(loadHexFixture('batch-body'));
    expect(
      messages.map((m) => ({
        flag: m.flag,
        body: m.body.toString('utf8'),
        properties: Object.fromEntries(m.properties),
      })),
    ).toEqual(EXPECTED);
  });

  it('re-encodes the Java fixture to the same bytes', () => {
    const bytes = loadHexFixture('batch-body');
    expect(encodeBatchMessages(decodeBatchMessages(bytes)).equals(bytes)).toBe(true);
  });

  it('encodes from fresh fields, with properties given as objects or strings', () => {
    const messages = EXPECTED.map((m, i) => ({
      flag: m.flag,
      body: Buffer.from(m.body, 'utf8'),
      properties:
        i === 1 ? 'UNIQ_KEY\u00010A000005000000000000000000000001\u0002TAGS\u0001Tag1\u0002' : m.properties,
    }));
    expect(encodeBatchMessages(messages).equals(loadHexFixture('batch-body'))).toBe(true);
  });

  it('decodes an empty body as no messages', () => {
    expect(decodeBatchMessages(Buffer.alloc(0))).toEqual([]);
  });

  it('rejects every truncation with MessageDecodeError', () => {
    const bytes = loadHexFixture('batch-body');
    const firstLength = bytes.readInt32BE(0);
    for (let length = 1; length < bytes.length; length++) {
      if (length === firstLength || length === firstLength + bytes.readInt32BE(firstLength)) continue;
      expect(() => decodeBatchMessages(bytes.subarray(0, length))).toThrow(MessageDecodeError);
    }
  });

  it('rejects negative lengths', () => {
    const bytes = Buffer.from(loadHexFixture('batch-body'));
    bytes.writeInt32BE(-1, 16);
    expect(() => decodeBatchMessages(bytes)).toThrow('batch message at offset 0: BODY length -1 is negative');
  });

  it('rejects properties longer than a short can hold', () => {
    expect(() =>
      encodeBatchMessages([{ flag: 0, body: Buffer.alloc(0), properties: { K: 'v'.repeat(40_000) } }]),
    ).toThrow(/batch message 0: properties of 40003 bytes/);
  });
});

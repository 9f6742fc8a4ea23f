import { z } from 'zod';

import { decodeHeader, encodeHeader, HeaderDecodeError } from './codec';
import { bool, int32, int64, str } from './fields';

const Header = z.object({
  topic: str(),
  queueId: int32(),
  offset: int64().optional(),
  committed: bool().default(true),
});

function decodeError(extFields: Parameters<typeof decodeHeader>[1]): HeaderDecodeError {
  try {
    decodeHeader(Header, extFields);
  } catch (error) {
    if (error instanceof HeaderDecodeError) return error;
    throw error;
  }
  throw new Error('decodeHeader did not throw');
}

describe('decodeHeader', () => {
  it('decodes Java strings and ali-ons numbers and booleans to the same values', () => {
    const fromJava = decodeHeader(Header, { topic: 'T', queueId: '3', offset: '100', committed: 'false' });
    const fromAliOns = decodeHeader(Header, { topic: 'T', queueId: 3, offset: 100, committed: false });
    expect(fromJava).toEqual({ topic: 'T', queueId: 3, offset: 100, committed: false });
    expect(fromAliOns).toEqual(fromJava);
  });

  it('applies defaults, leaves optional fields out, and ignores unknown and null fields', () => {
    const header = decodeHeader(Header, {
      topic: 'T',
      queueId: '0',
      offset: null,
      ns: 'namespace',
      nsd: 'false',
      bname: 'broker-a',
      oway: 'true',
      lo: 'true',
      AccessKey: 'ak',
      Signature: 'sig',
    });
    expect(header).toEqual({ topic: 'T', queueId: 0, committed: true });
    expect(Object.keys(header).sort()).toEqual(['committed', 'queueId', 'topic']);
  });

  it('treats a "__proto__" key from JSON as an ordinary ignored field', () => {
    const extFields = JSON.parse('{"topic":"T","queueId":"0","__proto__":{"queueId":"x"}}') as Record<
      string,
      string
    >;
    expect(decodeHeader(Header, extFields)).toEqual({ topic: 'T', queueId: 0, committed: true });
  });

  it('names a missing required field', () => {
    const error = decodeError({ queueId: '1' });
    expect(error.field).toBe('topic');
    expect(error.message).toBe('missing required header field "topic"');
    expect(decodeError(undefined).message).toBe('missing required header field "topic"');
  });

  it('names a field with a bad value', () => {
    const error = decodeError({ topic: 'T', queueId: 'abc' });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('HeaderDecodeError');
    expect(error.field).toBe('queueId');
    expect(error.message).toBe('header field "queueId": expected an int32, got "abc"');
    expect(decodeError({ topic: 'T', queueId: '1', committed: 'maybe' }).message).toBe(
      'header field "committed": expected a boolean ("true" or "false"), got "maybe"',
    );
  });

  it('names a field whose JSON value is not a scalar', () => {
    const extFields = JSON.parse('{"topic":{"nested":1},"queueId":"1"}') as Record<string, string>;
    expect(decodeError(extFields).message).toBe(
      'header field "topic": expected a string, number or boolean, got object',
    );
  });
});

describe('encodeHeader', () => {
  it('stringifies values and drops null and undefined, like makeCustomHeaderToNet', () => {
    expect(
      encodeHeader({
        topic: 'T',
        queueId: 3,
        offset: 9007199254740991,
        big: 2n ** 63n - 1n,
        ok: true,
        a: null,
        b: undefined,
      }),
    ).toEqual({
      topic: 'T',
      queueId: '3',
      offset: '9007199254740991',
      big: '9223372036854775807',
      ok: 'true',
    });
  });

  it('round-trips through decodeHeader', () => {
    const header = { topic: 'T', queueId: -1, offset: 42, committed: false };
    expect(decodeHeader(Header, encodeHeader(header))).toEqual(header);
  });
});

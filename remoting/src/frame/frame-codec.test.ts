import fc from 'fast-check';
import { decodeFrame, encodeCommand, FrameDecoder } from './frame-codec';
import { FrameError } from './frame-error';
import { createRequest, createResponse, type RemotingCommand } from './remoting-command';

const sample = (serializeType: 'JSON' | 'ROCKETMQ', opaque: number, body?: Buffer): RemotingCommand => ({
  ...createRequest(105, {
    extFields: { topic: 'TopicTest', acceptStandardJsonOnly: 'true', ünï: 'cödé' },
    serializeType,
    ...(body ? { body } : {}),
  }),
  opaque,
  remark: opaque % 2 === 0 ? 'a remark' : undefined,
});

function normalize(command: RemotingCommand) {
  return { ...command, body: command.body ? Buffer.from(command.body).toString('hex') : undefined };
}

describe('frame codec', () => {
  it.each(['JSON', 'ROCKETMQ'] as const)('round-trips %s commands with and without body', (type) => {
    for (const body of [undefined, Buffer.from('hello body')]) {
      const command = sample(type, 42, body);
      const frame = encodeCommand(command);
      expect(frame.readInt32BE(0)).toBe(frame.length - 4);
      expect(frame.readUInt8(4)).toBe(type === 'JSON' ? 0 : 1);
      expect(normalize(decodeFrame(frame.subarray(4)))).toEqual(normalize(command));
    }
  });

  it('keeps response flag, opaque and the request serialization in responses', () => {
    const request = { ...sample('ROCKETMQ', 7), opaque: 7 };
    const response = createResponse(request, 17, { remark: 'No topic route info' });
    const decoded = decodeFrame(encodeCommand(response).subarray(4));
    expect(decoded).toMatchObject({ code: 17, opaque: 7, flag: 1, serializeType: 'ROCKETMQ', extFields: {} });
  });

  it('decodes a frame fed one byte at a time and in random splits', () => {
    const frames = [
      sample('JSON', 1),
      sample('ROCKETMQ', 2, Buffer.alloc(300, 7)),
      sample('JSON', 3, Buffer.from('x')),
    ];
    const stream = Buffer.concat(frames.map(encodeCommand));
    const oneByte = new FrameDecoder();
    const byByte: RemotingCommand[] = [];
    for (let i = 0; i < stream.length; i++) byByte.push(...oneByte.push(stream.subarray(i, i + 1)));
    expect(byByte.map(normalize)).toEqual(frames.map(normalize));
    expect(oneByte.bufferedBytes).toBe(0);

    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 20 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const decoder = new FrameDecoder();
        const out: RemotingCommand[] = [];
        let last = 0;
        for (const p of [...points, stream.length]) {
          out.push(...decoder.push(stream.subarray(last, p)));
          last = p;
        }
        expect(out.map(normalize)).toEqual(frames.map(normalize));
      }),
    );
  });

  it('refuses a frame larger than the maximum as soon as its length is read', () => {
    const decoder = new FrameDecoder(1024);
    const length = Buffer.alloc(4);
    length.writeInt32BE(1025, 0);
    expect(() => decoder.push(length)).toThrow(FrameError);
    expect(() => new FrameDecoder(1024).push(length)).toThrow(/exceeds the maximum/);
  });

  it('accepts numbers and booleans in JSON extFields as strings', () => {
    const header = Buffer.from(
      JSON.stringify({
        code: 310,
        flag: 0,
        opaque: 5,
        language: 'NODE_JS',
        version: 121,
        extFields: { e: 3, k: false },
      }),
    );
    const frame = Buffer.alloc(4 + header.length);
    frame.writeUInt32BE(header.length, 0);
    header.copy(frame, 4);
    expect(decodeFrame(frame).extFields).toEqual({ e: '3', k: 'false' });
  });

  it.each([
    ['bad JSON', Buffer.from('{not json')],
    ['a JSON array', Buffer.from('[]')],
    ['a string code', Buffer.from('{"code":"10"}')],
    ['a missing code', Buffer.from('{"opaque":1}')],
    ['an object extField', Buffer.from('{"code":1,"extFields":{"a":{}}}')],
    ['a numeric remark', Buffer.from('{"code":1,"remark":5}')],
  ])('rejects %s with a FrameError', (_name, header) => {
    const frame = Buffer.alloc(4 + header.length);
    frame.writeUInt32BE(header.length, 0);
    header.copy(frame, 4);
    expect(() => decodeFrame(frame)).toThrow(FrameError);
  });

  it('rejects bad header words and truncated binary headers', () => {
    const tooLong = Buffer.alloc(8);
    tooLong.writeUInt32BE(100, 0);
    expect(() => decodeFrame(tooLong)).toThrow(/exceeds frame length/);
    const badType = Buffer.alloc(8);
    badType.writeUInt32BE((5 << 24) | 4, 0);
    expect(() => decodeFrame(badType)).toThrow(/unknown serialize type/);
    const binary = encodeCommand(sample('ROCKETMQ', 9)).subarray(4);
    for (let cut = 5; cut < binary.length; cut += 3) {
      const truncated = Buffer.from(binary.subarray(0, cut));
      truncated.writeUInt32BE(((1 << 24) | (cut - 4)) >>> 0, 0);
      expect(() => decodeFrame(truncated)).toThrow(FrameError);
    }
  });

  it('never throws anything but FrameError on random input, and buffers at most one bounded frame', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 64 }), { maxLength: 30 }), (chunks) => {
        const decoder = new FrameDecoder(4096);
        try {
          for (const chunk of chunks) decoder.push(Buffer.from(chunk));
        } catch (error) {
          expect(error).toBeInstanceOf(FrameError);
        }
        expect(decoder.bufferedBytes).toBeLessThanOrEqual(4096 + 4 + 64);
      }),
      { numRuns: 2000 },
    );
  });
});

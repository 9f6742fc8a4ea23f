import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '@skyrocket/common';
import { crc32 } from '@skyrocket/remoting/message';
import { CHECKPOINT_BYTES } from '../layout';
import { decodeCheckpoint, encodeCheckpoint, StoreCheckpoint, type Checkpoint } from './checkpoint';

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'checkpoint-'));

const sample: Checkpoint = {
  commitLogFlushedOffset: 5 * 1024 * 1024 * 1024 + 17,
  consumeQueueFlushedOffset: 4096,
  indexFlushedOffset: 123,
  lastStoreTimestamp: 1_700_000_000_123,
};

function setup() {
  const logger = silentLogger();
  const warn = jest.spyOn(logger, 'warn');
  const file = path.join(tempDir(), 'checkpoint');
  return { file, warn, checkpoint: new StoreCheckpoint(file, logger) };
}

describe('StoreCheckpoint', () => {
  it('encodes 4 big-endian int64 fields and a CRC32 in CHECKPOINT_BYTES bytes', () => {
    const bytes = encodeCheckpoint(sample);
    expect(bytes.length).toBe(CHECKPOINT_BYTES);
    expect(Number(bytes.readBigInt64BE(0))).toBe(sample.commitLogFlushedOffset);
    expect(Number(bytes.readBigInt64BE(24))).toBe(sample.lastStoreTimestamp);
    expect(decodeCheckpoint(bytes)).toEqual(sample);
    expect(() => encodeCheckpoint({ ...sample, indexFlushedOffset: -1 })).toThrow(RangeError);
    expect(() => encodeCheckpoint({ ...sample, indexFlushedOffset: 1.5 })).toThrow(RangeError);
  });

  it('round-trips through the file, synchronously and asynchronously, leaving no temp file', async () => {
    const { file, checkpoint } = setup();
    expect(checkpoint.read()).toBeUndefined();
    checkpoint.writeSync(sample);
    expect(checkpoint.read()).toEqual(sample);
    const later = { ...sample, commitLogFlushedOffset: sample.commitLogFlushedOffset + 100 };
    await Promise.all([checkpoint.write(sample), checkpoint.write(later)]);
    expect(checkpoint.read()).toEqual(later);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['checkpoint']);
  });

  it('reads a checkpoint with a bad CRC or the wrong length as absent, with a warning', () => {
    const { file, warn, checkpoint } = setup();
    checkpoint.writeSync(sample);
    const bytes = fs.readFileSync(file);
    bytes[3] = (bytes[3] ?? 0) ^ 0x01;
    fs.writeFileSync(file, bytes);
    expect(checkpoint.read()).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[1])).toMatch(/damaged \(its CRC32 is .*recovery scans the commit log/);

    fs.writeFileSync(file, encodeCheckpoint(sample).subarray(0, 20));
    expect(checkpoint.read()).toBeUndefined();
    expect(String(warn.mock.calls[1]?.[1])).toMatch(/it is 20 bytes, expected 36/);

    fs.writeFileSync(file, Buffer.alloc(0));
    expect(checkpoint.read()).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(3);
  });

  it('rejects values outside the safe-integer range even with a valid CRC', () => {
    const bytes = encodeCheckpoint(sample);
    bytes.writeBigInt64BE(-5n, 8);
    bytes.writeInt32BE(crc32(bytes.subarray(0, 32)), 32);
    expect(decodeCheckpoint(bytes)).toMatch(/consumeQueueFlushedOffset is out of range/);
  });
});

/**
 * int64 fields as JavaScript numbers. Commit-log offsets, queue offsets and timestamps fit in 2^53, so records and
 * message ids carry them as `number`; a value that does not fit is an error, never a silent rounding.
 */

const TWO_32 = 0x1_0000_0000;

/** Reads a big-endian int64; returns undefined when it is outside the safe-integer range. */
export function readSafeInt64(source: Buffer, offset: number): number | undefined {
  const value = source.readInt32BE(offset) * TWO_32 + source.readUInt32BE(offset + 4);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Writes a safe integer as a big-endian int64; returns the offset after it. Throws RangeError otherwise. */
export function writeSafeInt64(target: Buffer, value: number, offset: number, what: string): number {
  checkSafeInt64(value, what);
  const high = Math.floor(value / TWO_32);
  target.writeInt32BE(high, offset);
  return target.writeUInt32BE(value - high * TWO_32, offset + 4);
}

/** Throws RangeError unless `value` is a safe integer, the range of the int64 fields read as numbers. */
export function checkSafeInt64(value: number, what: string): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${what} must be a safe integer, got ${value}`);
}

/**
 * Unchecked big-endian int64 of a safe integer (high int32, then the low 32 bits), for encoders that checked the
 * value and the bounds first.
 */
export function setInt64(view: DataView, offset: number, value: number): void {
  const high = Math.floor(value / TWO_32);
  view.setInt32(offset, high);
  view.setUint32(offset + 4, value - high * TWO_32);
}

/** Throws RangeError unless `value` is an int32, the width of the record's int fields. */
export function checkInt32(value: number, what: string): void {
  if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0x7fff_ffff) {
    throw new RangeError(`${what} must be an int32, got ${value}`);
  }
}

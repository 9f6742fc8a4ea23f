/**
 * CRC-32 as RocketMQ uses it: `UtilAll.crc32` computes java.util.zip.CRC32 (IEEE 802.3, the zlib CRC) and masks the
 * result with 0x7FFFFFFF, so the value is a non-negative Java int. The record's BODYCRC field and the NameServer's
 * REGISTER_BROKER `bodyCrc32` check both use this form (PROTOCOL.md §2.2, §3.1).
 */
import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array) => number;

/**
 * @node-rs/crc32 (crc32fast through N-API: PCLMULQDQ/SIMD folding) when its prebuilt binary loads: ~250 ns per KiB
 * here against ~500-650 ns for Node 20's zlib.crc32, and the commit log computes one per stored message (it was 13 %
 * of an ASYNC_FLUSH append). On a platform without a prebuilt binary, zlib's is used. The check value guards against
 * a binary that loads but computes another CRC.
 */
function loadNative(): Crc32 | undefined {
  try {
    // A require, not an import: a missing binary must fall back, not fail the module.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const native = require('@node-rs/crc32') as { crc32: (input: Uint8Array) => number };
    const check = native.crc32;
    return check(Buffer.from('123456789')) >>> 0 === 0xcbf43926 ? check : undefined;
  } catch {
    return undefined;
  }
}

const nativeCrc32 = loadNative();
const zlibCrc32: Crc32 | undefined = typeof zlib.crc32 === 'function' ? zlib.crc32 : undefined;

/** Which implementation computes CRCs in this process. */
export const crc32Implementation: 'native' | 'zlib' | 'table' = nativeCrc32
  ? 'native'
  : zlibCrc32
    ? 'zlib'
    : 'table';

/** The fastest available IEEE CRC-32, bound once: native, else Node's zlib.crc32, else the table below. */
const fastCrc32: Crc32 | undefined = nativeCrc32 ?? zlibCrc32;

/** The IEEE CRC-32 of `data` as an unsigned 32-bit value. */
export const rawCrc32: Crc32 = fastCrc32 === undefined ? tableCrc32 : (data) => fastCrc32(data) >>> 0;

/** `UtilAll.crc32(data)`: the IEEE CRC-32 of `data` with the sign bit cleared. */
export function crc32(data: Uint8Array): number {
  return (fastCrc32 === undefined ? tableCrc32(data) : fastCrc32(data)) & 0x7fffffff;
}

// zlib.crc32 appeared in Node 20.15 / 22.2; package.json requires >= 20.19, but a table costs 1 KiB and keeps the
// codec working on a runtime that strips it.
let table: Uint32Array | undefined;

/** Table-driven IEEE CRC-32 (reflected polynomial 0xEDB88320), unsigned. Exported to test it against zlib. */
export function tableCrc32(data: Uint8Array): number {
  table ??= buildTable();
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    crc = (table[(crc ^ (data[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function buildTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/**
 * CRC-32 as RocketMQ uses it: `UtilAll.crc32` computes java.util.zip.CRC32 (IEEE 802.3, the zlib CRC) and masks the
 * result with 0x7FFFFFFF, so the value is a non-negative Java int. The record's BODYCRC field and the NameServer's
 * REGISTER_BROKER `bodyCrc32` check both use this form (PROTOCOL.md §2.2, §3.1).
 */
import * as zlib from 'node:zlib';

/** Node's zlib.crc32, bound once (the commit log computes one per stored message). */
const zlibCrc32: ((data: Uint8Array) => number) | undefined =
  typeof zlib.crc32 === 'function' ? zlib.crc32 : undefined;

/** The IEEE CRC-32 of `data` as an unsigned 32-bit value: Node's zlib.crc32 when present, else the table below. */
export const rawCrc32: (data: Uint8Array) => number =
  zlibCrc32 === undefined ? tableCrc32 : (data) => zlibCrc32(data);

/** `UtilAll.crc32(data)`: the IEEE CRC-32 of `data` with the sign bit cleared. */
export function crc32(data: Uint8Array): number {
  return (zlibCrc32 === undefined ? tableCrc32(data) : zlibCrc32(data)) & 0x7fffffff;
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

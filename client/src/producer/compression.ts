/**
 * Body compression as the Java 5.x producer does it (DefaultMQProducerImpl.tryToCompressMessage and sendKernelImpl):
 * bodies longer than `compressMsgBodyOverHowmuch` (4 KiB) are deflated with zlib (java.util.zip.Deflater, zlib
 * framing, level 5), and the sysFlag gets COMPRESSED_FLAG (0x1) plus the compression type ZLIB (3 << 8 = 0x300).
 * Consumers read the type bits (0 also means zlib, for older producers) and inflate. Batches are not compressed
 * ("batch does not support compressing right now"). A body that does not shrink is sent as is.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { getCompressionType, MessageSysFlag } from '@skyrocket/remoting';

export const ZLIB_COMPRESSED_SYS_FLAG = MessageSysFlag.COMPRESSED_FLAG | MessageSysFlag.COMPRESSION_ZLIB_TYPE;

export interface CompressedBody {
  body: Buffer;
  /** Bits to OR into the sysFlag: 0 when the body is sent uncompressed. */
  sysFlag: number;
}

export function maybeCompress(body: Buffer, threshold: number, level: number): CompressedBody {
  if (body.length <= threshold) return { body, sysFlag: 0 };
  const compressed = deflateSync(body, { level });
  if (compressed.length >= body.length) return { body, sysFlag: 0 };
  return { body: compressed, sysFlag: ZLIB_COMPRESSED_SYS_FLAG };
}

/** The stored body as the sender meant it: inflated when the sysFlag says zlib; other types are returned as stored. */
export function decompressBody(body: Buffer, sysFlag: number): { body: Buffer; compressed: boolean } {
  if ((sysFlag & MessageSysFlag.COMPRESSED_FLAG) === 0) return { body, compressed: false };
  let type: string;
  try {
    type = getCompressionType(sysFlag);
  } catch {
    return { body, compressed: true };
  }
  if (type !== 'ZLIB') return { body, compressed: true };
  return { body: inflateSync(body), compressed: false };
}

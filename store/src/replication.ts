/**
 * What a slave's store accepts from its master (RocketMQ classic HA, PROTOCOL.md §4.5), shared by both stores, and
 * the record checks the file store's crash recovery applies to the very same bytes.
 *
 * RocketMQ's slave appends whatever the master sent (CommitLog.appendData copies bytes into the mapped file) and
 * only its ReputMessageService finds out later, record by record, whether they make sense. Here appendToCommitLog
 * is synchronous and all or nothing: the data is checked whole, with recovery's rules, before a byte is written,
 * so a slave never holds bytes its own recovery would refuse, and a refused append leaves the store as it was.
 */
import { SkyrocketError } from '@skyrocket/common';
import * as messageCodec from '@skyrocket/remoting/message';
import type { MessageRecord } from '@skyrocket/remoting/message';
import { END_OF_SEGMENT_BLANK_MIN_BYTES } from './layout';

// Bound once: TypeScript's CommonJS output reads a re-exported (`export *`) name through a getter at every use.
const {
  BLANK_MAGIC_CODE,
  decodeRecord,
  MessageDecodeError,
  MESSAGE_MAGIC_CODE,
  MESSAGE_MAGIC_CODE_V2,
  MIN_RECORD_LENGTH,
} = messageCodec;

/** What starts at one commit-log offset: a message record, the end-of-segment blank, zeros, or garbage. */
export type RecordCheck =
  | { kind: 'record'; record: MessageRecord }
  | { kind: 'blank' }
  | { kind: 'zero' }
  | { kind: 'invalid'; reason: string };

/**
 * The checks on a record's first 8 bytes (TOTALSIZE, MAGICCODE), given the bytes `remaining` before its segment
 * ends: a blank must fill the segment exactly (CommitLog END_FILE_MIN_BLANK_LENGTH, PROTOCOL.md §3.3); a message
 * record must have a V1/V2 magic code and a TOTALSIZE between the minimum record length and what the segment has
 * left minus the 8 bytes always kept for a blank. Undefined means: a message record of a plausible size, whose
 * TOTALSIZE bytes go to checkRecordBytes next.
 */
export function checkRecordHeader(
  totalSize: number,
  magicCode: number,
  remaining: number,
): Exclude<RecordCheck, { kind: 'record' }> | undefined {
  if (totalSize === 0 && magicCode === 0) return { kind: 'zero' };
  if (magicCode === BLANK_MAGIC_CODE) {
    return totalSize === remaining
      ? { kind: 'blank' }
      : { kind: 'invalid', reason: `a blank of ${totalSize} bytes where ${remaining} remain in the segment` };
  }
  if (magicCode !== MESSAGE_MAGIC_CODE && magicCode !== MESSAGE_MAGIC_CODE_V2) {
    return { kind: 'invalid', reason: `bad magic code 0x${(magicCode >>> 0).toString(16).toUpperCase()}` };
  }
  if (totalSize < MIN_RECORD_LENGTH || totalSize > remaining - END_OF_SEGMENT_BLANK_MIN_BYTES) {
    return {
      kind: 'invalid',
      reason: `TOTALSIZE ${totalSize} is out of range (at least ${MIN_RECORD_LENGTH}, and ${remaining} bytes remain in the segment, ${END_OF_SEGMENT_BLANK_MIN_BYTES} of them kept for a blank)`,
    };
  }
  return undefined;
}

/**
 * Decodes the record at `at` of `buffer` (TOTALSIZE bytes, which the caller made sure are there) completely, checks
 * its BODYCRC, and that its PHYSICALOFFSET is `offset`, where it lies in the commit log.
 */
export function checkRecordBytes(buffer: Buffer, at: number, offset: number): RecordCheck {
  let record: MessageRecord;
  try {
    record = decodeRecord(buffer, at, { verifyBodyCRC: true });
  } catch (error) {
    if (error instanceof MessageDecodeError) {
      // The codec's message starts with "record at offset <index in the buffer>: ", which means nothing here.
      return {
        kind: 'invalid',
        reason: `${error.reason}: ${error.message.replace(/^record at offset \d+: /, '')}`,
      };
    }
    throw error;
  }
  if (record.commitLogOffset !== offset) {
    return { kind: 'invalid', reason: `PHYSICALOFFSET is ${record.commitLogOffset}, not ${offset}` };
  }
  return { kind: 'record', record };
}

/** Replicated data that passed parseReplicatedData. */
export interface ReplicatedData {
  /** The message records, in log order; bodies are views into the data, not copies. */
  records: MessageRecord[];
  /** Bytes of those records: the data without a trailing blank. */
  recordBytes: number;
  /** The data ends with the end-of-segment blank and its padding: the next data starts at the next segment. */
  endsSegment: boolean;
}

/**
 * The rule for where replicated data may start: at the store's max offset, or, for a store that holds nothing yet
 * (no record ever stored), at any segment start, since a master starts a new slave at the start of its last
 * segment (DefaultHAConnection.WriteSocketService; the slave's MappedFileQueue creates its first file there).
 */
export function checkReplicationStart(
  startOffset: number,
  maxPhyOffset: number,
  holdsNothing: boolean,
  segmentBytes: number,
): void {
  if (startOffset === maxPhyOffset) return;
  if (
    holdsNothing &&
    Number.isSafeInteger(startOffset) &&
    startOffset >= 0 &&
    startOffset % segmentBytes === 0
  ) {
    return;
  }
  const alternative = holdsNothing
    ? ` or, as the store holds nothing yet, at a multiple of the commit-log segment size ${segmentBytes}`
    : '';
  throw new SkyrocketError(
    'INVALID_PARAMETER',
    `replicated commit-log data at offset ${startOffset} refused: it must start at the store's max offset ${maxPhyOffset}${alternative}; nothing was appended`,
  );
}

/**
 * Checks replicated data starting at commit-log offset `startOffset`, all of it before anything is written: whole
 * records only, each with a good magic code, a TOTALSIZE within the data and its segment, a matching BODYCRC and
 * PHYSICALOFFSET equal to its own offset; optionally one end-of-segment blank, last, with TOTALSIZE reaching the
 * segment end and all of it (header and padding) in the data. So the data never crosses a segment boundary.
 * Throws SkyrocketError INVALID_PARAMETER naming the offset and the problem.
 */
export function parseReplicatedData(
  startOffset: number,
  data: Uint8Array,
  segmentBytes: number,
): ReplicatedData {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const segmentEnd = startOffset - (startOffset % segmentBytes) + segmentBytes;
  const records: MessageRecord[] = [];
  let position = 0;
  while (position < bytes.length) {
    const offset = startOffset + position;
    const available = bytes.length - position;
    const remaining = segmentEnd - offset;
    if (available < END_OF_SEGMENT_BLANK_MIN_BYTES) {
      throw refused(offset, `only ${available} bytes remain, less than a record header (a truncated record)`);
    }
    if (remaining < END_OF_SEGMENT_BLANK_MIN_BYTES) {
      throw refused(offset, `only ${remaining} bytes remain before the segment end`);
    }
    const totalSize = bytes.readInt32BE(position);
    const header = checkRecordHeader(totalSize, bytes.readInt32BE(position + 4), remaining);
    if (header?.kind === 'blank') {
      if (totalSize !== available) {
        throw refused(
          offset,
          `an end-of-segment blank of ${totalSize} bytes must be the last thing in the data, whole, but ${available} bytes remain`,
        );
      }
      return { records, recordBytes: position, endsSegment: true };
    }
    if (header?.kind === 'zero') throw refused(offset, 'an all-zero header (bad magic code 0x0)');
    if (header?.kind === 'invalid') throw refused(offset, header.reason);
    if (totalSize > available) {
      throw refused(offset, `TOTALSIZE ${totalSize} but only ${available} bytes remain (a truncated record)`);
    }
    const check = checkRecordBytes(bytes, position, offset);
    if (check.kind !== 'record') throw refused(offset, check.kind === 'invalid' ? check.reason : check.kind);
    records.push(check.record);
    position += totalSize;
  }
  return { records, recordBytes: position, endsSegment: false };
}

function refused(offset: number, reason: string): SkyrocketError {
  return new SkyrocketError(
    'INVALID_PARAMETER',
    `replicated commit-log data refused at offset ${offset}: ${reason}; nothing was appended`,
  );
}

/**
 * The length of the whole records at the start of `bytes`, by their TOTALSIZE fields (a blank's TOTALSIZE covers
 * its padding): what an HA client may hand to appendToCommitLog while it keeps the rest for the next read. Stops
 * after a blank, which ends its segment.
 */
export function wholeRecordsLength(bytes: Buffer): number {
  let whole = 0;
  while (bytes.length - whole >= 8) {
    const totalSize = bytes.readInt32BE(whole);
    if (totalSize < 8 || bytes.length - whole < totalSize) break;
    whole += totalSize;
    if (bytes.readInt32BE(whole - totalSize + 4) === BLANK_MAGIC_CODE) break;
  }
  return whole;
}

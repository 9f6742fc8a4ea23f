/** Why a message record or batch body could not be decoded. */
export type MessageDecodeFailure =
  // Fewer bytes remain than the structure needs.
  | 'truncated'
  // The record's MAGICCODE is neither V1 nor V2.
  | 'bad-magic'
  // An end-of-file blank (BLANK_MAGIC_CODE): the commit-log file continues in the next file.
  | 'blank'
  // TOTALSIZE is smaller than the smallest possible record.
  | 'size-out-of-range'
  // A length field is negative, or the fields do not add up to TOTALSIZE.
  | 'length-mismatch'
  // BODYCRC does not match the body (only checked when asked).
  | 'crc-mismatch'
  // An int64 field does not fit a JavaScript safe integer.
  | 'value-out-of-range';

/** A message record or batch body is corrupt or truncated. `offset` is where the bad record starts in the buffer. */
export class MessageDecodeError extends Error {
  override readonly name = 'MessageDecodeError';
  readonly reason: MessageDecodeFailure;
  readonly offset: number;

  constructor(reason: MessageDecodeFailure, offset: number, message: string) {
    super(message);
    this.reason = reason;
    this.offset = offset;
  }
}

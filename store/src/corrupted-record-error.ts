import { SkyrocketError } from '@skyrocket/common';

/**
 * STORE_CORRUPTED for a damaged commit-log record followed by valid ones: the one corruption a start can be told to
 * truncate at (the store option truncateCorruptedAt). `offset` is the record's, so a caller can say exactly how.
 */
export class CorruptedRecordError extends SkyrocketError {
  readonly offset: number;

  constructor(offset: number, message: string) {
    super('STORE_CORRUPTED', message);
    this.offset = offset;
  }
}

/**
 * The ConsumeQueue tag code of a record, shared by both stores so that a local append, crash recovery and a
 * replicated record (a slave has only the record to go by) give the same code for the same record.
 */
import * as messageCodec from '@skyrocket/remoting/message';

// Bound once: TypeScript's CommonJS output reads a re-exported (`export *`) name through a getter at every use, and
// the file store's append path computes a tag code per message.
const { tagsString2tagsCode } = messageCodec;

/** TopicValidator.RMQ_SYS_SCHEDULE_TOPIC: delayed messages wait here; their tag code is the delivery time. */
export const SCHEDULE_TOPIC = 'SCHEDULE_TOPIC_XXXX';

/** MessageStoreConfig.messageDelayLevel "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h", in ms. */
export const DEFAULT_DELAY_LEVEL_MILLIS: readonly number[] = [
  1, 5, 10, 30, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600, 1200, 1800, 3600, 7200,
].map((seconds) => seconds * 1000);

/**
 * CommitLog.checkMessageAndReturnSize: the hash of TAGS; for SCHEDULE_TOPIC_XXXX with a DELAY level, the delivery
 * time instead: storeTimestamp + the level's delay (the level capped at the highest; computeDeliverTimestamp).
 * Java fails the whole record when DELAY is not an integer; here such a DELAY is ignored, so a record the broker
 * accepted never becomes unrecoverable (or unreplicable).
 */
export function tagsCodeOf(
  topic: string,
  tags: string | undefined,
  delay: string | undefined,
  storeTimestamp: number,
  delayLevelMillis: readonly number[],
): number {
  let tagsCode = tagsString2tagsCode(tags);
  if (topic === SCHEDULE_TOPIC && delay !== undefined && /^[+-]?\d{1,10}$/.test(delay)) {
    const level = Math.min(Number(delay), delayLevelMillis.length);
    if (level > 0) tagsCode = storeTimestamp + (delayLevelMillis[level - 1] ?? 1000);
  }
  return tagsCode;
}

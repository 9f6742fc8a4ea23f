/**
 * What the dispatcher needs to build ConsumeQueues and the index from one commit-log record (RocketMQ
 * DispatchRequest). The CommitLog produces one per message both when it appends and when recovery scans records
 * back from disk, so both paths feed the dispatcher the same values.
 */
export interface DispatchRequest {
  topic: string;
  queueId: number;
  /**
   * The ConsumeQueue index. 0 for transaction PREPARED and ROLLBACK records, which take no queue offset and get no
   * ConsumeQueue entry (CommitLog.doAppend; the dispatcher checks sysFlag, as CommitLogDispatcherBuildConsumeQueue does).
   */
  queueOffset: number;
  commitLogOffset: number;
  /** The record's TOTALSIZE. */
  size: number;
  /**
   * The ConsumeQueue tag code: Java String.hashCode of TAGS (0 without tags); for SCHEDULE_TOPIC_XXXX with a DELAY
   * level, the delivery timestamp (CommitLog.checkMessageAndReturnSize).
   */
  tagsCode: number;
  storeTimestamp: number;
  sysFlag: number;
  preparedTransactionOffset: number;
  /** The KEYS property (space-separated keys), indexed as `topic#key`. */
  keys: string | undefined;
  /** The UNIQ_KEY property (client message id), indexed as `topic#uniqKey`. */
  uniqKey: string | undefined;
}

/**
 * A message queue: one (topic, brokerName, queueId) a consumer reads from (Java `common/message/MessageQueue`).
 *
 * Mixed Java/TypeScript groups only split queues correctly if both sides sort them the same way, so
 * `compareMessageQueues` is Java's `MessageQueue.compareTo` (topic, then brokerName with `String.compareTo`, then
 * queueId) and `compareJavaStrings` is `String.compareTo` (UTF-16 code units, then length).
 */
import type { MessageQueue } from '../core/route';

// The one MessageQueue type of the SDK is core's; re-exported so consumer modules import it from here.
export type { MessageQueue };

/** Java `String.compareTo`: lexicographic over UTF-16 code units, a prefix sorts first. */
export function compareJavaStrings(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const diff = a.charCodeAt(i) - b.charCodeAt(i);
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}

/** Java `MessageQueue.compareTo`. */
export function compareMessageQueues(a: MessageQueue, b: MessageQueue): number {
  return (
    compareJavaStrings(a.topic, b.topic) ||
    compareJavaStrings(a.brokerName, b.brokerName) ||
    a.queueId - b.queueId
  );
}

/** A string that identifies a queue in maps and sets ("topic@brokerName@queueId"). */
export function messageQueueKey(queue: MessageQueue): string {
  return `${queue.topic}@${queue.brokerName}@${queue.queueId}`;
}

export function sameMessageQueue(a: MessageQueue, b: MessageQueue): boolean {
  return a.topic === b.topic && a.brokerName === b.brokerName && a.queueId === b.queueId;
}

/** A frozen copy with exactly the three fields (so queues from JSON bodies carry nothing extra). */
export function messageQueue(topic: string, brokerName: string, queueId: number): MessageQueue {
  return Object.freeze({ topic, brokerName, queueId });
}

/** "topic@brokerName#queueId", for logs and errors. */
export function describeMessageQueue(queue: MessageQueue): string {
  return `${queue.topic}@${queue.brokerName}#${queue.queueId}`;
}

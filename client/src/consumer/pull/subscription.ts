/**
 * Subscriptions (Java `SubscriptionData`, built by `FilterAPI.buildSubscriptionData`).
 *
 * A TAG expression is `*` (everything) or tags joined by `||` ("TagA || TagB"). The consumer sends the tags' Java
 * `String.hashCode` values (`codeSet`) in heartbeats and pulls; the broker filters by the hash stored in the
 * consume queue, which can let through a message whose different tag has the same hash. The consumer therefore
 * re-checks the exact tag (`tagsSet`) on every pulled message, as `PullAPIWrapper.processPullResult` does.
 */
import { javaStringHashCode } from '@skyrocket/remoting';

import type { SubscriptionData } from '../../core/heartbeat-data';

export const SUBSCRIBE_ALL = '*';

export interface Subscription {
  readonly topic: string;
  /** The expression as given, trimmed; `*` for everything. */
  readonly subString: string;
  readonly tagsSet: readonly string[];
  readonly codeSet: readonly number[];
  /** When the subscription was made (ms); the broker refuses pulls with a newer version than its heartbeat copy. */
  readonly subVersion: number;
  readonly expressionType: 'TAG';
}

/**
 * Parses a TAG expression. Throws RangeError for an expression with no tag at all ("||", " || "), which Java
 * rejects too ("subString split error").
 */
export function buildSubscriptionData(
  topic: string,
  expression: string | undefined,
  subVersion: number,
): Subscription {
  const trimmed = (expression ?? '').trim();
  if (trimmed === '' || trimmed === SUBSCRIBE_ALL) {
    return { topic, subString: SUBSCRIBE_ALL, tagsSet: [], codeSet: [], subVersion, expressionType: 'TAG' };
  }
  const tagsSet: string[] = [];
  for (const part of trimmed.split('||')) {
    const tag = part.trim();
    if (tag !== '' && !tagsSet.includes(tag)) tagsSet.push(tag);
  }
  if (tagsSet.length === 0) {
    throw new RangeError(`subscription expression ${JSON.stringify(expression)} names no tag`);
  }
  return {
    topic,
    subString: trimmed,
    tagsSet,
    codeSet: tagsSet.map((tag) => javaStringHashCode(tag)),
    subVersion,
    expressionType: 'TAG',
  };
}

/** Whether a message with `tags` passes the subscription (the exact re-check after the broker's hash filter). */
export function matchesSubscription(subscription: Subscription, tags: string | undefined): boolean {
  if (subscription.tagsSet.length === 0) return true;
  return tags !== undefined && subscription.tagsSet.includes(tags);
}

/** The SubscriptionData JSON of a heartbeat (`HeartbeatData.consumerDataSet[].subscriptionDataSet[]`). */
export function subscriptionDataJson(subscription: Subscription): SubscriptionData {
  return {
    classFilterMode: false,
    topic: subscription.topic,
    subString: subscription.subString,
    tagsSet: [...subscription.tagsSet],
    codeSet: [...subscription.codeSet],
    subVersion: subscription.subVersion,
    expressionType: subscription.expressionType,
  };
}

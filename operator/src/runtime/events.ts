import { randomBytes } from 'node:crypto';
import { describeError, type Clock, type Logger } from '@skyrocket/common';
import type { KubeClient } from './kube-client';
import { apiVersionOf, Resources } from './resources';
import type { KubeObject } from './types';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  /**
   * Records an Event about `regarding`. Never throws: an Event is a note for humans, and failing to write one
   * must not fail a reconcile.
   */
  record(
    regarding: KubeObject & { apiVersion?: string; kind?: string },
    type: EventType,
    reason: string,
    note: string,
    action?: string,
  ): Promise<void>;
}

/** The controller name in every Event's reportingController. */
export const REPORTING_CONTROLLER = 'skyrocket.dev/operator';

/** Repeats of the same Event within this window increment its series count instead of creating a new object. */
const DEDUP_WINDOW_MS = 10 * 60_000;

interface SeenEvent {
  name: string;
  namespace: string;
  count: number;
  lastPatched: number;
}

/**
 * Writes events.k8s.io/v1 Events. The same (object, type, reason, note) within ten minutes becomes one Event whose
 * `series.count` grows, as client-go's EventRecorder de-duplicates, so a reconcile that repeats an action every few
 * seconds (a blocked drain) does not flood the namespace.
 */
export class KubeEventRecorder implements EventRecorder {
  readonly #client: KubeClient;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #instance: string;
  readonly #seen = new Map<string, SeenEvent>();

  constructor(options: { client: KubeClient; clock: Clock; logger: Logger; reportingInstance: string }) {
    this.#client = options.client;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#instance = options.reportingInstance.slice(0, 128);
  }

  async record(
    regarding: KubeObject & { apiVersion?: string; kind?: string },
    type: EventType,
    reason: string,
    note: string,
    action = reason,
  ): Promise<void> {
    const namespace = regarding.metadata.namespace ?? 'default';
    const dedupKey = [regarding.metadata.uid ?? regarding.metadata.name, type, reason, note].join('\u0000');
    const now = this.#clock.now();
    this.#forgetOld(now);
    const seen = this.#seen.get(dedupKey);
    try {
      if (seen) {
        seen.count++;
        seen.lastPatched = now;
        await this.#client.mergePatch(Resources.Event, seen.namespace, seen.name, {
          series: { count: seen.count, lastObservedTime: microTime(now) },
        });
        return;
      }
      const name = `${regarding.metadata.name}.${randomBytes(8).toString('hex')}`;
      await this.#client.create(Resources.Event, {
        apiVersion: apiVersionOf(Resources.Event),
        kind: 'Event',
        metadata: { name, namespace },
        eventTime: microTime(now),
        reportingController: REPORTING_CONTROLLER,
        reportingInstance: this.#instance,
        action: action.slice(0, 128),
        reason: reason.slice(0, 128),
        type,
        note: note.slice(0, 1024),
        regarding: {
          apiVersion: regarding.apiVersion,
          kind: regarding.kind,
          name: regarding.metadata.name,
          namespace: regarding.metadata.namespace,
          uid: regarding.metadata.uid,
          resourceVersion: regarding.metadata.resourceVersion,
        },
      } as KubeObject);
      this.#seen.set(dedupKey, { name, namespace, count: 1, lastPatched: now });
    } catch (error) {
      // The first Event of a series may have been deleted (TTL): start a new one next time.
      this.#seen.delete(dedupKey);
      this.#logger.warn({ reason, note, err: describeError(error) }, 'could not record an Event');
    }
  }

  #forgetOld(now: number): void {
    for (const [key, seen] of this.#seen)
      if (now - seen.lastPatched > DEDUP_WINDOW_MS) this.#seen.delete(key);
  }
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

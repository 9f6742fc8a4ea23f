import type { Clock, Logger } from '@skyrocket/common';
import { Informer, type InformerHandlers } from './informer';
import type { KubeClient } from './kube-client';
import type { ResourceType } from './resources';
import type { KubeObject } from './types';

/** Read access to cached objects of one type, whatever namespaces are watched. */
export interface Cache<T extends KubeObject> {
  get(namespace: string | undefined, name: string): T | undefined;
  list(namespace?: string): T[];
}

/**
 * One resource type watched in every namespace (one informer) or in a given list of namespaces (one informer each):
 * how the operator runs cluster-wide or restricted to some namespaces with the same controllers.
 */
export class InformerSet<T extends KubeObject> implements Cache<T> {
  readonly #informers: Informer<T>[];

  constructor(options: {
    client: KubeClient;
    type: ResourceType;
    namespaces: readonly string[];
    labelSelector?: string;
    resyncPeriodMs?: number;
    clock: Clock;
    logger: Logger;
  }) {
    const namespaces = options.namespaces.length === 0 ? [undefined] : options.namespaces;
    this.#informers = namespaces.map(
      (namespace) =>
        new Informer<T>({
          client: options.client,
          type: options.type,
          namespace,
          labelSelector: options.labelSelector,
          clock: options.clock,
          logger: options.logger,
          ...(options.resyncPeriodMs !== undefined ? { resyncPeriodMs: options.resyncPeriodMs } : {}),
        }),
    );
  }

  addHandlers(handlers: InformerHandlers<T>): void {
    for (const informer of this.#informers) informer.addHandlers(handlers);
  }

  start(): void {
    for (const informer of this.#informers) informer.start();
  }

  stop(): void {
    for (const informer of this.#informers) informer.stop();
  }

  get hasSynced(): boolean {
    return this.#informers.every((informer) => informer.hasSynced);
  }

  async waitForSync(): Promise<void> {
    await Promise.all(this.#informers.map((informer) => informer.waitForSync()));
  }

  /** Per informer: synced or not, and failures since its last good list (for /readyz). */
  describe(): Record<string, { synced: boolean; failures: number; state: string }> {
    return Object.fromEntries(
      this.#informers.map((i) => [
        i.description,
        { synced: i.hasSynced, failures: i.consecutiveFailures, state: i.state },
      ]),
    );
  }

  resync(): void {
    for (const informer of this.#informers) informer.resync();
  }

  get(namespace: string | undefined, name: string): T | undefined {
    for (const informer of this.#informers) {
      const object = informer.get(namespace, name);
      if (object) return object;
    }
    return undefined;
  }

  list(namespace?: string): T[] {
    return this.#informers.flatMap((informer) => informer.list(namespace));
  }
}

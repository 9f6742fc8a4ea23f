import { describeError, type Clock, type Logger, type TimerHandle } from '@skyrocket/common';
import { type KubeClient, type WatchHandle } from './kube-client';
import type { ResourceType } from './resources';
import { objectKey, type KubeObject } from './types';

export interface InformerHandlers<T extends KubeObject> {
  add?(object: T): void;
  update?(oldObject: T, newObject: T): void;
  delete?(object: T): void;
}

export interface InformerOptions {
  client: KubeClient;
  type: ResourceType;
  /** One namespace, or undefined for all namespaces. */
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  clock: Clock;
  logger: Logger;
  /** Re-delivers every cached object as an update this often (0: never); how periodic resync reaches the queue. */
  resyncPeriodMs?: number;
  /** Backoff after a failed list or watch: initial, doubled per failure, capped. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** The server closes each watch after this long (randomised per watch by ±50%, as client-go does). */
  watchTimeoutSeconds?: number;
}

type State = 'CREATED' | 'LISTING' | 'WATCHING' | 'BACKING_OFF' | 'STOPPED';

/**
 * A list-then-watch cache of one resource type in one namespace (or all), delivering add/update/delete to its
 * handlers. Lifecycle: CREATED → LISTING → WATCHING ⇄ LISTING; on any failure (list error, watch error, a 410 Gone
 * "too old resource version", a broken stream) → BACKING_OFF → LISTING, with exponential backoff, so a failing
 * apiserver is not hammered and a watch never silently dies. A watch the server ends normally (its timeout) is
 * re-opened at once from the last resource version. STOPPED is final.
 */
export class Informer<T extends KubeObject> {
  readonly #options: InformerOptions;
  readonly #store = new Map<string, T>();
  readonly #handlers: InformerHandlers<T>[] = [];
  #state: State = 'CREATED';
  #resourceVersion = '';
  #failures = 0;
  #synced = false;
  #watch: WatchHandle | undefined;
  #retryTimer: TimerHandle | undefined;
  #resyncTimer: TimerHandle | undefined;
  #syncedWaiters: Array<() => void> = [];

  constructor(options: InformerOptions) {
    this.#options = options;
  }

  addHandlers(handlers: InformerHandlers<T>): void {
    this.#handlers.push(handlers);
  }

  get state(): State {
    return this.#state;
  }

  /** The first list has completed (the cache reflects the cluster). */
  get hasSynced(): boolean {
    return this.#synced;
  }

  /** List or watch failures since the last successful list. */
  get consecutiveFailures(): number {
    return this.#failures;
  }

  get description(): string {
    return `${this.#options.type.plural}${this.#options.namespace ? ` in ${this.#options.namespace}` : ''}`;
  }

  start(): void {
    if (this.#state !== 'CREATED') return;
    void this.#list();
    const resync = this.#options.resyncPeriodMs ?? 0;
    if (resync > 0) this.#resyncTimer = this.#options.clock.setInterval(() => this.resync(), resync).unref();
  }

  stop(): void {
    this.#state = 'STOPPED';
    this.#watch?.abort();
    if (this.#retryTimer) this.#options.clock.clearTimer(this.#retryTimer);
    if (this.#resyncTimer) this.#options.clock.clearTimer(this.#resyncTimer);
    for (const waiter of this.#syncedWaiters.splice(0)) waiter();
  }

  /** Resolves once the first list has completed (or the informer stops). */
  waitForSync(): Promise<void> {
    if (this.#synced || this.#state === 'STOPPED') return Promise.resolve();
    return new Promise((resolve) => this.#syncedWaiters.push(resolve));
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.#store.get(namespace ? `${namespace}/${name}` : name);
  }

  list(namespace?: string): T[] {
    const all = [...this.#store.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  /** Delivers every cached object to the update handlers. */
  resync(): void {
    if (!this.#synced) return;
    for (const object of this.#store.values()) this.#emit('update', object, object);
  }

  async #list(): Promise<void> {
    if (this.#state === 'STOPPED') return;
    this.#state = 'LISTING';
    const { client, type, namespace, labelSelector, logger } = this.#options;
    try {
      const list = await client.list<T>(type, namespace, { labelSelector });
      if (this.#state !== 'LISTING') return;
      this.#replace(list.items);
      this.#resourceVersion = list.metadata.resourceVersion ?? '';
      this.#failures = 0;
      if (!this.#synced) {
        this.#synced = true;
        for (const waiter of this.#syncedWaiters.splice(0)) waiter();
      }
      this.#startWatch();
    } catch (error) {
      logger.warn({ informer: this.description, err: describeError(error) }, 'list failed');
      this.#backOff();
    }
  }

  #startWatch(): void {
    if (this.#state === 'STOPPED') return;
    this.#state = 'WATCHING';
    const { client, type, namespace, labelSelector, logger } = this.#options;
    const timeout = this.#options.watchTimeoutSeconds ?? 300;
    const handle = client.watch<T>(
      type,
      namespace,
      {
        resourceVersion: this.#resourceVersion,
        labelSelector,
        timeoutSeconds: Math.max(1, Math.round(timeout * (0.5 + Math.random()))),
      },
      (eventType, object) => this.#onEvent(eventType, object, handle),
      (error) => {
        if (this.#watch !== handle || this.#state !== 'WATCHING') return;
        this.#watch = undefined;
        if (error) {
          logger.warn({ informer: this.description, err: describeError(error) }, 'watch failed; relisting');
          this.#backOff();
        } else {
          // The server's watch timeout: carry on from the last resource version.
          this.#startWatch();
        }
      },
    );
    this.#watch = handle;
  }

  #onEvent(eventType: string, object: T, handle: WatchHandle): void {
    if (this.#watch !== handle) return;
    if (eventType === 'ERROR') {
      // A Status object; 410 Gone means our resource version was compacted away: relist.
      const status = object as unknown as { code?: number; message?: string };
      this.#options.logger.info(
        { informer: this.description, code: status.code, message: status.message },
        'watch error event; relisting',
      );
      this.#watch = undefined;
      handle.abort();
      if (status.code === 410) void this.#list();
      else this.#backOff();
      return;
    }
    const version = object.metadata?.resourceVersion;
    if (version) this.#resourceVersion = version;
    if (eventType === 'BOOKMARK') return;
    const key = objectKey(object);
    const old = this.#store.get(key);
    if (eventType === 'DELETED') {
      this.#store.delete(key);
      this.#emit('delete', old ?? object);
    } else {
      this.#store.set(key, object);
      if (old) this.#emit('update', old, object);
      else this.#emit('add', object);
    }
  }

  #replace(items: T[]): void {
    const seen = new Set<string>();
    for (const object of items) {
      const key = objectKey(object);
      seen.add(key);
      const old = this.#store.get(key);
      this.#store.set(key, object);
      if (!old) this.#emit('add', object);
      else if (old.metadata.resourceVersion !== object.metadata.resourceVersion)
        this.#emit('update', old, object);
    }
    for (const [key, object] of [...this.#store]) {
      if (seen.has(key)) continue;
      this.#store.delete(key);
      this.#emit('delete', object);
    }
  }

  #backOff(): void {
    if (this.#state === 'STOPPED') return;
    this.#state = 'BACKING_OFF';
    const initial = this.#options.backoffInitialMs ?? 800;
    const max = this.#options.backoffMaxMs ?? 30_000;
    const delay = Math.min(max, initial * 2 ** this.#failures);
    this.#failures++;
    this.#retryTimer = this.#options.clock
      .setTimeout(() => {
        this.#retryTimer = undefined;
        void this.#list();
      }, delay)
      .unref();
  }

  #emit(kind: 'add' | 'delete', object: T): void;
  #emit(kind: 'update', oldObject: T, newObject: T): void;
  #emit(kind: 'add' | 'update' | 'delete', first: T, second?: T): void {
    for (const handlers of this.#handlers) {
      try {
        if (kind === 'add') handlers.add?.(first);
        else if (kind === 'delete') handlers.delete?.(first);
        else handlers.update?.(first, second ?? first);
      } catch (error) {
        // A handler only enqueues keys; a throw is a bug, logged rather than allowed to kill the watch.
        this.#options.logger.error(
          { informer: this.description, err: describeError(error) },
          'handler threw',
        );
      }
    }
  }
}

/**
 * A typed EventEmitter: `on('routeUpdated', (event) => …)` gets the event's type from the map, and emitting an
 * event nobody listens to costs one Map lookup. A listener that throws is logged by the owner, never propagated
 * into the client's own code paths.
 */
import { EventEmitter } from 'node:events';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- listener tuples of any arity; narrowed per key below
type EventMap = Record<string, any>;

export class TypedEventEmitter<Events extends EventMap> {
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(100);
  }

  on<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): this {
    this.#emitter.on(event, listener);
    return this;
  }

  once<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): this {
    this.#emitter.once(event, listener);
    return this;
  }

  off<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): this {
    this.#emitter.off(event, listener);
    return this;
  }

  /** Emits to every listener; a listener's exception goes to `onListenerError` instead of the caller. */
  emit<K extends keyof Events & string>(
    event: K,
    payload: Events[K],
    onListenerError?: (error: unknown) => void,
  ): void {
    if (this.#emitter.listenerCount(event) === 0) return;
    for (const listener of this.#emitter.rawListeners(event) as Array<(payload: Events[K]) => void>) {
      try {
        listener(payload);
      } catch (error) {
        onListenerError?.(error);
      }
    }
  }

  listenerCount(event: keyof Events & string): number {
    return this.#emitter.listenerCount(event);
  }

  removeAllListeners(): void {
    this.#emitter.removeAllListeners();
  }
}

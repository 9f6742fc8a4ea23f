/**
 * The lifecycle every client object shares (producer, consumers, admin, the client instance):
 *
 *   CREATED --start()--> STARTING --ok--> RUNNING --shutdown()--> STOPPING --> SHUTDOWN
 *                            \--fails--> CREATED (start may be retried)
 *   CREATED --shutdown()--> SHUTDOWN
 *
 * Every other transition is refused with a ClientError that says what was attempted and in which state:
 * start twice → ALREADY_STARTED, use before start → NOT_STARTED, use or shutdown after shutdown → SHUT_DOWN.
 */
import { ClientError } from '../errors';

export type LifecycleState = 'CREATED' | 'STARTING' | 'RUNNING' | 'STOPPING' | 'SHUTDOWN';

export class Lifecycle {
  readonly #what: string;
  #state: LifecycleState = 'CREATED';

  /** `what` names the object in messages, e.g. `producer "orders"`. */
  constructor(what: string) {
    this.#what = what;
  }

  get state(): LifecycleState {
    return this.#state;
  }

  get isRunning(): boolean {
    return this.#state === 'RUNNING';
  }

  /** CREATED → STARTING; throws in any other state. */
  beginStart(): void {
    switch (this.#state) {
      case 'CREATED':
        this.#state = 'STARTING';
        return;
      case 'STARTING':
      case 'RUNNING':
        throw new ClientError('ALREADY_STARTED', `${this.#what} is already started (state ${this.#state})`);
      default:
        throw new ClientError('SHUT_DOWN', `${this.#what} has been shut down and cannot be started again`);
    }
  }

  /** STARTING → RUNNING. */
  started(): void {
    if (this.#state === 'STARTING') this.#state = 'RUNNING';
  }

  /** STARTING → CREATED, so a failed start can be retried. */
  startFailed(): void {
    if (this.#state === 'STARTING') this.#state = 'CREATED';
  }

  /**
   * RUNNING → STOPPING (returns true: the caller releases its resources, then calls `stopped`), or CREATED →
   * SHUTDOWN (returns false: nothing to release). Throws SHUT_DOWN when already stopping or stopped, and
   * NOT_STARTED... never: shutting down an unstarted object is allowed and final.
   */
  beginShutdown(): boolean {
    switch (this.#state) {
      case 'RUNNING':
        this.#state = 'STOPPING';
        return true;
      case 'CREATED':
        this.#state = 'SHUTDOWN';
        return false;
      case 'STARTING':
        throw new ClientError(
          'NOT_STARTED',
          `${this.#what} is still starting; wait for start() before shutdown()`,
        );
      default:
        throw new ClientError('SHUT_DOWN', `${this.#what} has already been shut down`);
    }
  }

  /** STOPPING → SHUTDOWN. */
  stopped(): void {
    this.#state = 'SHUTDOWN';
  }

  /** Throws unless RUNNING; `operation` completes "cannot <operation>". */
  assertRunning(operation: string): void {
    if (this.#state === 'RUNNING') return;
    if (this.#state === 'CREATED' || this.#state === 'STARTING') {
      throw new ClientError(
        'NOT_STARTED',
        `cannot ${operation}: ${this.#what} is not started; call start() first`,
      );
    }
    throw new ClientError('SHUT_DOWN', `cannot ${operation}: ${this.#what} has been shut down`);
  }
}

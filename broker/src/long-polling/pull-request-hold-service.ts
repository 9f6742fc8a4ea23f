import type { Clock, TimerHandle } from '@skyrocket/common';
import type { MessageArrival } from '@skyrocket/store';

/**
 * Parked pulls (RocketMQ PullRequestHoldService). A pull that found nothing waits here until a message arrives
 * for its topic and queue at or after its offset (and passing its tag filter), or until its suspend time is up;
 * then `wake` runs it again without suspension and its response goes out. One timer sweeps expired pulls.
 */
interface HeldPull {
  offset: number;
  deadline: number;
  matches: (tagsCode: number) => boolean;
  wake: () => void;
}

export class PullRequestHoldService {
  readonly #held = new Map<string, HeldPull[]>();
  readonly #clock: Clock;
  #timer: TimerHandle | undefined;
  #count = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  start(sweepIntervalMs = 100): void {
    this.#timer = this.#clock.setInterval(() => this.#sweep(), sweepIntervalMs).unref();
  }

  stop(): void {
    if (this.#timer) this.#clock.clearTimer(this.#timer);
    // Answer everything still parked (as timed out) so no client waits for a broker that is going away.
    for (const pulls of this.#held.values()) for (const pull of pulls) pull.wake();
    this.#held.clear();
    this.#count = 0;
  }

  get heldCount(): number {
    return this.#count;
  }

  hold(
    topic: string,
    queueId: number,
    offset: number,
    suspendMs: number,
    matches: (tagsCode: number) => boolean,
    wake: () => void,
  ): void {
    const key = `${topic}@${queueId}`;
    let pulls = this.#held.get(key);
    if (!pulls) {
      pulls = [];
      this.#held.set(key, pulls);
    }
    pulls.push({ offset, deadline: this.#clock.now() + suspendMs, matches, wake });
    this.#count++;
  }

  /** notifyMessageArriving: wakes the pulls of that queue waiting for this offset whose filter matches. */
  onMessageArrival(arrival: MessageArrival): void {
    const key = `${arrival.topic}@${arrival.queueId}`;
    const pulls = this.#held.get(key);
    if (!pulls) return;
    const keep: HeldPull[] = [];
    for (const pull of pulls) {
      if (arrival.queueOffset >= pull.offset && pull.matches(arrival.tagsCode)) {
        this.#count--;
        pull.wake();
      } else {
        keep.push(pull);
      }
    }
    if (keep.length === 0) this.#held.delete(key);
    else this.#held.set(key, keep);
  }

  #sweep(): void {
    const now = this.#clock.now();
    for (const [key, pulls] of this.#held) {
      const keep = pulls.filter((pull) => {
        if (pull.deadline > now) return true;
        this.#count--;
        pull.wake();
        return false;
      });
      if (keep.length === 0) this.#held.delete(key);
      else this.#held.set(key, keep);
    }
  }
}

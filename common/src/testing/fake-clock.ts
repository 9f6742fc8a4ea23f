import type { Clock, TimerHandle } from '../clock';

interface FakeTimer extends TimerHandle {
  due: number;
  fn: () => void;
  interval?: number;
  cancelled: boolean;
}

/** A Clock whose time moves only when a test calls advance(); timers fire in due order. */
export class FakeClock implements Clock {
  #now: number;
  #timers: FakeTimer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, Math.max(1, ms));
  }

  clearTimer(handle: TimerHandle): void {
    (handle as FakeTimer).cancelled = true;
    this.#timers = this.#timers.filter((t) => t !== handle);
  }

  /** Moves time forward by ms, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const next = this.#timers.filter((t) => t.due <= target).sort((a, b) => a.due - b.due)[0];
      if (!next) break;
      this.#now = next.due;
      if (next.interval !== undefined) next.due += next.interval;
      else this.#timers = this.#timers.filter((t) => t !== next);
      next.fn();
    }
    this.#now = target;
  }

  get pendingTimers(): number {
    return this.#timers.length;
  }

  #add(fn: () => void, ms: number, interval?: number): TimerHandle {
    const timer: FakeTimer = {
      due: this.#now + Math.max(0, ms),
      fn,
      cancelled: false,
      unref: () => timer,
      ...(interval !== undefined ? { interval } : {}),
    };
    this.#timers.push(timer);
    return timer;
  }
}

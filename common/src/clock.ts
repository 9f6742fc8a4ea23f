/**
 * Time as a dependency. Everything that expires, schedules or timestamps takes a Clock so tests can drive time
 * with a FakeClock (common/src/testing/fake-clock.ts) instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch, like Date.now(). */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export interface TimerHandle {
  /** Lets the process exit while the timer is pending (Node's Timeout.unref). */
  unref(): TimerHandle;
}

class SystemTimer implements TimerHandle {
  constructor(readonly timeout: NodeJS.Timeout) {}
  unref(): TimerHandle {
    this.timeout.unref();
    return this;
  }
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => new SystemTimer(setTimeout(fn, ms)),
  setInterval: (fn, ms) => new SystemTimer(setInterval(fn, ms)),
  clearTimer: (handle) => {
    if (handle instanceof SystemTimer) clearTimeout(handle.timeout);
  },
};

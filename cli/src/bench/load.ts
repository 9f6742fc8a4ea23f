import { LatencyHistogram } from './histogram';

/**
 * The load loops behind `skyrocket bench produce|consume`, free of any client so they are unit-tested with fakes.
 * Time comes from `now()` (milliseconds, fractional), so latency is recorded in microseconds.
 */
export interface BenchBounds {
  /** Stop after this many measured operations (sent or received). */
  messages?: number | undefined;
  /** Stop after this many measured seconds. */
  durationSeconds?: number | undefined;
  /** Seconds of load before measuring starts (not counted). */
  warmupSeconds: number;
}

export interface BenchClock {
  now(): number;
}

export interface BenchResult {
  /** Operations that succeeded in the measured window. */
  count: number;
  errors: number;
  seconds: number;
  bytes: number;
  latency: LatencyHistogram;
  /** The last error's message, for the summary. */
  lastError?: string;
}

/** A snapshot for the live progress line. */
export interface BenchProgress {
  elapsedSeconds: number;
  count: number;
  errors: number;
  bytes: number;
  latency: LatencyHistogram;
  warmingUp: boolean;
}

export const performanceClock: BenchClock = { now: () => performance.now() };

/**
 * Keeps `concurrency` sends in flight (a new one starts as soon as one completes) until the bound is reached; each
 * send's latency is the time from its call to its promise settling. A stop request (Ctrl-C) ends it early with
 * the figures so far.
 */
export async function runProduceLoad(options: {
  send: () => Promise<unknown>;
  concurrency: number;
  bytesPerMessage: number;
  bounds: BenchBounds;
  clock?: BenchClock;
  stopRequested?: Promise<unknown>;
  onProgress?: (progress: BenchProgress) => void;
  progressIntervalMs?: number;
}): Promise<BenchResult> {
  const clock = options.clock ?? performanceClock;
  const { bounds } = options;
  const start = clock.now();
  const measureFrom = start + bounds.warmupSeconds * 1000;
  const measureUntil =
    bounds.durationSeconds === undefined ? Infinity : measureFrom + bounds.durationSeconds * 1000;
  const latency = new LatencyHistogram();
  let count = 0;
  let errors = 0;
  let started = 0;
  let lastError: string | undefined;
  let stopped = false;
  void options.stopRequested?.then(() => (stopped = true));
  let measuredStart = NaN;
  let measuredEnd = NaN;

  const snapshot = (): BenchProgress => {
    const now = clock.now();
    return {
      elapsedSeconds: (now - (Number.isNaN(measuredStart) ? now : measuredStart)) / 1000,
      count,
      errors,
      bytes: count * options.bytesPerMessage,
      latency,
      warmingUp: now < measureFrom,
    };
  };
  const timer =
    options.onProgress &&
    setInterval(() => options.onProgress?.(snapshot()), options.progressIntervalMs ?? 1000);

  const done = (now: number) =>
    stopped ||
    now >= measureUntil ||
    (bounds.messages !== undefined && now >= measureFrom && started >= bounds.messages);

  const worker = async () => {
    for (;;) {
      const t0 = clock.now();
      if (done(t0)) return;
      const measured = t0 >= measureFrom;
      if (measured) {
        if (Number.isNaN(measuredStart)) measuredStart = t0;
        started++;
      }
      try {
        await options.send();
        const t1 = clock.now();
        if (measured) {
          count++;
          latency.record((t1 - t0) * 1000);
          measuredEnd = t1;
        }
      } catch (error) {
        if (measured) {
          errors++;
          lastError = error instanceof Error ? error.message : String(error);
          measuredEnd = clock.now();
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    if (timer) clearInterval(timer);
  }
  const seconds = Number.isNaN(measuredStart) ? 0 : (measuredEnd - measuredStart) / 1000;
  return {
    count,
    errors,
    seconds,
    bytes: count * options.bytesPerMessage,
    latency,
    ...(lastError === undefined ? {} : { lastError }),
  };
}

/**
 * Counts received messages until the bound is reached; latency is end-to-end, receive time minus the message's
 * born timestamp (both wall clock, milliseconds, as the Java benchmark Consumer measures it). `subscribe` starts
 * delivery and returns a function that stops it.
 */
export async function runConsumeLoad(options: {
  subscribe: (
    onMessage: (bornTimestampMillis: number, bytes: number) => void,
  ) => Promise<() => Promise<void>>;
  bounds: BenchBounds;
  wallClock?: () => number;
  clock?: BenchClock;
  stopRequested?: Promise<unknown>;
  onProgress?: (progress: BenchProgress) => void;
  progressIntervalMs?: number;
}): Promise<BenchResult> {
  const clock = options.clock ?? performanceClock;
  const wallClock = options.wallClock ?? Date.now;
  const { bounds } = options;
  const latency = new LatencyHistogram();
  let count = 0;
  let bytes = 0;
  let measuredStart = NaN;
  let measuredEnd = NaN;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const start = clock.now();
  const measureFrom = start + bounds.warmupSeconds * 1000;

  const stop = await options.subscribe((born, size) => {
    const now = clock.now();
    if (now < measureFrom) return;
    if (bounds.messages !== undefined && count >= bounds.messages) return;
    if (Number.isNaN(measuredStart)) measuredStart = now;
    count++;
    bytes += size;
    latency.record((wallClock() - born) * 1000);
    measuredEnd = now;
    if (bounds.messages !== undefined && count >= bounds.messages) finish();
  });
  const timer = setInterval(() => {
    const now = clock.now();
    options.onProgress?.({
      elapsedSeconds: (now - (Number.isNaN(measuredStart) ? now : measuredStart)) / 1000,
      count,
      errors: 0,
      bytes,
      latency,
      warmingUp: now < measureFrom,
    });
    if (bounds.durationSeconds !== undefined && now >= measureFrom + bounds.durationSeconds * 1000) {
      measuredEnd = now;
      if (Number.isNaN(measuredStart)) measuredStart = measureFrom;
      finish();
    }
  }, options.progressIntervalMs ?? 1000);
  void options.stopRequested?.then(() => {
    measuredEnd = clock.now();
    finish();
  });
  try {
    await finished;
  } finally {
    clearInterval(timer);
    await stop();
  }
  const seconds = Number.isNaN(measuredStart) ? 0 : Math.max(0, (measuredEnd - measuredStart) / 1000);
  return { count, errors: 0, seconds, bytes, latency };
}

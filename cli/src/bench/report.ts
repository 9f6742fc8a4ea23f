import type { BenchProgress, BenchResult } from './load';

/** Figures of a finished run, as printed by --json (the last stdout line) and in the summary. */
export interface BenchSummary {
  benchmark: 'produce' | 'consume';
  topic: string;
  size: number;
  concurrency?: number;
  count: number;
  errors: number;
  seconds: number;
  msgPerSec: number;
  /** Megabytes (10^6 bytes) per second of message bodies. */
  mbPerSec: number;
  /** Send latency (produce) or end-to-end latency born → received (consume), milliseconds. */
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
  lastError?: string;
}

const round = (value: number, digits: number) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : 0);

export function summarize(
  base: Pick<BenchSummary, 'benchmark' | 'topic' | 'size' | 'concurrency'>,
  result: BenchResult,
): BenchSummary {
  const ms = (micros: number) => round(micros / 1000, 3);
  const perSecond = (n: number) => (result.seconds > 0 ? n / result.seconds : 0);
  return {
    ...base,
    count: result.count,
    errors: result.errors,
    seconds: round(result.seconds, 3),
    msgPerSec: round(perSecond(result.count), 1),
    mbPerSec: round(perSecond(result.bytes) / 1e6, 2),
    latencyMs: {
      p50: ms(result.latency.percentile(50)),
      p90: ms(result.latency.percentile(90)),
      p99: ms(result.latency.percentile(99)),
      p999: ms(result.latency.percentile(99.9)),
      max: ms(result.latency.max),
      mean: ms(result.latency.mean),
    },
    ...(result.lastError === undefined ? {} : { lastError: result.lastError }),
  };
}

export function formatSummary(summary: BenchSummary): string {
  const l = summary.latencyMs;
  const what = summary.benchmark === 'produce' ? 'send latency' : 'end-to-end latency';
  const lines = [
    `${summary.benchmark} ${summary.topic}: ${summary.count} messages of ${summary.size} bytes, ` +
      `${summary.errors} errors, ${summary.seconds.toFixed(2)} s` +
      (summary.concurrency === undefined ? '' : `, ${summary.concurrency} in flight`),
    `throughput: ${summary.msgPerSec.toFixed(1)} msg/s, ${summary.mbPerSec.toFixed(2)} MB/s`,
    `${what} (ms): p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  p99.9 ${l.p999}  max ${l.max}`,
  ];
  if (summary.lastError) lines.push(`last error: ${summary.lastError}`);
  return lines.join('\n') + '\n';
}

/**
 * The live line, redrawn in place once a second: rate over the last interval, percentiles so far.
 * `previous` is the last snapshot's count and time, kept by the caller.
 */
export function progressLine(
  progress: BenchProgress,
  previous: { count: number; bytes: number; at: number },
  now: number,
): string {
  const dt = Math.max(1e-3, (now - previous.at) / 1000);
  const rate = (progress.count - previous.count) / dt;
  const mb = (progress.bytes - previous.bytes) / dt / 1e6;
  const p = (q: number) =>
    progress.latency.count === 0 ? '-' : (progress.latency.percentile(q) / 1000).toFixed(2);
  if (progress.warmingUp) return `warming up… ${rate.toFixed(0)} msg/s`;
  return (
    `${progress.elapsedSeconds.toFixed(0)}s  ${rate.toFixed(0)} msg/s  ${mb.toFixed(2)} MB/s  ` +
    `p50 ${p(50)} ms  p99 ${p(99)} ms  total ${progress.count}  errors ${progress.errors}`
  );
}

import type { Command } from 'commander';
import { CliError, ExitCode } from '../errors';
import { writeJson } from '../io';
import { globals, type CommandContext } from '../context';
import { choice, integer, namesrvOf, nonNegativeNumber, positiveNumber, withNamesrv } from '../options';
import { startPushConsumer, withProducer } from '../clients';
import {
  runConsumeLoad,
  runProduceLoad,
  type BenchBounds,
  type BenchProgress,
  type BenchResult,
} from '../bench/load';
import { formatSummary, progressLine, summarize, type BenchSummary } from '../bench/report';

/** The duration of a run given neither --messages nor --duration. */
export const DEFAULT_BENCH_SECONDS = 10;
export const DEFAULT_BENCH_TOPIC = 'SkyrocketBench';

interface CommonBenchOptions {
  namesrv?: string;
  topic: string;
  messages?: number;
  duration?: number;
  warmup: number;
}

interface ProduceOptions extends CommonBenchOptions {
  size: number;
  concurrency: number;
  tags?: string;
  group: string;
}

/**
 * `skyrocket bench produce|consume`: load with one client, a live progress line on stderr (when it is a terminal),
 * a summary at the end, and with --json one JSON object as the last stdout line.
 */
export function registerBenchCommands(program: Command, context: CommandContext): void {
  const bench = program.command('bench').description('measure throughput and latency against a cluster');

  const produce = bench
    .command('produce')
    .description('send messages with --concurrency sends in flight; report msg/s, MB/s and send latency')
    .option(
      '--topic <topic>',
      'topic to send to (created through TBW102 if the broker allows)',
      DEFAULT_BENCH_TOPIC,
    )
    .option('--messages <n>', 'stop after this many measured messages', integer(1))
    .option(
      '--duration <seconds>',
      `stop after this many measured seconds (default ${DEFAULT_BENCH_SECONDS} when neither bound is given)`,
      positiveNumber,
    )
    .option('--warmup <seconds>', 'send for this long before measuring', nonNegativeNumber, 0)
    .option('--size <bytes>', 'body size', integer(1, 64 * 1024 * 1024), 1024)
    .option('--concurrency <n>', 'sends in flight at once', integer(1, 100_000), 64)
    .option('--tags <tag>', 'tag of every message')
    .option('--group <group>', 'producer group', 'skyrocket_bench_producer');
  withNamesrv(produce).action(async (options: ProduceOptions, command: Command) => {
    const { io } = context;
    const namesrvAddr = namesrvOf(options, io);
    const body = Buffer.alloc(options.size, 'x');
    const message = {
      topic: options.topic,
      body,
      ...(options.tags === undefined ? {} : { tags: options.tags }),
    };
    const result = await withProducer(
      namesrvAddr,
      { group: options.group, sendMsgTimeoutMillis: 10_000 },
      async (producer) => {
        // One send before the clock starts: the route is fetched (and the topic auto-created) outside the figures,
        // and a cluster that cannot take the topic at all fails here with one clear line.
        await producer.send(message);
        return runProduceLoad({
          send: () => producer.send(message),
          concurrency: options.concurrency,
          bytesPerMessage: options.size,
          bounds: bounds(options),
          stopRequested: io.shutdownRequested(),
          ...progressReporter(context),
        });
      },
    );
    report(
      context,
      command,
      { benchmark: 'produce', topic: options.topic, size: options.size, concurrency: options.concurrency },
      result,
    );
  });

  const consume = bench
    .command('consume')
    .description('consume with a push consumer; report msg/s, MB/s and end-to-end latency (born → received)')
    .option('--topic <topic>', 'topic to consume', DEFAULT_BENCH_TOPIC)
    .option('--messages <n>', 'stop after this many measured messages', integer(1))
    .option(
      '--duration <seconds>',
      `stop after this many measured seconds (default ${DEFAULT_BENCH_SECONDS} when neither bound is given)`,
      positiveNumber,
    )
    .option('--warmup <seconds>', 'consume for this long before measuring', nonNegativeNumber, 0)
    .option(
      '--from <where>',
      'where a new group starts: last (only new messages) or first',
      choice('first', 'last'),
      'last',
    )
    .option('--tags <expression>', 'tag filter', '*')
    .option('--group <group>', 'consumer group', 'skyrocket_bench_consumer');
  withNamesrv(consume).action(async (options: ConsumeOptions, command: Command) => {
    const { io } = context;
    const namesrvAddr = namesrvOf(options, io);
    // A push consumer started on a topic with no route only finds it at its next rebalance (20 s) and then, for a
    // new group reading from "last", skips whatever was sent meanwhile: refuse up front instead.
    const admin = await context.openAdmin(namesrvAddr);
    try {
      if (!(await admin.topicExists(options.topic))) {
        throw new CliError(
          `topic ${options.topic} does not exist: create it first (skyrocket topic create ${options.topic})`,
        );
      }
    } finally {
      await admin.close();
    }
    let size = 0;
    const result = await runConsumeLoad({
      bounds: bounds(options),
      stopRequested: io.shutdownRequested(),
      ...progressReporter(context),
      subscribe: async (onMessage) => {
        const consumer = await startPushConsumer(
          namesrvAddr,
          { group: options.group, topic: options.topic, tags: options.tags, from: options.from },
          (messages) => {
            for (const m of messages) {
              size = m.body.length;
              onMessage(m.bornTimestamp, m.body.length);
            }
          },
        );
        return () => consumer.shutdown();
      },
    });
    report(context, command, { benchmark: 'consume', topic: options.topic, size }, result);
  });
}

interface ConsumeOptions extends CommonBenchOptions {
  from: 'first' | 'last';
  tags: string;
  group: string;
}

export function bounds(options: CommonBenchOptions): BenchBounds {
  const durationSeconds =
    options.duration ?? (options.messages === undefined ? DEFAULT_BENCH_SECONDS : undefined);
  return { messages: options.messages, durationSeconds, warmupSeconds: options.warmup };
}

/** Redraws one status line on stderr every second, only when stderr is a terminal. */
export function progressReporter(context: CommandContext): { onProgress?: (p: BenchProgress) => void } {
  const { stderr } = context.io;
  if (!stderr.isTTY) return {};
  let previous = { count: 0, bytes: 0, at: performance.now() };
  return {
    onProgress: (progress) => {
      const now = performance.now();
      stderr.write(`\r\x1b[2K${progressLine(progress, previous, now)}`);
      previous = { count: progress.count, bytes: progress.bytes, at: now };
    },
  };
}

export function report(
  context: CommandContext,
  command: Command,
  base: Pick<BenchSummary, 'benchmark' | 'topic' | 'size' | 'concurrency'>,
  result: BenchResult,
): void {
  const { io } = context;
  if (io.stderr.isTTY) io.stderr.write('\r\x1b[2K');
  const summary = summarize(base, result);
  if (globals(command).json) {
    io.stderr.write(formatSummary(summary));
    writeJson(io, summary);
  } else {
    io.stdout.write(formatSummary(summary));
  }
  if (summary.count === 0) {
    context.exitCode = ExitCode.FAILED;
    if (result.lastError) throw new CliError(`no message succeeded: ${result.lastError}`);
  }
}

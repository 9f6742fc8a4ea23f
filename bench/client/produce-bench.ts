/**
 * Client benchmark: the TypeScript client (`skyrocket bench produce`) against the Apache RocketMQ Java client
 * (test/compat/java BenchProduce, as bench/broker uses it), both as their own process, against the same Skyrocket
 * NameServer + broker (ASYNC_FLUSH) in one run. Same workload for both: `size`-byte bodies, `inFlight` async sends
 * outstanding, `warmup` seconds not counted, then `seconds` measured. Runs alternate in ABBA order (TS, Java, Java, TS,
 * ...) so that drift in the broker (segment growth, page cache, JIT-free warm-up) hits both alike; the figures are the
 * median run of each.
 *
 *   npm run bench:client -- [--inFlight 64] [--size 1024] [--warmup 5] [--seconds 20] [--runs 3] [--brokerWarmup 20]
 *
 * The broker is loaded once, unmeasured, for `brokerWarmup` seconds first (a fresh V8 process and an empty page
 * cache made whichever client ran first look ~40 % slower).
 *
 * Target (issue 5): the TS client drives at least as many msg/s as the Java client at the same concurrency.
 * Each client's CPU time (user + system, through GNU time) is reported too: on a 2-core machine the CPU a client burns is
 * taken from the broker it is measuring.
 *
 * The last line is every figure as one JSON object.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureCompatBuild, freePort, killAllJavaProcesses } from '../../test/compat/harness/java';
import { flags, imageNodeOptions, waitForRegistration } from '../harness';

const options = flags(process.argv.slice(2), {
  inFlight: 64,
  size: 1024,
  warmup: 5,
  seconds: 20,
  runs: 3,
  brokerWarmup: 20,
});
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-client-bench-'));
const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'cli/dist/main.js');

interface Run {
  client: 'ts' | 'java';
  msgPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  count: number;
  /** CPU seconds (user + system) the client process used, start-up and warm-up included; NaN if unknown. */
  cpuSeconds: number;
}

/** GNU time reports the child's CPU use: on this 2-core machine a client's CPU is taken from the broker. */
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const CPU_LINE = /^client-cpu (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/m;

/** Runs a child to completion; resolves with its stdout and CPU seconds, rejects with the tail of its stderr. */
function runChild(
  command: string,
  args: string[],
  what: string,
): Promise<{ stdout: string; cpuSeconds: number }> {
  const [file, argv] = TIME ? [TIME, ['-f', 'client-cpu %U %S', command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${what} failed (${code}): ${stderr.slice(-2000)}`));
      const cpu = CPU_LINE.exec(stderr);
      resolve({ stdout, cpuSeconds: cpu ? Number((Number(cpu[1]) + Number(cpu[2])).toFixed(2)) : NaN });
    });
  });
}

async function runTypeScript(namesrvAddr: string, topic: string): Promise<Run> {
  const { stdout, cpuSeconds } = await runChild(
    process.execPath,
    [
      cli,
      'bench',
      'produce',
      '--json',
      ...['-n', namesrvAddr, '--topic', topic],
      ...['--concurrency', String(options.inFlight), '--size', String(options.size)],
      ...['--warmup', String(options.warmup), '--duration', String(options.seconds)],
    ],
    'skyrocket bench produce',
  );
  const last = stdout.trim().split('\n').pop() ?? '';
  const s = JSON.parse(last) as {
    msgPerSec: number;
    errors: number;
    count: number;
    latencyMs: { p50: number; p99: number };
  };
  return {
    client: 'ts',
    msgPerSec: s.msgPerSec,
    p50Ms: s.latencyMs.p50,
    p99Ms: s.latencyMs.p99,
    errors: s.errors,
    count: s.count,
    cpuSeconds,
  };
}

async function runJava(namesrvAddr: string, topic: string): Promise<Run> {
  const { classpath } = await ensureCompatBuild();
  const home = path.join(work, 'java-client');
  fs.mkdirSync(home, { recursive: true });
  const { stdout, cpuSeconds } = await runChild(
    'java',
    [
      // Same JVM settings as bench/broker's load generator: full JIT, fixed heap.
      '-Xms768m',
      '-Xmx768m',
      `-Duser.home=${home}`,
      '-Drmq.logback.configurationFile=rmq.client.logback.xml',
      '-Dlogback.statusListenerClass=org.apache.rocketmq.logging.ch.qos.logback.core.status.NopStatusListener',
      '-cp',
      classpath,
      'dev.skyrocket.compat.BenchProduce',
      namesrvAddr,
      topic,
      String(options.inFlight),
      String(options.size),
      String(options.warmup),
      String(options.seconds),
      'false',
    ],
    'Java BenchProduce',
  );
  const line = stdout.split('\n').find((l) => l.includes('"summary"')) ?? '';
  const s = JSON.parse(line) as {
    sendsPerSecond: number;
    p50Micros: number;
    p99Micros: number;
    errors: number;
  };
  return {
    client: 'java',
    msgPerSec: s.sendsPerSecond,
    p50Ms: s.p50Micros / 1000,
    p99Ms: s.p99Micros / 1000,
    errors: s.errors,
    count: Math.round(s.sendsPerSecond * options.seconds),
    cpuSeconds,
  };
}

/** `skyrocket start` (NameServer + broker in one process) on free ports, ASYNC_FLUSH, data in a temp dir. */
async function startSkyrocket(): Promise<{ namesrvAddr: string; stop: () => Promise<void> }> {
  const nsPort = await freePort();
  const brokerPort = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...imageNodeOptions(),
      cli,
      'start',
      ...['--data-dir', path.join(work, 'data'), '--listen-host', '127.0.0.1', '--host', '127.0.0.1'],
      ...['--namesrv-port', String(nsPort), '--broker-port', String(brokerPort)],
      ...['--namesrv-http-port', '0', '--broker-http-port', '0'],
      ...['--flush-disk-type', 'ASYNC_FLUSH', '--log-level', 'warn'],
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const namesrvAddr = `127.0.0.1:${nsPort}`;
  await waitForRegistration(namesrvAddr, `127.0.0.1:${brokerPort}`);
  return {
    namesrvAddr,
    stop: () =>
      new Promise<void>((resolve) =>
        child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGTERM')),
      ),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const value =
    sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
  return Number(value.toFixed(2));
}

function describe(run: Run): string {
  return (
    `${run.client.padEnd(4)} ${run.msgPerSec.toFixed(0).padStart(7)} msg/s  p50 ${run.p50Ms.toFixed(2)} ms  ` +
    `p99 ${run.p99Ms.toFixed(2)} ms  errors ${run.errors}  client CPU ${run.cpuSeconds.toFixed(1)} s`
  );
}

async function main(): Promise<void> {
  console.log(
    `client benchmark: ${options.inFlight} sends in flight, ${options.size}-byte bodies, ${options.warmup}s warm-up + ` +
      `${options.seconds}s, ${options.runs} alternating runs per client, one Skyrocket broker (ASYNC_FLUSH), ${os.cpus().length} cores`,
  );
  const server = await startSkyrocket();
  const runs: Run[] = [];
  try {
    // A fresh broker is slower for its first seconds (V8 still compiling its hot paths, commit-log pages not yet
    // in the page cache): load it once, unmeasured, so the first measured run does not pay for that.
    if (options.brokerWarmup > 0) {
      await runChild(
        process.execPath,
        [
          cli,
          'bench',
          'produce',
          '-n',
          server.namesrvAddr,
          '--topic',
          'ClientBench_warmup',
          '--duration',
          String(options.brokerWarmup),
        ],
        'broker warm-up',
      );
    }
    for (let i = 0; i < options.runs; i++) {
      // ABBA order (TS first in even rounds, Java first in odd ones): neither client always runs on the warmer broker.
      const order = i % 2 === 0 ? (['ts', 'java'] as const) : (['java', 'ts'] as const);
      for (const client of order) {
        const topic = `ClientBench_${client}_${i}`;
        const run =
          client === 'ts'
            ? await runTypeScript(server.namesrvAddr, topic)
            : await runJava(server.namesrvAddr, topic);
        runs.push(run);
        console.log(`run ${i + 1} ${describe(run)}`);
      }
    }
  } finally {
    await server.stop();
  }
  const figures = (client: 'ts' | 'java') => {
    const mine = runs.filter((r) => r.client === client);
    return {
      msgPerSec: median(mine.map((r) => r.msgPerSec)),
      p50Ms: median(mine.map((r) => r.p50Ms)),
      p99Ms: median(mine.map((r) => r.p99Ms)),
      cpuSeconds: median(mine.map((r) => r.cpuSeconds)),
      errors: mine.reduce((n, r) => n + r.errors, 0),
    };
  };
  const ts = figures('ts');
  const java = figures('java');
  const ratio = Number((ts.msgPerSec / java.msgPerSec).toFixed(2));
  const p99Ratio = Number((ts.p99Ms / java.p99Ms).toFixed(2));
  console.log(
    `median TS   ${ts.msgPerSec.toFixed(0)} msg/s, p50 ${ts.p50Ms} ms, p99 ${ts.p99Ms} ms, client CPU ${ts.cpuSeconds} s`,
  );
  console.log(
    `median Java ${java.msgPerSec.toFixed(0)} msg/s, p50 ${java.p50Ms} ms, p99 ${java.p99Ms} ms, client CPU ${java.cpuSeconds} s`,
  );
  console.log(`TS/Java: throughput ×${ratio} (target ≥ 1.0), p99 ×${p99Ratio}`);
  console.log(JSON.stringify({ benchmark: 'client-produce', ...options, ts, java, ratio, p99Ratio, runs }));
  await killAllJavaProcesses();
  fs.rmSync(work, { recursive: true, force: true });
}

main().catch(async (error: unknown) => {
  console.error(error);
  await killAllJavaProcesses();
  fs.rmSync(work, { recursive: true, force: true });
  process.exit(1);
});

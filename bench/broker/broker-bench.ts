/**
 * Broker benchmark: the Apache RocketMQ Java client as load generator (test/compat/java BenchProduce: async sends
 * with 64 in flight, 1 KiB bodies, ASYNC_FLUSH), against Skyrocket's NameServer + broker and against Apache
 * RocketMQ 5.3.3's NameServer + broker (from Maven, full JIT, G1, heap sized for this machine) in the same run.
 * Two workloads per broker: sends only (throughput, p50/p99/p999 send latency), then sends with a push consumer
 * attached (end-to-end latency = receive time − born time).
 *
 *   npx tsx bench/broker/broker-bench.ts [--inFlight 64] [--size 1024] [--warmup 5] [--seconds 15] [--only skyrocket|apache]
 *
 * The last line is every figure as one JSON object, with the Skyrocket/Apache ratios.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ensureCompatBuild,
  freeBrokerPorts,
  freePort,
  killAllJavaProcesses,
  startApacheBroker,
  startApacheNameServer,
} from '../../test/compat/harness/java';
import { flags, imageNodeOptions, waitForRegistration } from '../harness';

const options = flags(process.argv.slice(2), { inFlight: 64, size: 1024, warmup: 5, seconds: 15, only: '' });
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-broker-bench-'));
const root = path.resolve(__dirname, '../..');

interface Summary {
  sendsPerSecond: number;
  errors: number;
  p50Micros: number;
  p99Micros: number;
  p999Micros: number;
  endToEndCount: number;
  endToEndP50Ms: number;
  endToEndP99Ms: number;
}

async function generator(namesrvAddr: string, topic: string, withConsumer: boolean): Promise<Summary> {
  const { classpath } = await ensureCompatBuild();
  const home = path.join(work, 'client');
  fs.mkdirSync(home, { recursive: true });
  const args = [
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
    String(withConsumer),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.includes('"summary"'));
      if (code !== 0 || !line) reject(new Error(`load generator failed (${code}): ${stderr.slice(-2000)}`));
      else resolve(JSON.parse(line) as Summary);
    });
  });
}

async function startSkyrocket(): Promise<{ namesrvAddr: string; stop: () => Promise<void> }> {
  const nsPort = await freePort();
  const brokerPort = await freePort();
  const children: ChildProcess[] = [];
  const run = (script: string, args: string[]) => {
    const child = spawn(process.execPath, [...imageNodeOptions(), path.join(root, script), ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
  };
  run('nameserver/dist/main.js', [
    '--listen-host',
    '127.0.0.1',
    '--listen-port',
    String(nsPort),
    '--http-port',
    '0',
    '--log-level',
    'warn',
  ]);
  const namesrvAddr = `127.0.0.1:${nsPort}`;
  run('broker/dist/main.js', [
    '--namesrv-addr',
    namesrvAddr,
    '--listen-host',
    '127.0.0.1',
    '--listen-port',
    String(brokerPort),
    '--brokerIP1',
    '127.0.0.1',
    '--http-port',
    '0',
    '--store-path-root-dir',
    path.join(work, 'skyrocket-store'),
    '--log-level',
    'warn',
  ]);
  await waitForRegistration(namesrvAddr, `127.0.0.1:${brokerPort}`);
  return {
    namesrvAddr,
    stop: async () => {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) =>
              c.exitCode !== null ? resolve() : (c.once('exit', () => resolve()), c.kill('SIGTERM')),
            ),
        ),
      );
    },
  };
}

async function startApache(): Promise<{ namesrvAddr: string; stop: () => Promise<void> }> {
  const ns = await startApacheNameServer({
    port: await freePort(),
    workDir: path.join(work, 'apache-ns'),
    heap: '512m',
    tuned: true,
  });
  const { listenPort, haPort } = await freeBrokerPorts();
  const broker = await startApacheBroker({
    namesrvAddr: ns.addr,
    brokerName: 'bench-broker',
    clusterName: 'BenchCluster',
    listenPort,
    haPort,
    workDir: path.join(work, 'apache-broker'),
    heap: '2g',
    tuned: true,
    extraConfig: { flushDiskType: 'ASYNC_FLUSH' },
  });
  return {
    namesrvAddr: ns.addr,
    stop: async () => {
      await broker.kill();
      await ns.kill();
    },
  };
}

async function main(): Promise<void> {
  const figures: Record<string, unknown> = { benchmark: 'broker', ...options };
  console.log(
    `broker benchmark: Java client BenchProduce, ${options.inFlight} sends in flight, ${options.size}-byte bodies, ` +
      `${options.warmup}s warm-up + ${options.seconds}s, ASYNC_FLUSH`,
  );
  for (const kind of ['skyrocket', 'apache'] as const) {
    if (options.only && options.only !== kind) continue;
    const server = kind === 'skyrocket' ? await startSkyrocket() : await startApache();
    try {
      const sends = await generator(server.namesrvAddr, `BenchTopic_${kind}`, false);
      const e2e = await generator(server.namesrvAddr, `BenchTopicE2E_${kind}`, true);
      figures[kind] = { sends, withConsumer: e2e };
      console.log(
        `${kind.padEnd(10)} ${sends.sendsPerSecond} sends/s, p50 ${sends.p50Micros} µs, p99 ${sends.p99Micros} µs, ` +
          `p99.9 ${sends.p999Micros} µs, errors ${sends.errors}; with a consumer: ${e2e.sendsPerSecond} sends/s, ` +
          `end-to-end p50 ${e2e.endToEndP50Ms} ms, p99 ${e2e.endToEndP99Ms} ms (${e2e.endToEndCount} received)`,
      );
    } finally {
      await server.stop();
    }
  }
  const s = figures.skyrocket as { sends: Summary } | undefined;
  const a = figures.apache as { sends: Summary } | undefined;
  if (s && a) {
    figures.throughputRatio = Number((s.sends.sendsPerSecond / a.sends.sendsPerSecond).toFixed(2));
    figures.p99Ratio = Number((s.sends.p99Micros / a.sends.p99Micros).toFixed(2));
    console.log(
      `Skyrocket/Apache: throughput ×${String(figures.throughputRatio)} (target ≥ 1.0), p99 ×${String(figures.p99Ratio)} (target ≤ 1.0)`,
    );
  }
  console.log(JSON.stringify(figures));
  await killAllJavaProcesses();
  fs.rmSync(work, { recursive: true, force: true });
}

main().catch(async (error: unknown) => {
  console.error(error);
  await killAllJavaProcesses();
  process.exit(1);
});

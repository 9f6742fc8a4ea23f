/**
 * NameServer route-lookup benchmark: GET_ROUTEINFO_BY_TOPIC requests per second and latency percentiles with N
 * concurrent connections (one request in flight per connection, as clients refreshing routes do), against
 * Skyrocket's NameServer and Apache RocketMQ's NameServer (5.3.3, from Maven Central) in the same run, with the same
 * load generator and the same registered topology: T topics, each served by every one of G broker groups.
 *
 *   npx tsx bench/nameserver/route-lookup.ts [--connections 64] [--topics 1000] [--groups 4] [--seconds 10]
 *                                            [--warmup 3] [--rounds 2] [--only skyrocket|apache]
 *
 * Each server runs in its own process; rounds alternate between them so neither always runs on a warmer machine.
 * Prints one line per round and a summary with the ratio; the last line is the summary as JSON.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { crc32 } from 'node:zlib';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as net from 'node:net';
import { createRequest, encodeCommand, RemotingClient, RequestCode } from '@skyrocket/remoting';
import { freePort, startApacheNameServer, waitUntil } from '../../test/compat/harness/java';
import { flags, percentile, rssMiB } from '../harness';

const options = flags(process.argv.slice(2), {
  connections: 64,
  topics: 1000,
  groups: 4,
  seconds: 10,
  warmup: 3,
  rounds: 2,
  only: '',
});

interface Server {
  name: 'skyrocket' | 'apache';
  address: string;
  pid: number;
  stop(): Promise<void>;
}

async function startSkyrocket(): Promise<Server> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      path.resolve(__dirname, '../../nameserver/dist/main.js'),
      '--listen-host',
      '127.0.0.1',
      '--listen-port',
      String(port),
      '--http-host',
      '127.0.0.1',
      '--http-port',
      '0',
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const address = `127.0.0.1:${port}`;
  const probe = new RemotingClient();
  await waitUntil(
    'Skyrocket NameServer to listen',
    async () =>
      (await probe.invoke(address, createRequest(RequestCode.GET_BROKER_CLUSTER_INFO), 1000)).code === 0,
    { timeoutMs: 15_000 },
  );
  await probe.close();
  return {
    name: 'skyrocket',
    address,
    pid: child.pid ?? 0,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function startApache(): Promise<Server> {
  const port = await freePort();
  const handle = await startApacheNameServer({
    port,
    workDir: mkdtempSync(path.join(tmpdir(), 'bench-apache-ns-')),
    heap: '1g',
  });
  return {
    name: 'apache',
    address: handle.addr,
    pid: handle.pid,
    stop: async () => {
      await handle.stop();
    },
  };
}

/** Registers G broker groups, each serving every topic; the returned client keeps their connections open. */
async function registerTopology(address: string): Promise<RemotingClient> {
  const brokers = new RemotingClient();
  const topicConfigTable: Record<string, unknown> = {};
  for (let t = 0; t < options.topics; t++) {
    const topicName = `BenchTopic_${t}`;
    topicConfigTable[topicName] = {
      topicName,
      readQueueNums: 8,
      writeQueueNums: 8,
      perm: 6,
      topicFilterType: 'SINGLE_TAG',
      topicSysFlag: 0,
      order: false,
      attributes: {},
    };
  }
  const body = Buffer.from(
    JSON.stringify({
      topicConfigSerializeWrapper: {
        topicConfigTable,
        dataVersion: { stateVersion: 0, timestamp: Date.now(), counter: 1 },
      },
      filterServerList: [],
    }),
  );
  for (let g = 0; g < options.groups; g++) {
    const response = await brokers.invoke(
      address,
      createRequest(RequestCode.REGISTER_BROKER, {
        extFields: {
          brokerName: `bench-broker-${g}`,
          brokerAddr: `10.1.0.${g + 1}:10911`,
          clusterName: 'BenchCluster',
          haServerAddr: `10.1.0.${g + 1}:10912`,
          brokerId: '0',
          compressed: 'false',
          bodyCrc32: String(crc32(body) & 0x7fffffff),
        },
        body,
      }),
      10_000,
    );
    if (response.code !== 0)
      throw new Error(`registration failed on ${address}: ${response.remark ?? response.code}`);
  }
  return brokers;
}

interface Round {
  server: string;
  requests: number;
  errors: number;
  perSecond: number;
  p50Micros: number;
  p99Micros: number;
  p999Micros: number;
  serverRssMiB: number;
}

/**
 * The load generator: N raw sockets, each with one GET_ROUTEINFO_BY_TOPIC in flight, requests pre-encoded (JSON
 * header, as Java clients send by default) so the generator spends its CPU on the socket, not on encoding. A
 * response counts as an error unless its header starts with {"code":0, (both servers write "code" first).
 */
function connectionLoop(
  address: string,
  frames: Buffer[],
  seed: number,
  state: { stop: boolean; recording: boolean; latencies: number[]; errors: number },
): Promise<void> {
  const [host, port] = address.split(':');
  const okPrefix = Buffer.from('{"code":0,');
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port: Number(port) }, () => send());
    socket.setNoDelay(true);
    let pending: Buffer = Buffer.alloc(0);
    let sentAt = 0n;
    let i = seed;
    const send = () => {
      if (state.stop) {
        socket.end();
        return;
      }
      i = (i * 1103515245 + 12345) % 2147483648;
      sentAt = process.hrtime.bigint();
      socket.write(frames[i % frames.length] as Buffer);
    };
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const length = pending.readInt32BE(0);
        if (pending.length < 4 + length) break;
        const headerLength = pending.readUInt32BE(4) & 0xffffff;
        const ok = pending.subarray(8, 8 + Math.min(headerLength, okPrefix.length)).equals(okPrefix);
        pending = pending.subarray(4 + length);
        if (state.recording) {
          state.latencies.push(Number(process.hrtime.bigint() - sentAt) / 1000);
          if (!ok) state.errors++;
        }
        send();
      }
    });
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}

async function measure(server: Server): Promise<Round> {
  const frames = Array.from({ length: options.topics }, (_, t) =>
    encodeCommand({
      ...createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic: `BenchTopic_${t}` } }),
      opaque: 1,
    }),
  );
  const state = { stop: false, recording: false, latencies: [] as number[], errors: 0 };
  const loops = Array.from({ length: options.connections }, (_, n) =>
    connectionLoop(server.address, frames, n + 1, state),
  );
  await new Promise((r) => setTimeout(r, options.warmup * 1000));
  state.recording = true;
  const started = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, options.seconds * 1000));
  state.recording = false;
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const requests = state.latencies.length;
  const rss = rssMiB(server.pid);
  state.stop = true;
  await Promise.all(loops);
  const sorted = Float64Array.from(state.latencies).sort();
  return {
    server: server.name,
    requests,
    errors: state.errors,
    perSecond: Math.round(requests / elapsed),
    p50Micros: Math.round(percentile(sorted, 50)),
    p99Micros: Math.round(percentile(sorted, 99)),
    p999Micros: Math.round(percentile(sorted, 99.9)),
    serverRssMiB: Math.round(rss),
  };
}

async function main() {
  const kinds = (['skyrocket', 'apache'] as const).filter((k) => options.only === '' || options.only === k);
  const servers: Server[] = [];
  try {
    for (const kind of kinds)
      servers.push(kind === 'skyrocket' ? await startSkyrocket() : await startApache());
    const registrations = await Promise.all(servers.map((s) => registerTopology(s.address)));
    console.log(
      `route lookups: ${options.connections} connections, ${options.topics} topics × ${options.groups} broker groups, ` +
        `${options.warmup}s warm-up + ${options.seconds}s per round, ${options.rounds} rounds`,
    );
    const rounds: Round[] = [];
    for (let r = 0; r < options.rounds; r++) {
      for (const server of r % 2 === 0 ? servers : [...servers].reverse()) {
        const round = await measure(server);
        rounds.push(round);
        console.log(
          `${round.server.padEnd(10)} ${String(round.perSecond).padStart(8)} req/s  p50 ${round.p50Micros} µs  ` +
            `p99 ${round.p99Micros} µs  p99.9 ${round.p999Micros} µs  errors ${round.errors}  server RSS ${round.serverRssMiB} MiB`,
        );
      }
    }
    await Promise.all(registrations.map((c) => c.close()));
    const best = (name: string) =>
      rounds.filter((r) => r.server === name).sort((a, b) => b.perSecond - a.perSecond)[0];
    const median = (name: string, pick: (r: Round) => number) => {
      const values = rounds
        .filter((r) => r.server === name)
        .map(pick)
        .sort((x, y) => x - y);
      return values[Math.floor(values.length / 2)] ?? NaN;
    };
    for (const kind of kinds) {
      console.log(
        `median of ${options.rounds} rounds, ${kind}: ${median(kind, (r) => r.perSecond)} req/s, ` +
          `p99 ${median(kind, (r) => r.p99Micros)} µs`,
      );
    }
    const summary: Record<string, unknown> = { benchmark: 'nameserver-route-lookup', ...options };
    for (const kind of kinds) {
      summary[`${kind}Median`] = {
        perSecond: median(kind, (r) => r.perSecond),
        p99Micros: median(kind, (r) => r.p99Micros),
      };
    }
    for (const kind of kinds) summary[kind] = best(kind);
    const s = best('skyrocket');
    const a = best('apache');
    if (s && a) {
      summary.throughputRatio = Number((s.perSecond / a.perSecond).toFixed(2));
      summary.p99Ratio = Number((s.p99Micros / a.p99Micros).toFixed(2));
      console.log(
        `best rounds: Skyrocket ${s.perSecond} req/s p99 ${s.p99Micros} µs; Apache ${a.perSecond} req/s p99 ${a.p99Micros} µs; ` +
          `throughput ratio ${summary.throughputRatio}, p99 ratio ${summary.p99Ratio} (lower is better)`,
      );
    }
    console.log(JSON.stringify(summary));
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequest, RemotingClient, RequestCode } from '@skyrocket/remoting';
import { waitFor } from '../harness/wait-for';
import { startNameServer } from '../harness/nameserver';
import { startBroker } from '../harness/broker';
import { uniqueName } from '../harness/names';
import { spawnServer, type ServerProcess } from '../harness/server-process';

// Every test starts node processes (about a second each on a loaded 2-core machine).
jest.setTimeout(90_000);

// ---- running the built CLI as a child process ----

/** The built CLI (`npm run build` / `npx tsc -b tsconfig.build.json` makes it; `npm test` builds first). */
const CLI = path.resolve(__dirname, '../../cli/dist/main.js');

function requireBuiltCli(): void {
  if (!fs.existsSync(CLI)) {
    throw new Error(`${CLI} is missing: run \`npx tsc -b tsconfig.build.json\` (npm test builds first)`);
  }
}

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node cli/dist/main.js ...args` to completion (killed after timeoutMs) and captures its output. */
function runCli(
  args: string[],
  options: { env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, NAMESRV_ADDR: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A long-running CLI process (start, nameserver, broker). */
function spawnCli(args: string[], env: Record<string, string | undefined> = {}): ServerProcess {
  return spawnServer(process.execPath, [CLI, ...args], { env: { ...process.env, NAMESRV_ADDR: '', ...env } });
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

function expectOneCleanLine(result: CliResult): void {
  expect(lines(result.stderr)).toHaveLength(1);
  expect(result.stderr).toMatch(/^skyrocket: /);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

async function clusterInfo(namesrvAddr: string): Promise<string> {
  const client = new RemotingClient();
  try {
    const response = await client.invoke(
      namesrvAddr,
      createRequest(RequestCode.GET_BROKER_CLUSTER_INFO),
      2000,
    );
    return response.body?.toString() ?? '';
  } finally {
    await client.close();
  }
}

beforeAll(() => requireBuiltCli());

describe('skyrocket: bad command lines', () => {
  it.each([
    [['no-such-command']],
    [['start', '--no-such-flag']],
    [['start', '--broker-port', 'abc']],
    [['--nope']],
  ])('%j exits 2 with one line and no stack trace', async (args) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expectOneCleanLine(result);
  });

  it('a bad component setting exits 1 naming the field', async () => {
    const result = await runCli(['broker', '--flush-disk-type', 'SOMETIMES']);
    expect(result.code).toBe(1);
    expectOneCleanLine(result);
    expect(result.stderr).toMatch(/flushDiskType/);
  });
});

describe('skyrocket start', () => {
  let server: ServerProcess | undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-cli-start-'));

  afterAll(async () => {
    await server?.stop('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs a NameServer and a broker that registers with it, and stops cleanly on SIGTERM', async () => {
    server = spawnCli([
      '--json',
      'start',
      ...['--data-dir', dataDir, '--listen-host', '127.0.0.1'],
      ...['--namesrv-port', '0', '--broker-port', '0', '--namesrv-http-port', '0', '--broker-http-port', '0'],
    ]);
    const started = server;
    const listening = await waitFor(
      'skyrocket start to print where it listens',
      () => {
        const line = lines(started.stdout()).find((l) => l.startsWith('{'));
        return line
          ? (JSON.parse(line) as { listening: { nameServer: string; broker: string } }).listening
          : undefined;
      },
      { timeoutMs: 20_000 },
    );
    await waitFor(
      'the broker to register',
      async () => (await clusterInfo(listening.nameServer)).includes(listening.broker),
      {
        timeoutMs: 20_000,
      },
    );
    expect(fs.existsSync(path.join(dataDir, 'broker-a'))).toBe(true);
    // A route query through the CLI: TBW102, the template topic every master registers.
    const route = await runCli(['--json', 'topic', 'route', 'TBW102', '-n', listening.nameServer]);
    expect(route.stderr).toBe('');
    const view = JSON.parse(route.stdout) as { brokers: Array<{ address: string; brokerId: number }> };
    expect(view.brokers).toEqual([expect.objectContaining({ address: listening.broker, brokerId: 0 })]);
    expect(await started.stop('SIGTERM')).toBe(0);
    expect(started.stderr()).toMatch(/received SIGTERM, shutting down\nstopped\n/);
  });
});

describe('skyrocket nameserver and skyrocket broker (the container entrypoint)', () => {
  const servers: ServerProcess[] = [];
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-cli-broker-'));

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    fs.rmSync(storeDir, { recursive: true, force: true });
  });

  it('run one component each from flags and environment, and stop on SIGTERM', async () => {
    const nameServer = spawnCli(
      ['nameserver', '--listen-host', '127.0.0.1', '--listen-port', '0', '--http-port', '0'],
      {
        SKYROCKET_NAMESERVER_LOG_LEVEL: 'warn',
      },
    );
    servers.push(nameServer);
    const ns = await waitFor(
      'the NameServer to say where it listens',
      () => /NameServer listening on 127\.0\.0\.1:(\d+)/.exec(nameServer.stderr())?.[1],
    );
    const namesrvAddr = `127.0.0.1:${ns}`;
    const broker = spawnCli(
      [
        'broker',
        ...[
          '--listen-host',
          '127.0.0.1',
          '--listen-port',
          '0',
          '--http-port',
          '0',
          '--brokerIP1',
          '127.0.0.1',
        ],
        ...['--store-path-root-dir', storeDir, '--log-level', 'warn'],
      ],
      // The NameServer list and the broker name come from the environment, as in a pod.
      { SKYROCKET_BROKER_NAMESRV_ADDR: namesrvAddr, SKYROCKET_BROKER_BROKER_NAME: 'broker-cli' },
    );
    servers.push(broker);
    await waitFor(
      'the broker to register',
      async () => {
        const clusters = await runCli(['--json', 'cluster', 'list', '-n', namesrvAddr]);
        return (
          JSON.parse(clusters.stdout || '{}') as { brokers?: Array<{ brokerName: string }> }
        ).brokers?.some((b) => b.brokerName === 'broker-cli');
      },
      { timeoutMs: 30_000 },
    );
    expect(broker.stderr()).toMatch(/Broker broker-cli \(id 0\) listening on 127\.0\.0\.1:\d+/);
    expect(await broker.stop('SIGTERM')).toBe(0);
    expect(await nameServer.stop('SIGTERM')).toBe(0);
    expect(nameServer.stderr()).toMatch(/received SIGTERM, shutting down\n$/);
  });
});

describe('skyrocket against an in-process NameServer and broker', () => {
  let nameServer: Awaited<ReturnType<typeof startNameServer>>;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let ns: string;

  beforeAll(async () => {
    nameServer = await startNameServer();
    ns = nameServer.address;
    broker = await startBroker(ns);
    await waitFor('the broker to register', async () => (await clusterInfo(ns)).includes(broker.address), {
      timeoutMs: 20_000,
    });
  });

  afterAll(async () => {
    await broker?.broker.stop();
    await nameServer?.nameServer.stop();
    if (broker) fs.rmSync(broker.storeDir, { recursive: true, force: true });
  });

  it('message send prints where the message was stored; NAMESRV_ADDR is the fallback address', async () => {
    const topic = uniqueName('CliSend');
    const result = await runCli(['message', 'send', topic, '-b', 'hello', '-t', 'TagA', '-k', 'order-1'], {
      env: { NAMESRV_ADDR: ns },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^status:\s+SEND_OK$/m);
    expect(result.stdout).toMatch(new RegExp(`^topic:\\s+${topic}$`, 'm'));
    expect(result.stdout).toMatch(/^brokerName:\s+broker-a$/m);
  });

  it('bench produce --messages 2000 --json ends with one JSON summary line', async () => {
    const topic = uniqueName('CliBench');
    const result = await runCli(
      [
        'bench',
        'produce',
        '-n',
        ns,
        '--topic',
        topic,
        '--messages',
        '2000',
        '--size',
        '512',
        '--concurrency',
        '16',
        '--json',
      ],
      { timeoutMs: 60_000 },
    );
    expect(result.code).toBe(0);
    const last = lines(result.stdout).pop() ?? '';
    const summary = JSON.parse(last) as {
      benchmark: string;
      count: number;
      errors: number;
      msgPerSec: number;
      mbPerSec: number;
      latencyMs: { p50: number; p99: number; p999: number; max: number };
    };
    expect(summary).toMatchObject({
      benchmark: 'produce',
      count: 2000,
      errors: 0,
      topic,
      size: 512,
      concurrency: 16,
    });
    expect(summary.msgPerSec).toBeGreaterThan(0);
    expect(summary.latencyMs.p50).toBeGreaterThan(0);
    expect(summary.latencyMs.p50).toBeLessThanOrEqual(summary.latencyMs.p99);
    expect(summary.latencyMs.p99).toBeLessThanOrEqual(summary.latencyMs.max);
    // The human summary went to stderr; stdout holds only the JSON line.
    expect(lines(result.stdout)).toHaveLength(1);
    expect(result.stderr).toMatch(/throughput: [\d.]+ msg\/s/);
  });

  it('topic create, list, route and status', async () => {
    const topic = uniqueName('CliTopic');
    const created = await runCli(['topic', 'create', topic, '-n', ns, '-r', '4', '-w', '4']);
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe(`created topic ${topic} on 1 broker(s): ${broker.address}\n`);
    const again = await runCli(['topic', 'create', topic, '-n', ns]);
    expect(again.code).toBe(1);
    expectOneCleanLine(again);

    const list = await runCli(['topic', 'list', '-n', ns, '--json']);
    expect((JSON.parse(list.stdout) as { topics: string[] }).topics).toContain(topic);

    const route = await runCli(['topic', 'route', topic, '-n', ns]);
    expect(route.code).toBe(0);
    expect(route.stdout).toMatch(new RegExp(`^broker-a\\s+0\\s+${broker.address}\\s+DefaultCluster$`, 'm'));
    expect(route.stdout).toMatch(/^broker-a\s+4\s+4\s+RW$/m);

    for (let i = 0; i < 3; i++) {
      expect((await runCli(['message', 'send', topic, '-b', `m${i}`, '-n', ns])).code).toBe(0);
    }
    const status = await runCli(['topic', 'status', topic, '-n', ns, '--json']);
    const queues = (JSON.parse(status.stdout) as { queues: Array<{ queueId: number; maxOffset: number }> })
      .queues;
    expect(queues.map((q) => q.queueId)).toEqual([0, 1, 2, 3]);
    expect(queues.reduce((n, q) => n + q.maxOffset, 0)).toBe(3);
  });

  it('message query by id and by key finds a sent message', async () => {
    const topic = uniqueName('CliQuery');
    const key = uniqueName('order');
    const sent = await runCli([
      '--json',
      'message',
      'send',
      topic,
      '-b',
      'find me',
      '-k',
      key,
      '-p',
      'color=red',
      '-n',
      ns,
    ]);
    const { msgId, offsetMsgId } = JSON.parse(sent.stdout) as { msgId: string; offsetMsgId: string };

    const byOffsetId = await runCli(['message', 'query', '--id', offsetMsgId, '-n', ns]);
    expect(byOffsetId.stderr).toBe('');
    expect(byOffsetId.stdout).toMatch(/^body:\s+find me$/m);
    expect(byOffsetId.stdout).toMatch(/color=red/);

    const byUniqKey = await runCli(['--json', 'message', 'query', '--id', msgId, '-t', topic, '-n', ns]);
    expect(JSON.parse(byUniqKey.stdout)).toMatchObject({ msgId, topic, body: 'find me' });

    await waitFor('the key index to have the message', async () => {
      const byKey = await runCli(['--json', 'message', 'query', '--key', key, '-t', topic, '-n', ns]);
      return (
        byKey.code === 0 && (JSON.parse(lines(byKey.stdout)[0] ?? '{}') as { msgId?: string }).msgId === msgId
      );
    });
    const missing = await runCli(['message', 'query', '--key', 'no-such-key', '-t', topic, '-n', ns]);
    expect(missing.code).toBe(1);
    expectOneCleanLine(missing);
  });

  it('offset reset moves a group to a time, and group progress shows the lag per queue and in total', async () => {
    const topic = uniqueName('CliOffsets');
    const group = uniqueName('CliGroup');
    await runCli(['topic', 'create', topic, '-n', ns, '-r', '2', '-w', '2']);
    for (let i = 0; i < 4; i++) await runCli(['message', 'send', topic, '-b', `m${i}`, '-n', ns]);

    const toEarliest = await runCli([
      'offset',
      'reset',
      '-g',
      group,
      '-t',
      topic,
      '-s',
      'earliest',
      '-n',
      ns,
    ]);
    expect(toEarliest.stderr).toBe('');
    expect(toEarliest.code).toBe(0);
    const behind = JSON.parse((await runCli(['--json', 'group', 'progress', group, '-n', ns])).stdout) as {
      queues: Array<{ queueId: number; lag: number }>;
      totalLag: number;
    };
    expect(behind.totalLag).toBe(4);
    expect(behind.queues).toHaveLength(2);

    const table = await runCli(['group', 'progress', group, '-t', topic, '-n', ns]);
    expect(table.stdout).toMatch(/^topic\s+brokerName\s+queueId\s+brokerOffset\s+consumerOffset\s+lag$/m);
    expect(table.stdout).toMatch(/total lag: 4\n$/);

    await runCli(['offset', 'reset', '-g', group, '-t', topic, '-s', 'now', '-n', ns]);
    const caughtUp = JSON.parse((await runCli(['--json', 'group', 'progress', group, '-n', ns])).stdout) as {
      totalLag: number;
    };
    expect(caughtUp.totalLag).toBe(0);
    const groups = JSON.parse((await runCli(['--json', 'group', 'list', '-n', ns])).stdout) as {
      groups: string[];
    };
    expect(groups.groups).toContain(group);
  });

  it('message consume prints stored messages from the first offset, filtered by tag, bounded by --count', async () => {
    const topic = uniqueName('CliConsume');
    await runCli(['topic', 'create', topic, '-n', ns, '-r', '2', '-w', '2']);
    for (const [body, tag] of [
      ['a1', 'A'],
      ['b1', 'B'],
      ['a2', 'A'],
    ] as const) {
      expect((await runCli(['message', 'send', topic, '-b', body, '-t', tag, '-n', ns])).code).toBe(0);
    }
    const all = await runCli([
      '--json',
      'message',
      'consume',
      topic,
      '--count',
      '3',
      '--timeout',
      '20',
      '-n',
      ns,
    ]);
    expect(all.code).toBe(0);
    const bodies = lines(all.stdout).map((l) => (JSON.parse(l) as { body: string }).body);
    expect(bodies.sort()).toEqual(['a1', 'a2', 'b1']);
    expect(all.stderr).toBe('3 message(s) received\n');

    const tagged = await runCli([
      '--json',
      'message',
      'consume',
      topic,
      '--tags',
      'A',
      '--timeout',
      '3',
      '-n',
      ns,
    ]);
    expect(lines(tagged.stdout).map((l) => (JSON.parse(l) as { tags: string }).tags)).toEqual(['A', 'A']);

    const one = await runCli(['message', 'consume', topic, '--count', '1', '--timeout', '20', '-n', ns]);
    expect(one.stdout).toMatch(/^body:\s+(a1|a2|b1)$/m);
    expect(one.stderr).toBe('1 message(s) received\n');
  });

  it('bench consume counts a backlog and reports end-to-end latency as JSON', async () => {
    const topic = uniqueName('CliBenchConsume');
    await runCli(['topic', 'create', topic, '-n', ns, '-r', '2', '-w', '2']);
    const produced = await runCli([
      'bench',
      'produce',
      '-n',
      ns,
      '--topic',
      topic,
      '--messages',
      '300',
      '--json',
    ]);
    expect(produced.code).toBe(0);
    // 300 measured sends plus the one sent before the clock starts.
    const consumed = await runCli(
      ['--json', 'bench', 'consume', '-n', ns, '--topic', topic, '--from', 'first', '--messages', '301'],
      { timeoutMs: 60_000 },
    );
    expect(consumed.code).toBe(0);
    const summary = JSON.parse(lines(consumed.stdout).pop() ?? '') as {
      benchmark: string;
      count: number;
      size: number;
      latencyMs: { p50: number };
    };
    expect(summary).toMatchObject({ benchmark: 'consume', count: 301, size: 1024 });
    expect(summary.latencyMs.p50).toBeGreaterThan(0);

    const missing = await runCli(['bench', 'consume', '-n', ns, '--topic', uniqueName('NoTopic')]);
    expect(missing.code).toBe(1);
    expectOneCleanLine(missing);
  });

  it('an unreachable NameServer gives one clear line and exit 1', async () => {
    const result = await runCli(['message', 'send', 'AnyTopic', '-b', 'x', '-n', '127.0.0.1:1']);
    expect(result.code).toBe(1);
    expectOneCleanLine(result);
    expect(result.stderr).toMatch(/127\.0\.0\.1:1/);
    expect(result.stderr).toMatch(/-n host:port or NAMESRV_ADDR/);
  });
});

/**
 * The container image, built and run without a Docker engine: `npm run image:build` (scripts/image/) runs the
 * Dockerfile's stages into folders (the build stage's `npm ci`, `npm run build && npm prune --omit=dev` on the image's
 * Node, the runtime stage's copies), and the components then run from the image's folder on the image's Node.js
 * (NODE_IMAGE's major version, from the npm registry), which is not the Node that runs the tests. This catches what the
 * static checks of dockerfile.test.ts cannot: a source the build needs that the context leaves out, a runtime
 * dependency declared as a dev dependency (pruned away), and code or dependencies that do not load on the image's
 * Node (@kubernetes/client-node 2.x, for one, does not load on Node 20).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Producer, PushConsumer, type MessageExt } from '@skyrocket/client';
import { TestCluster } from '../../client/src/consumer/testing/cluster';
import { containerCommand, resolveBuiltImage, type BuiltImage } from '../../scripts/image/image';
import { resolveImageNodeRuntime, type NodeRuntime } from '../../scripts/image/node-runtime';
import { uniqueName } from '../harness/names';
import { spawnServer, type ServerProcess } from '../harness/server-process';
import { waitFor } from '../harness/wait-for';

jest.setTimeout(120_000);
/** A NameServer's or broker's flags to listen on loopback, on ports the system picks. */
const ON_LOOPBACK = ['--listen-host', '127.0.0.1', '--listen-port', '0', '--http-port', '0'];

let node: NodeRuntime;
let image: BuiltImage;
/** The containers' volumes and other scratch files. */
let out: string;
const containers: Container[] = [];

/** A container: the process and the folder holding its volumes. */
type Container = ServerProcess & { readonly volumes: string };

/** Runs the image's entrypoint with `args`, as `docker run image args...` would, with fresh volumes. */
function run(args: string[], env: Record<string, string> = {}): Container {
  const volumes = path.join(out, `container-${containers.length}`);
  const command = containerCommand(image, node, args, volumes);
  const container = {
    ...spawnServer(command.command, command.args, {
      cwd: command.cwd,
      // Only what the image sets, plus the variables a pod gets: nothing leaks in from the test's environment.
      env: { PATH: '/usr/bin:/bin', HOME: command.cwd, ...command.env, ...env },
    }),
    volumes,
  };
  containers.push(container);
  return container;
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

beforeAll(() => {
  node = resolveImageNodeRuntime();
  image = resolveBuiltImage(node);
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-image-'));
});

afterAll(async () => {
  await Promise.all(containers.map((c) => c.stop()));
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

describe('the container image, built from the Dockerfile without Docker', () => {
  test('runs on a Node.js other than the tests', () => {
    expect(node.version.startsWith(`v${node.major}.`)).toBe(true);
    expect(node.version).not.toBe(process.version);
    expect(image.nodeVersion).toBe(node.version);
  });

  test('holds the compiled workspaces and the production dependencies only', () => {
    const app = path.join(image.root, 'app');
    expect(fs.existsSync(path.join(app, 'cli', 'dist', 'main.js'))).toBe(true);
    expect(fs.existsSync(path.join(app, 'node_modules', 'fastify', 'package.json'))).toBe(true);
    expect(fs.existsSync(path.join(app, 'node_modules', '@kubernetes', 'client-node', 'package.json'))).toBe(
      true,
    );
    // Dev dependencies were pruned; sources, tests and test helpers never entered the build context.
    for (const dev of ['typescript', 'jest', 'eslint', 'tsx']) {
      expect({ dev, present: fs.existsSync(path.join(app, 'node_modules', dev)) }).toEqual({
        dev,
        present: false,
      });
    }
    const files = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        return entry.isDirectory() && entry.name !== 'node_modules' ? files(full) : [full];
      });
    const shipped = files(app).map((f) => path.relative(app, f));
    expect(shipped.filter((f) => /\.test\.|\/testing\/|\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    // The only instruction not run here is the runtime stage's user setup (it needs root on the host).
    expect(image.skipped).toEqual([expect.stringMatching(/^groupadd .* && useradd .* && chown /)]);
    expect(image.entrypoint).toEqual(['node', '/app/cli/dist/main.js']);
    expect(image.env.NODE_ENV).toBe('production');
    expect(image.env.NODE_OPTIONS).toBe('--max-semi-space-size=64');
    expect(image.volumes).toEqual(['/var/lib/skyrocket']);
    expect(image.workdir).toBe('/var/lib/skyrocket');
  });

  test('runs a NameServer and a broker that serve the TypeScript client', async () => {
    const nameServer = run(['nameserver', ...ON_LOOPBACK]);
    const nsPort = await waitFor(
      'the NameServer to say where it listens',
      () => /NameServer listening on 127\.0\.0\.1:(\d+)/.exec(nameServer.stderr())?.[1],
      { timeoutMs: 30_000 },
    );
    // The process is the image's Node, not the one running this test.
    expect(fs.readlinkSync(`/proc/${String(nameServer.child.pid)}/exe`)).toBe(fs.realpathSync(node.node));
    const namesrvAddr = `127.0.0.1:${nsPort}`;
    // As in a broker pod: configuration from SKYROCKET_BROKER_* variables, data under the image's WORKDIR.
    const broker = run(['broker', ...ON_LOOPBACK, '--log-level', 'warn'], {
      SKYROCKET_BROKER_NAMESRV_ADDR: namesrvAddr,
      SKYROCKET_BROKER_BROKER_NAME: 'broker-image',
      SKYROCKET_BROKER_BROKER_IP1: '127.0.0.1',
    });
    const brokerPort = await waitFor(
      'the broker to say where it listens',
      () => /Broker broker-image \(id 0\) listening on 127\.0\.0\.1:(\d+)/.exec(broker.stderr())?.[1],
      { timeoutMs: 30_000 },
    );
    // The image's V8 options reach the process (the image's Node refuses to start on a flag it does not allow).
    expect(fs.readFileSync(`/proc/${String(broker.child.pid)}/environ`, 'latin1').split('\0')).toContain(
      'NODE_OPTIONS=--max-semi-space-size=64',
    );
    const cluster = new TestCluster(namesrvAddr, `127.0.0.1:${brokerPort}`);
    const topic = uniqueName('ImageTopic');
    const producer = new Producer({ group: uniqueName('PG'), namesrvAddr, clientIP: '127.0.0.1' });
    const consumer = new PushConsumer({
      group: uniqueName('G'),
      namesrvAddr,
      clientIP: '127.0.0.1',
      instanceName: uniqueName('c'),
      consumeFromWhere: 'FIRST_OFFSET',
      rebalanceIntervalMillis: 1000,
    });
    try {
      await cluster.createTopic(topic, 4);
      await producer.start();
      const received: MessageExt[] = [];
      consumer.subscribe(topic).onMessage((message) => {
        received.push(message);
      });
      await consumer.start();
      const sent = [];
      for (let i = 0; i < 20; i++) {
        sent.push(await producer.send({ topic, body: `image message ${i}`, tags: 'image' }));
      }
      expect(sent.every((r) => r.status === 'SEND_OK')).toBe(true);
      await waitFor('every message to be consumed', () => received.length >= 20, { timeoutMs: 60_000 });
      expect(received.map((m) => m.body.toString()).sort()).toEqual(
        Array.from({ length: 20 }, (_, i) => `image message ${i}`).sort(),
      );
      // The store went where the image puts data: its default root is relative to the WORKDIR, the volume.
      expect(fs.readdirSync(path.join(image.root, 'var', 'lib', 'skyrocket'))).toEqual([]);
      expect(
        fs.existsSync(path.join(broker.volumes, 'var', 'lib', 'skyrocket', '.skyrocket', 'broker-a')),
      ).toBe(true);
    } finally {
      await consumer.shutdown();
      await producer.shutdown();
      await cluster.close();
    }
    expect(await broker.stop()).toBe(0);
    expect(await nameServer.stop()).toBe(0);
  });

  test('runs the operator: it loads the Kubernetes client and serves health and metrics', async () => {
    // No API server is needed to show the operator's code and dependencies load and run on the image's Node: with
    // an unreachable one it stays alive, live and not ready, and says why. (test/k8s runs it against a real one.)
    const kubeconfig = path.join(out, 'kubeconfig');
    fs.writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]',
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: c, context: {cluster: c, user: u}}]',
        'current-context: c',
      ].join('\n'),
    );
    const operator = run(['operator', '--http-host', '127.0.0.1', '--http-port', '0'], {
      KUBECONFIG: kubeconfig,
    });
    const httpUrl = await waitFor(
      'the operator to say where it serves HTTP',
      () => /running \(HTTP (http:\/\/127\.0\.0\.1:\d+)\)/.exec(operator.stdout() + operator.stderr())?.[1],
      { timeoutMs: 30_000 },
    );
    expect((await get(`${httpUrl}/healthz`)).status).toBe(200);
    const ready = await waitFor(
      'readiness to report the unreachable API server',
      async () => {
        const response = await get(`${httpUrl}/readyz`);
        return response.body.includes('BACKING_OFF') ? response : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(ready.status).toBe(503);
    expect((await get(`${httpUrl}/metrics`)).body).toContain('skyrocket_process_cpu_user_seconds_total');
    expect(await operator.stop()).toBe(0);
  });
});

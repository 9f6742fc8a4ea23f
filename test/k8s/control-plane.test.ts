/**
 * The test control plane itself: etcd + kube-apiserver + kube-controller-manager from `npm run k8s:build`, driven
 * with the real kubectl binary and with @kubernetes/client-node through the kubeconfig the harness writes.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  binaryStates,
  expectedStamp,
  k8sBinDir,
  kubernetesVersion,
  resolveK8sBinaries,
  skyrocketCacheDir,
} from '../../scripts/k8s/binaries';
import { waitFor } from '../harness/wait-for';
import { loadClientNode, startControlPlane, type ControlPlane } from './harness/control-plane';

const START_TIMEOUT_MS = 200_000;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('control plane with controller-manager', () => {
  let plane: ControlPlane;
  const namespace = `cp-${Date.now().toString(36)}`;

  beforeAll(async () => {
    plane = await startControlPlane({ controllerManager: true });
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await plane?.stop();
  }, 60_000);

  test('kubectl creates a namespace and a Deployment; the controller-manager creates its Pods', async () => {
    const created = await plane.kubectl(['create', 'namespace', namespace]);
    expect(created).toMatchObject({ code: 0 });

    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'registry.invalid/web:1' }] },
        },
      },
    };
    const applied = await plane.kubectl(['apply', '-f', '-'], { input: JSON.stringify(deployment) });
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain('deployment.apps/web created');

    // deployment controller -> ReplicaSet -> replicaset controller -> Pods (no scheduler: they stay Pending).
    const pods = await waitFor(
      'the Deployment to have 2 Pods',
      async () => {
        const result = await plane.kubectl(['get', 'pods', '-n', namespace, '-l', 'app=web', '-o', 'json']);
        const items = (JSON.parse(result.stdout) as { items: { metadata: { name: string } }[] }).items;
        return items.length === 2 ? items.map((p) => p.metadata.name).sort() : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    expect(pods.every((name) => name.startsWith('web-'))).toBe(true);

    const { CoreV1Api } = loadClientNode();
    const core = plane.kubeConfig().makeApiClient(CoreV1Api);
    const listed = await core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
    expect(listed.items.map((p) => p.metadata?.name).sort()).toEqual(pods);
    // The ServiceAccount admission plugin is on with the controller-manager: the default SA's token is projected.
    expect(listed.items[0]?.spec?.serviceAccountName).toBe('default');
    expect(listed.items[0]?.spec?.volumes?.some((v) => v.name.startsWith('kube-api-access-'))).toBe(true);
  }, 120_000);

  test('RBAC is enforced: a ServiceAccount without bindings may do nothing, the admin may do anything', async () => {
    const asServiceAccount = await plane.kubectl([
      'auth',
      'can-i',
      'create',
      'statefulsets',
      '-n',
      namespace,
      `--as=system:serviceaccount:${namespace}:default`,
    ]);
    expect(asServiceAccount.stdout.trim()).toBe('no');
    const asAdmin = await plane.kubectl(['auth', 'can-i', '*', '*']);
    expect(asAdmin.stdout.trim()).toBe('yes');
  }, 30_000);

  test('deleting the namespace removes it (namespace controller + garbage collector)', async () => {
    expect(await plane.kubectl(['delete', 'namespace', namespace, '--wait=false'])).toMatchObject({
      code: 0,
    });
    await waitFor(
      'the namespace to be gone',
      async () => (await plane.kubectl(['get', 'namespace', namespace])).code !== 0,
      { timeoutMs: 90_000, intervalMs: 500 },
    );
  }, 120_000);
});

describe('control plane lifecycle', () => {
  test(
    'stop() ends every component process and removes the temp dir',
    async () => {
      const plane = await startControlPlane();
      const processes = plane.processes();
      try {
        expect(processes.map((p) => p.name)).toEqual(['etcd', 'kube-apiserver']);
        expect(processes.every((p) => p.running && isRunning(p.pid))).toBe(true);
        const version = await plane.kubectl(['version', '-o', 'json']);
        const parsed = JSON.parse(version.stdout) as { serverVersion: { gitVersion: string } };
        expect(parsed.serverVersion.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
      } finally {
        await plane.stop();
      }
      expect(processes.some((p) => isRunning(p.pid))).toBe(false);
      expect(plane.processes().every((p) => !p.running)).toBe(true);
      expect(fs.existsSync(plane.tmpDir)).toBe(false);
      await plane.stop(); // idempotent
    },
    START_TIMEOUT_MS,
  );

  test(
    'a test process killed with SIGKILL leaves no component running and no temp dir behind',
    async () => {
      const scriptDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-orphan-test-'));
      const script = path.join(scriptDir, 'start.ts');
      fs.writeFileSync(
        script,
        `import { startControlPlane } from ${JSON.stringify(path.join(__dirname, 'harness', 'control-plane'))};\n` +
          'startControlPlane().then((p) => {\n' +
          '  console.log(JSON.stringify({ tmpDir: p.tmpDir, pids: p.processes().map((c) => c.pid) }));\n' +
          '  setInterval(() => undefined, 60_000);\n' +
          '});\n',
      );
      // One process (no tsx wrapper), so SIGKILL hits the process that owns the control plane.
      const child = spawn(process.execPath, ['--import', 'tsx', script], {
        cwd: path.resolve(__dirname, '..', '..'),
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      let started: { tmpDir: string; pids: number[] } | undefined;
      try {
        started = await waitFor(
          'the child process to start a control plane',
          () => {
            if (child.exitCode !== null)
              throw new Error(`the child exited with ${child.exitCode}: ${stdout}`);
            const line = stdout.split('\n').find((l) => l.startsWith('{'));
            return line ? (JSON.parse(line) as { tmpDir: string; pids: number[] }) : undefined;
          },
          { timeoutMs: START_TIMEOUT_MS - 20_000, intervalMs: 100 },
        );
        expect(started.pids).toHaveLength(2);
        expect(started.pids.every(isRunning)).toBe(true);
        child.kill('SIGKILL');
        const { pids, tmpDir } = started;
        await waitFor('the reaper to end etcd and kube-apiserver', () => !pids.some(isRunning), {
          timeoutMs: 30_000,
          intervalMs: 100,
        });
        await waitFor('the reaper to remove the temp dir', () => !fs.existsSync(tmpDir), {
          timeoutMs: 10_000,
          intervalMs: 100,
        });
      } finally {
        child.kill('SIGKILL');
        for (const pid of started?.pids ?? []) if (isRunning(pid)) process.kill(-pid, 'SIGKILL');
        fs.rmSync(scriptDir, { recursive: true, force: true });
      }
    },
    START_TIMEOUT_MS,
  );

  test('a binary whose stamp does not match its wrapper go.mod/go.sum/flags is stale', () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-fake-cache-'));
    try {
      const env = { SKYROCKET_CACHE_DIR: cache };
      const dir = k8sBinDir(env);
      expect(dir).toBe(path.join(cache, 'k8s', kubernetesVersion()));
      fs.mkdirSync(dir, { recursive: true });
      for (const state of binaryStates(env)) {
        fs.writeFileSync(state.path, '#!/bin/sh\n', { mode: 0o755 });
        fs.writeFileSync(`${state.path}.stamp`, expectedStamp(state.module, state.pkg));
      }
      expect(resolveK8sBinaries(env).kubeApiserver).toBe(path.join(dir, 'kube-apiserver'));
      // As after a version bump in scripts/k8s/build/etcd/go.mod: only etcd needs building.
      fs.writeFileSync(path.join(dir, 'etcd.stamp'), 'go.etcd.io/etcd/server/v3@v3.0.0 0000\n');
      expect(
        binaryStates(env)
          .filter((s) => s.problem)
          .map((s) => s.name),
      ).toEqual(['etcd']);
      expect(() => resolveK8sBinaries(env)).toThrow(/etcd stale .*npm run k8s:build/);
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  test('the cache folder follows SKYROCKET_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(skyrocketCacheDir({ SKYROCKET_CACHE_DIR: '/x/y', XDG_CACHE_HOME: '/z' })).toBe('/x/y');
    expect(skyrocketCacheDir({ XDG_CACHE_HOME: '/z' })).toBe('/z/skyrocket');
    expect(skyrocketCacheDir({ XDG_CACHE_HOME: 'relative' })).toBe(
      path.join(os.homedir(), '.cache', 'skyrocket'),
    );
    expect(skyrocketCacheDir({})).toBe(path.join(os.homedir(), '.cache', 'skyrocket'));
  });

  test('missing binaries fail with an error that names npm run k8s:build', () => {
    const emptyCache = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-empty-cache-'));
    try {
      expect(() => resolveK8sBinaries({ SKYROCKET_CACHE_DIR: emptyCache })).toThrow(/npm run k8s:build/);
    } finally {
      fs.rmSync(emptyCache, { recursive: true, force: true });
    }
  });
});

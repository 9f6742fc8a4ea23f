/**
 * The test control plane itself: etcd + kube-apiserver + kube-controller-manager from `npm run k8s:build`, driven
 * with the real kubectl binary and with @kubernetes/client-node through the kubeconfig the harness writes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveK8sBinaries } from '../../scripts/k8s/binaries';
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

  test('missing binaries fail with an error that names npm run k8s:build', () => {
    const emptyCache = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-empty-cache-'));
    try {
      expect(() => resolveK8sBinaries({ SKYROCKET_CACHE_DIR: emptyCache })).toThrow(/npm run k8s:build/);
    } finally {
      fs.rmSync(emptyCache, { recursive: true, force: true });
    }
  });
});

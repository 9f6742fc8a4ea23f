/**
 * The Helm chart charts/skyrocket: `helm lint` and `helm template` with the defaults and with everything enabled,
 * then `helm install` into a real kube-apiserver (the test control plane), checking the objects, the CRDs from
 * crds/, and the operator ServiceAccount's permissions with `kubectl auth can-i`, then `helm uninstall`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { OPERATOR_ENV_PREFIX, OperatorConfigSchema } from '../../operator/src/config';
import { waitFor } from '../harness/wait-for';
import {
  ensureK8sBinaries,
  runCommand,
  startControlPlane,
  type CommandResult,
  type ControlPlane,
  type K8sBinaries,
} from './harness/control-plane';

const ROOT = path.resolve(__dirname, '..', '..');
const CHART = path.join(ROOT, 'charts', 'skyrocket');
const RELEASE = 'skyrocket';
/** The release name contains the chart name, so objects are named <release>-operator. */
const FULLNAME = 'skyrocket-operator';

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

interface Container {
  name: string;
  image: string;
  args: string[];
  env: { name: string; value?: string }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  securityContext: Record<string, unknown>;
}

const chart = parseYaml(fs.readFileSync(path.join(CHART, 'Chart.yaml'), 'utf8')) as { appVersion: string };
const crdFiles = fs
  .readdirSync(path.join(CHART, 'crds'))
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => path.join(CHART, 'crds', f));

let binaries: K8sBinaries;
let helmHome: string;

/** helm with its config, cache and data dirs in a temp folder (never the developer's ~/.config/helm). */
function helm(args: string[], timeoutMs = 120_000): Promise<CommandResult> {
  return runCommand(binaries.helm, args, {
    timeoutMs,
    env: {
      PATH: process.env.PATH,
      HOME: helmHome,
      HELM_CACHE_HOME: path.join(helmHome, 'cache'),
      HELM_CONFIG_HOME: path.join(helmHome, 'config'),
      HELM_DATA_HOME: path.join(helmHome, 'data'),
    },
  });
}

async function helmOk(args: string[], timeoutMs?: number): Promise<string> {
  const result = await helm(args, timeoutMs);
  if (result.code !== 0) throw new Error(`helm ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
  return result.stdout;
}

async function template(...sets: string[]): Promise<KubeObject[]> {
  const out = await helmOk([
    'template',
    RELEASE,
    CHART,
    '--namespace',
    'skyrocket-system',
    ...sets.flatMap((s) => ['--set', s]),
  ]);
  return parseAllDocuments(out)
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

function find(objects: KubeObject[], kind: string, name?: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!found) throw new Error(`no ${kind} ${name ?? ''} in ${objects.map((o) => o.kind).join(', ')}`);
  return found;
}

function operatorContainer(objects: KubeObject[]): Container {
  const deployment = find(objects, 'Deployment', FULLNAME) as unknown as {
    spec: { template: { spec: { containers: Container[] } } };
  };
  const [container] = deployment.spec.template.spec.containers;
  if (!container) throw new Error('the Deployment has no container');
  return container;
}

/** Metric names defined in the packages' sources (prom-client `name: '...'`). */
function definedMetricNames(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        for (const match of fs.readFileSync(full, 'utf8').matchAll(/name:\s*'(skyrocket_[a-z0-9_]+)'/g)) {
          if (match[1]) names.add(match[1]);
        }
      }
    }
  };
  for (const workspace of ['common', 'remoting', 'store', 'nameserver', 'broker', 'operator']) {
    walk(path.join(ROOT, workspace, 'src'));
  }
  return names;
}

beforeAll(async () => {
  binaries = await ensureK8sBinaries();
  helmHome = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-helm-'));
});

afterAll(() => {
  if (helmHome) fs.rmSync(helmHome, { recursive: true, force: true });
});

describe('helm lint and template', () => {
  test('lint passes with the defaults and with monitoring, examples and two replicas enabled', async () => {
    expect(await helm(['lint', '--strict', CHART])).toMatchObject({ code: 0 });
    const everything = await helm([
      'lint',
      '--strict',
      CHART,
      '--set',
      'monitoring.serviceMonitor.enabled=true,monitoring.podMonitor.enabled=true',
      '--set',
      'monitoring.grafanaDashboard.enabled=true,examples.enabled=true,operator.replicas=2',
    ]);
    expect(everything).toMatchObject({ code: 0 });
  }, 60_000);

  test('the defaults render the operator Deployment, its ServiceAccount, RBAC and Service, no monitors', async () => {
    const objects = await template();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [
        `ClusterRole/${FULLNAME}`,
        `ClusterRoleBinding/${FULLNAME}`,
        `Deployment/${FULLNAME}`,
        `Role/${FULLNAME}-leader-election`,
        `RoleBinding/${FULLNAME}-leader-election`,
        `Service/${FULLNAME}`,
        `ServiceAccount/${FULLNAME}`,
      ].sort(),
    );
    const container = operatorContainer(objects);
    expect(container.image).toBe(`ghcr.io/skyrocket/skyrocket:${chart.appVersion}`);
    expect(container.args).toEqual(['operator']);
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      SKYROCKET_OPERATOR_HTTP_PORT: '8080',
      SKYROCKET_OPERATOR_LEADER_ELECTION: 'true',
      SKYROCKET_OPERATOR_LEASE_NAME: 'skyrocket-operator',
      SKYROCKET_OPERATOR_LEASE_NAMESPACE: 'skyrocket-system',
    });
    // Every SKYROCKET_OPERATOR_* variable the chart sets is a field of the operator's config schema.
    const known = new Set(
      Object.keys(OperatorConfigSchema.shape).map(
        (field) => OPERATOR_ENV_PREFIX + field.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase(),
      ),
    );
    const unknownEnv = Object.keys(env).filter(
      (name) => name.startsWith(OPERATOR_ENV_PREFIX) && !known.has(name),
    );
    expect(unknownEnv).toEqual([]);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
    // Operator pods must never match the selector of the NameServer/broker pods it manages.
    const deployment = find(objects, 'Deployment') as unknown as {
      spec: { selector: { matchLabels: Record<string, string> } };
    };
    expect(deployment.spec.selector.matchLabels['app.kubernetes.io/name']).toBe('skyrocket-operator');
  }, 60_000);

  test('image tag, digest and replicas are configurable; two replicas get a PodDisruptionBudget', async () => {
    const tagged = await template('image.tag=1.2.3', 'operator.replicas=2');
    expect(operatorContainer(tagged).image).toBe('ghcr.io/skyrocket/skyrocket:1.2.3');
    expect(find(tagged, 'PodDisruptionBudget', FULLNAME)).toMatchObject({ spec: { maxUnavailable: 1 } });
    const pinned = await template(
      'image.repository=registry.example/sr',
      'image.digest=sha256:' + 'a'.repeat(64),
    );
    expect(operatorContainer(pinned).image).toBe(`registry.example/sr@sha256:${'a'.repeat(64)}`);
  }, 60_000);

  test('monitoring renders a ServiceMonitor, a PodMonitor and a dashboard of metrics that exist', async () => {
    const objects = await template(
      'monitoring.serviceMonitor.enabled=true',
      'monitoring.podMonitor.enabled=true',
      'monitoring.grafanaDashboard.enabled=true',
    );
    expect(find(objects, 'ServiceMonitor')).toMatchObject({
      apiVersion: 'monitoring.coreos.com/v1',
      spec: { endpoints: [{ port: 'http', path: '/metrics' }] },
    });
    expect(find(objects, 'PodMonitor')).toMatchObject({
      apiVersion: 'monitoring.coreos.com/v1',
      spec: {
        selector: {
          matchLabels: {
            'app.kubernetes.io/name': 'skyrocket',
            'app.kubernetes.io/managed-by': 'skyrocket-operator',
          },
        },
        podMetricsEndpoints: [{ port: 'http', path: '/metrics' }],
      },
    });
    const configMap = find(objects, 'ConfigMap', `${FULLNAME}-dashboard`) as unknown as {
      metadata: { labels: Record<string, string> };
      data: Record<string, string>;
    };
    expect(configMap.metadata.labels.grafana_dashboard).toBe('1');
    const dashboard = JSON.parse(configMap.data['skyrocket.json'] ?? '') as {
      panels: { type: string; title: string; targets?: { expr: string }[] }[];
    };
    const titles = dashboard.panels.filter((p) => p.type !== 'row').map((p) => p.title);
    for (const expected of ['Send rate', 'Pull rate', 'Send store latency', 'Store size', 'Consumer lag']) {
      expect(titles).toContain(expected);
    }
    expect(titles).toContain('Reconciles');

    // Every series the dashboard queries is one the code defines (histograms through _bucket), a prom-client
    // default metric (prefixed skyrocket_ by common's createMetricsRegistry), or the PodMonitor's relabelled label.
    const defined = definedMetricNames();
    const promClientSources = fs
      .readdirSync(path.join(ROOT, 'node_modules', 'prom-client', 'lib', 'metrics'))
      .filter((f) => f.endsWith('.js'))
      .map((f) =>
        fs.readFileSync(path.join(ROOT, 'node_modules', 'prom-client', 'lib', 'metrics', f), 'utf8'),
      )
      .join('\n');
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    const used = new Set(
      exprs.flatMap((e) => [...e.matchAll(/\b(skyrocket_[a-z0-9_]+)/g)].map((m) => m[1] ?? '')),
    );
    const podMonitorTemplate = fs.readFileSync(path.join(CHART, 'templates', 'podmonitor.yaml'), 'utf8');
    const unknown = [...used].filter((name) => {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      if (defined.has(base)) return false;
      if (name === 'skyrocket_cluster') return !podMonitorTemplate.includes('targetLabel: skyrocket_cluster');
      return !promClientSources.includes(`'${name.replace(/^skyrocket_/, '')}'`);
    });
    expect(unknown).toEqual([]);
  }, 60_000);

  test('values.schema.json refuses bad values and misspelt keys with a message that names them', async () => {
    const bad = async (set: string): Promise<string> => {
      const result = await helm(['template', RELEASE, CHART, '--set', set]);
      expect(result.code).not.toBe(0);
      return result.stderr;
    };
    expect(await bad('operator.replicas=-1')).toContain('/operator/replicas');
    expect(await bad('image.pullPolicy=Sometimes')).toContain('/image/pullPolicy');
    expect(await bad('operator.logLevl=debug')).toMatch(/additional propert.*logLevl/);
    expect(await bad('operator.watchNamespaces[0]=Not_A_Namespace')).toContain('/operator/watchNamespaces/0');
  }, 60_000);

  test('examples render a NameServerCluster and a BrokerCluster that references it', async () => {
    const objects = await template('examples.enabled=true');
    expect(find(objects, 'NameServerCluster', 'example')).toMatchObject({ spec: { replicas: 2 } });
    expect(find(objects, 'BrokerCluster', 'example')).toMatchObject({
      spec: { nameServerRef: { name: 'example' }, groups: 2, replicasPerGroup: 2 },
    });
  }, 60_000);
});

describe('helm install into a real control plane', () => {
  const namespace = 'skyrocket-system';
  let plane: ControlPlane;

  beforeAll(async () => {
    plane = await startControlPlane();
  }, 200_000);

  afterAll(async () => {
    await plane?.stop();
  }, 60_000);

  const kubectlOk = async (args: string[]): Promise<string> => {
    const result = await plane.kubectl(args);
    if (result.code !== 0)
      throw new Error(`kubectl ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return result.stdout;
  };
  const canI = async (...args: string[]): Promise<string> => {
    const result = await plane.kubectl([
      'auth',
      'can-i',
      ...args,
      `--as=system:serviceaccount:${namespace}:${FULLNAME}`,
    ]);
    return result.stdout.trim();
  };

  test('installs the Deployment, RBAC, every CRD in crds/ and valid example CRs; grants what the operator needs; uninstalls', async () => {
    await helmOk(
      [
        'install',
        RELEASE,
        CHART,
        '--kubeconfig',
        plane.kubeconfigPath,
        '--namespace',
        namespace,
        '--create-namespace',
        // The example clusters too: the apiserver validates them against the CRDs' schemas and CEL rules.
        '--set',
        'examples.enabled=true',
      ],
      180_000,
    );

    const deployment = JSON.parse(
      await kubectlOk(['get', 'deployment', FULLNAME, '-n', namespace, '-o', 'json']),
    ) as KubeObject;
    expect(deployment.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('Helm');
    await kubectlOk(['get', 'serviceaccount', FULLNAME, '-n', namespace]);
    await kubectlOk(['get', 'service', FULLNAME, '-n', namespace]);
    await kubectlOk(['get', 'clusterrole', FULLNAME]);
    await kubectlOk(['get', 'clusterrolebinding', FULLNAME]);
    await kubectlOk(['get', 'role,rolebinding', `${FULLNAME}-leader-election`, '-n', namespace]);

    // Every CRD file in crds/ is installed and established (whatever the operator's API currently defines).
    expect(crdFiles.length).toBeGreaterThan(0);
    const crdNames = crdFiles.flatMap((file) =>
      parseAllDocuments(fs.readFileSync(file, 'utf8'))
        .map((doc) => doc.toJS() as KubeObject | null)
        .filter((o): o is KubeObject => o?.kind === 'CustomResourceDefinition')
        .map((o) => o.metadata.name),
    );
    expect(crdNames.length).toBe(crdFiles.length);
    for (const name of crdNames) {
      await waitFor(
        `CRD ${name} to be established`,
        async () =>
          (await plane.kubectl(['wait', '--for=condition=Established', `crd/${name}`, '--timeout=5s']))
            .code === 0,
        { timeoutMs: 60_000, intervalMs: 200 },
      );
    }

    const nameServers = JSON.parse(
      await kubectlOk(['get', 'nameserverclusters.skyrocket.dev', '-n', namespace, '-o', 'json']),
    ) as { items: KubeObject[] };
    expect(nameServers.items.map((o) => o.metadata.name)).toEqual(['example']);
    await kubectlOk(['get', 'brokercluster.skyrocket.dev', 'example', '-n', namespace]);

    // What the operator must be able to do, through the chart's RBAC only.
    expect(await canI('create', 'statefulsets.apps', '-n', 'some-namespace')).toBe('yes');
    expect(await canI('patch', 'statefulsets.apps', '-n', 'some-namespace')).toBe('yes');
    expect(await canI('patch', 'brokerclusters.skyrocket.dev', '--subresource=status', '-n', 'x')).toBe(
      'yes',
    );
    expect(await canI('update', 'nameserverclusters.skyrocket.dev', '--subresource=status', '-n', 'x')).toBe(
      'yes',
    );
    expect(await canI('watch', 'brokerclusters.skyrocket.dev', '--all-namespaces')).toBe('yes');
    expect(await canI('watch', 'topics.skyrocket.dev', '--all-namespaces')).toBe('yes');
    expect(await canI('patch', 'topics.skyrocket.dev', '-n', 'x')).toBe('yes');
    expect(await canI('patch', 'topics.skyrocket.dev', '--subresource=status', '-n', 'x')).toBe('yes');
    expect(await canI('watch', 'consumergroups.skyrocket.dev', '--all-namespaces')).toBe('yes');
    expect(await canI('patch', 'consumergroups.skyrocket.dev', '-n', 'x')).toBe('yes');
    expect(await canI('patch', 'consumergroups.skyrocket.dev', '--subresource=status', '-n', 'x')).toBe(
      'yes',
    );
    expect(await canI('delete', 'pods', '-n', 'x')).toBe('yes');
    expect(await canI('delete', 'persistentvolumeclaims', '-n', 'x')).toBe('yes');
    expect(await canI('create', 'poddisruptionbudgets.policy', '-n', 'x')).toBe('yes');
    expect(await canI('create', 'events.events.k8s.io', '-n', 'x')).toBe('yes');
    expect(await canI('update', 'leases.coordination.k8s.io/skyrocket-operator', '-n', namespace)).toBe(
      'yes',
    );
    // ... and nothing it does not need.
    expect(await canI('get', 'secrets', '-n', 'x')).toBe('no');
    expect(await canI('create', 'pods', '-n', 'x')).toBe('no');
    expect(await canI('update', 'leases.coordination.k8s.io/someone-else', '-n', namespace)).toBe('no');
    expect(await canI('update', 'leases.coordination.k8s.io/skyrocket-operator', '-n', 'kube-system')).toBe(
      'no',
    );
    expect(await canI('create', 'clusterroles.rbac.authorization.k8s.io')).toBe('no');

    await helmOk(
      ['uninstall', RELEASE, '--kubeconfig', plane.kubeconfigPath, '--namespace', namespace],
      120_000,
    );
    for (const [kind, ns] of [
      [`deployment/${FULLNAME}`, namespace],
      [`serviceaccount/${FULLNAME}`, namespace],
      [`clusterrole/${FULLNAME}`, undefined],
      [`clusterrolebinding/${FULLNAME}`, undefined],
      ['brokercluster.skyrocket.dev/example', namespace],
      ['nameservercluster.skyrocket.dev/example', namespace],
    ] as const) {
      await waitFor(
        `${kind} to be deleted`,
        async () => (await plane.kubectl(['get', kind, ...(ns ? ['-n', ns] : [])])).code !== 0,
        { timeoutMs: 30_000, intervalMs: 200 },
      );
    }
    // Helm never deletes CRDs from crds/ (it would delete every custom resource with them); they stay.
    for (const name of crdNames) await kubectlOk(['get', 'crd', name]);
  }, 300_000);
});

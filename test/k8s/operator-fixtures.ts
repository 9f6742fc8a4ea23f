/**
 * Shared pieces of the operator tests (test/k8s/operator-*.test.ts): a fake broker admin API (a real fastify server
 * on loopback standing in for every broker pod's HTTP admin port, the one thing these tests fake), CRD install, and
 * small apiserver helpers over the operator's own REST client.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { crdManifests } from '../../operator/src/api';
import { KubeClient } from '../../operator/src/runtime/kube-client';
import { loadKubeconfig } from '../../operator/src/runtime/kubeconfig';
import { Resources, type ResourceType } from '../../operator/src/runtime/resources';
import type { KubeObject } from '../../operator/src/runtime/types';
import { silentLogger } from '@skyrocket/common';
import { runOperator, type Operator } from '../../operator/src';
import { waitFor } from '../harness/wait-for';
import { startControlPlane, type ControlPlane } from './harness/control-plane';

export interface FakeTopic {
  topicName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicFilterType: 'SINGLE_TAG' | 'MULTI_TAG';
  topicSysFlag: number;
  order: boolean;
  attributes: Record<string, string>;
}

export interface FakeBroker {
  permission: 'read-write' | 'read-only';
  topics: Map<string, FakeTopic>;
  /** Subscription groups created through PUT /api/groups/:group. */
  groups: Map<string, Record<string, unknown>>;
  /** Consumer group → total lag on this broker. */
  lag: Map<string, number>;
  registeredWith: number;
  /** Answer every request with 503 (an unreachable admin API). */
  down: boolean;
  /** GET /api/broker's replication view (left out while undefined, as older brokers do). */
  ha?: {
    role: 'master';
    maxOffset: number;
    slaves: Array<{ address: string; ackOffset: number; lagBytes: number }>;
  };
  permissionCalls: string[];
}

export function topic(topicName: string, queues = 4): FakeTopic {
  return {
    topicName,
    readQueueNums: queues,
    writeQueueNums: queues,
    perm: 6,
    topicFilterType: 'SINGLE_TAG',
    topicSysFlag: 0,
    order: false,
    attributes: {},
  };
}

/** Per-pod fake admin APIs at http://127.0.0.1:<port>/<pod>/api/... */
export class FakeBrokerAdmin {
  readonly brokers = new Map<string, FakeBroker>();
  #app: FastifyInstance | undefined;
  #base = '';

  broker(pod: string): FakeBroker {
    let broker = this.brokers.get(pod);
    if (!broker) {
      broker = {
        permission: 'read-write',
        topics: new Map([['TBW102', topic('TBW102', 8)]]),
        groups: new Map(),
        lag: new Map(),
        registeredWith: 1,
        down: false,
        permissionCalls: [],
      };
      this.brokers.set(pod, broker);
    }
    return broker;
  }

  url = ({ pod }: { pod: string }): string => `${this.#base}/${pod}`;

  async start(): Promise<void> {
    const app = Fastify();
    app.addHook('preHandler', async (request, reply) => {
      const pod = (request.params as { pod?: string }).pod;
      if (pod && this.broker(pod).down) return reply.code(503).send({ message: 'broker admin unavailable' });
      return undefined;
    });
    app.get<{ Params: { pod: string } }>('/:pod/api/broker', async (request) => {
      const broker = this.broker(request.params.pod);
      const now = Date.now();
      return {
        brokerName: request.params.pod.replace(/-\d+$/, ''),
        brokerId: Number(/-(\d+)$/.exec(request.params.pod)?.[1] ?? 0),
        permission: broker.permission,
        nameServers: Array.from({ length: broker.registeredWith }, (_, i) => ({
          address: `10.0.0.${i + 10}:9876`,
          lastSuccessTimestamp: now,
          lastAttemptTimestamp: now,
          lastError: null,
        })),
        ...(broker.ha ? { ha: broker.ha } : {}),
      };
    });
    app.get<{ Params: { pod: string } }>('/:pod/api/topics', async (request) => [
      ...this.broker(request.params.pod).topics.values(),
    ]);
    app.put<{ Params: { pod: string; topic: string }; Body: Omit<FakeTopic, 'topicName'> }>(
      '/:pod/api/topics/:topic',
      async (request) => {
        const created = { ...topic(request.params.topic), ...request.body, topicName: request.params.topic };
        this.broker(request.params.pod).topics.set(request.params.topic, created);
        return created;
      },
    );
    app.delete<{ Params: { pod: string; topic: string } }>(
      '/:pod/api/topics/:topic',
      async (request, reply) => {
        const topics = this.broker(request.params.pod).topics;
        if (!topics.delete(request.params.topic)) return reply.code(404).send({ message: 'no topic' });
        return { deleted: request.params.topic };
      },
    );
    app.put<{ Params: { pod: string }; Body: { permission: 'read-only' | 'read-write' } }>(
      '/:pod/api/broker/permission',
      async (request) => {
        const broker = this.broker(request.params.pod);
        broker.permission = request.body.permission;
        broker.permissionCalls.push(request.body.permission);
        return { permission: broker.permission };
      },
    );
    app.get<{ Params: { pod: string } }>('/:pod/api/groups', async (request) => {
      const broker = this.broker(request.params.pod);
      return [
        ...[...broker.lag.keys()]
          .filter((groupName) => !broker.groups.has(groupName))
          .map((groupName) => ({ groupName, consumers: [] })),
        ...[...broker.groups.values()].map((group) => ({ ...group, consumers: [] })),
      ];
    });
    app.put<{ Params: { pod: string; group: string }; Body: Record<string, unknown> }>(
      '/:pod/api/groups/:group',
      async (request) => {
        const groups = this.broker(request.params.pod).groups;
        const group = {
          ...groups.get(request.params.group),
          ...request.body,
          groupName: request.params.group,
        };
        groups.set(request.params.group, group);
        return group;
      },
    );
    app.delete<{ Params: { pod: string; group: string } }>(
      '/:pod/api/groups/:group',
      async (request, reply) => {
        if (!this.broker(request.params.pod).groups.delete(request.params.group))
          return reply.code(404).send({ message: 'no group' });
        return { deleted: request.params.group };
      },
    );
    app.get<{ Params: { pod: string; group: string } }>(
      '/:pod/api/groups/:group/lag',
      async (request, reply) => {
        const lag = this.broker(request.params.pod).lag.get(request.params.group);
        if (lag === undefined) return reply.code(404).send({ message: 'no group' });
        return { group: request.params.group, totalLag: lag, queues: [] };
      },
    );
    this.#base = await app.listen({ host: '127.0.0.1', port: 0 });
    this.#app = app;
  }

  async stop(): Promise<void> {
    await this.#app?.close();
  }
}

export function clientFor(kubeconfigPath: string): KubeClient {
  return new KubeClient(loadKubeconfig(kubeconfigPath));
}

/** Creates the CRDs (all, or those of `kinds`) from the zod schemas and waits until the apiserver serves them. */
export async function installCrds(client: KubeClient, kinds?: readonly string[]): Promise<void> {
  const crds = crdManifests().filter((crd) => !kinds || kinds.includes(crd.spec.names.kind));
  const names = crds.map((crd) => `${crd.spec.names.plural}.${crd.spec.group}`);
  for (const crd of crds) {
    const existing = await client.find(
      Resources.CustomResourceDefinition,
      undefined,
      `${crd.spec.names.plural}.${crd.spec.group}`,
    );
    if (!existing) await client.create(Resources.CustomResourceDefinition, crd as unknown as KubeObject);
  }
  for (const name of names)
    await waitFor(
      `CRD ${name} established`,
      async () => {
        const live = await client.get<
          KubeObject & { status?: { conditions?: { type: string; status: string }[] } }
        >(Resources.CustomResourceDefinition, undefined, name);
        return live.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
}

export async function createNamespace(client: KubeClient, name: string): Promise<void> {
  await client.create(Resources.Namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

/** Writes a StatefulSet's status as if its pods were all ready (no kubelet runs here; envtest users do the same). */
export async function markStatefulSetReady(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<void> {
  const sts = await client.get<KubeObject & { spec: { replicas: number } }>(
    Resources.StatefulSet,
    namespace,
    name,
  );
  const n = sts.spec.replicas;
  await client.mergePatch(
    Resources.StatefulSet,
    namespace,
    name,
    {
      status: {
        observedGeneration: sts.metadata.generation,
        replicas: n,
        readyReplicas: n,
        availableReplicas: n,
        currentReplicas: n,
        updatedReplicas: n,
      },
    },
    'status',
  );
}

/** Marks a Pod Running and Ready through its status subresource. */
export async function markPodReady(client: KubeClient, namespace: string, name: string): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await client.mergePatch(
    Resources.Pod,
    namespace,
    name,
    {
      status: {
        phase: 'Running',
        conditions: [
          { type: 'Ready', status: 'True', lastTransitionTime: now },
          { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
        ],
      },
    },
    'status',
  );
}

export interface EventObject extends KubeObject {
  reason: string;
  note: string;
  type: string;
  regarding: { name: string; kind: string };
  series?: { count: number };
}

export async function eventsFor(client: KubeClient, namespace: string, name: string): Promise<EventObject[]> {
  const list = await client.list<EventObject>(Resources.Event, namespace);
  return list.items.filter((e) => e.regarding?.name === name);
}

export async function get<T extends KubeObject>(
  client: KubeClient,
  type: ResourceType,
  namespace: string,
  name: string,
): Promise<T | undefined> {
  return client.find<T>(type, namespace, name);
}

export interface ConditionView {
  type: string;
  status: string;
  reason: string;
  message: string;
}

export function condition(
  object: { status?: { conditions?: ConditionView[] } } | undefined,
  type: string,
): ConditionView | undefined {
  return object?.status?.conditions?.find((c) => c.type === type);
}

/**
 * A built child as the apiserver stores it: fields set to `false` are dropped, because the API omits booleans at
 * their false default (omitempty), so `toMatchObject(stored(child))` compares every other field exactly.
 */
export function stored<T>(value: T): T {
  if (Array.isArray(value)) return value.map(stored) as T;
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== false && v !== undefined)
        .map(([k, v]) => [k, stored(v)]),
    ) as T;
  return value;
}

/** A control plane with the CRDs and a namespace, a fake broker admin API, and one operator running against them. */
export interface OperatorEnvironment {
  cp: ControlPlane;
  client: KubeClient;
  admin: FakeBrokerAdmin;
  operator: Operator;
  stop(): Promise<void>;
}

export async function startOperatorEnvironment(options: {
  namespace: string;
  controllerManager?: boolean;
}): Promise<OperatorEnvironment> {
  const cp = await startControlPlane({ controllerManager: options.controllerManager ?? false });
  const client = clientFor(cp.kubeconfigPath);
  const admin = new FakeBrokerAdmin();
  await installCrds(client);
  await createNamespace(client, options.namespace);
  await admin.start();
  const operator = await runOperator(
    { leaderElection: false, httpHost: '127.0.0.1', httpPort: 0, logLevel: 'silent' },
    { connection: client.connection, logger: silentLogger(), brokerAdminUrl: admin.url, pollIntervalMs: 200 },
  );
  await operator.waitForSync();
  return {
    cp,
    client,
    admin,
    operator,
    stop: async () => {
      await operator.stop();
      await admin.stop();
      client.close();
      await cp.stop();
    },
  };
}

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import {
  buildAdminServer,
  createLogger,
  createMetricsRegistry,
  systemClock,
  type Clock,
  type Logger,
  type ReadinessReport,
} from '@skyrocket/common';
import { LABELS } from './api/common';
import { HttpBrokerAdmin, type BrokerAdmin } from './broker-admin/client';
import { MANAGED_BY } from './builders/meta';
import { reconcileBrokerCluster } from './controllers/broker-cluster';
import { nameServerRefOfBroker, type BrokerClusterObject } from './controllers/children';
import {
  brokerAdminUrlFromTemplate,
  isPaused,
  type BrokerAdminUrlResolver,
  type ControllerContext,
  type PodObject,
  type StatefulSetObject,
} from './controllers/context';
import { reconcileNameServerCluster } from './controllers/name-server-cluster';
import { reconcileTopic } from './controllers/topic';
import { reconcileConsumerGroup } from './controllers/consumer-group';
import type { BrokerResourceCr } from './controllers/broker-resource';
import { parseNamespaces, type OperatorConfig } from './config';
import { OperatorMetrics } from './metrics';
import { ControllerRunner } from './runtime/controller-runner';
import { KubeEventRecorder } from './runtime/events';
import { InformerSet } from './runtime/informer-set';
import { KubeClient } from './runtime/kube-client';
import { inClusterConnection, loadKubeconfig, type KubeConnection } from './runtime/kubeconfig';
import { LeaderElector } from './runtime/leader-election';
import { ownerKeys } from './runtime/owners';
import { controllerRateLimiter, type ControllerRateLimiterOptions } from './runtime/rate-limiter';
import { Resources } from './runtime/resources';
import { objectKey, type KubeObject } from './runtime/types';
import { WorkQueue } from './runtime/work-queue';

export interface OperatorDeps {
  /** The apiserver; default from config.kubeconfig, else $KUBECONFIG (env), else in-cluster. */
  connection?: KubeConnection;
  /** Environment to read KUBECONFIG and the in-cluster service variables from (default: process.env). */
  env?: Record<string, string | undefined>;
  clock?: Clock;
  logger?: Logger;
  registry?: Registry;
  brokerAdmin?: BrokerAdmin;
  /** Overrides config.brokerAdminUrlTemplate (tests point every broker pod at a fake admin server). */
  brokerAdminUrl?: BrokerAdminUrlResolver;
  /** This replica's leader-election identity (default: hostname + random suffix). */
  identity?: string;
  /** How often a reconcile waiting on brokers (drains, rolls, topic copies) looks again; default 5 s. */
  pollIntervalMs?: number;
  rateLimiter?: Partial<ControllerRateLimiterOptions>;
  defaultImage?: string;
  /** Overrides config.drainTimeoutSeconds with finer resolution (tests). */
  drainTimeoutMs?: number;
}

export interface Operator {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly isLeader: boolean;
  readonly identity: string;
  /** http://host:port of /healthz, /readyz, /metrics once started. */
  readonly httpAddress: string | undefined;
  readiness(): ReadinessReport;
  /** Resolves once every informer has listed (and the controllers or the election have started). */
  waitForSync(): Promise<void>;
  readonly metrics: OperatorMetrics;
}

export function resolveConnection(
  config: OperatorConfig,
  env: Record<string, string | undefined>,
): KubeConnection {
  const context = config.kubeContext === '' ? undefined : config.kubeContext;
  if (config.kubeconfig !== '') return loadKubeconfig(config.kubeconfig, context);
  if (env['KUBERNETES_SERVICE_HOST']) return inClusterConnection(env);
  const fromEnv = env['KUBECONFIG']?.split(':')[0];
  if (fromEnv) return loadKubeconfig(fromEnv, context);
  return inClusterConnection(env);
}

type ControllerName = 'nameservercluster' | 'brokercluster' | 'topic' | 'consumergroup';

/**
 * The composition root: informers for the two CRs and every child type, one work queue and worker pool per
 * controller, leader election, metrics and health endpoints. No side effects until start(). Informers run on every
 * replica (a standby has warm caches and is "ready"); queues and workers run only on the leader.
 */
export function buildOperator(config: OperatorConfig, deps: OperatorDeps = {}): Operator {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger({ component: 'operator', level: config.logLevel });
  const registry = deps.registry ?? createMetricsRegistry('operator');
  // Kubeconfig discovery needs KUBECONFIG / KUBERNETES_SERVICE_HOST; callers that do not pass an environment (the
  // CLI's `skyrocket operator`) get the process's, as kubectl would.
  const connection = deps.connection ?? resolveConnection(config, deps.env ?? process.env);
  const client = new KubeClient(connection);
  const namespaces = parseNamespaces(config.namespaces);
  const identity = deps.identity ?? `${hostname()}-${randomBytes(4).toString('hex')}`;
  const resyncPeriodMs = config.resyncPeriodSeconds * 1000;

  const informer = <T extends KubeObject>(
    type: (typeof Resources)[keyof typeof Resources],
    labelSelector?: string,
    resync?: number,
  ) =>
    new InformerSet<T>({
      client,
      type,
      namespaces,
      clock,
      logger,
      ...(labelSelector ? { labelSelector } : {}),
      ...(resync ? { resyncPeriodMs: resync } : {}),
    });
  const managed = `${LABELS.managedBy}=${MANAGED_BY}`;
  const caches = {
    nameServerClusters: informer<KubeObject>(Resources.NameServerCluster, undefined, resyncPeriodMs),
    brokerClusters: informer<KubeObject>(Resources.BrokerCluster, undefined, resyncPeriodMs),
    // The resync re-checks every topic on the brokers: it puts back what was changed behind the operator's back.
    topics: informer<KubeObject>(Resources.Topic, undefined, resyncPeriodMs),
    consumerGroups: informer<KubeObject>(Resources.ConsumerGroup, undefined, resyncPeriodMs),
    statefulSets: informer<StatefulSetObject>(Resources.StatefulSet, managed),
    services: informer<KubeObject>(Resources.Service, managed),
    configMaps: informer<KubeObject>(Resources.ConfigMap, managed),
    podDisruptionBudgets: informer<KubeObject>(Resources.PodDisruptionBudget, managed),
    // Pods carry the selector labels (every skyrocket pod has app.kubernetes.io/name=skyrocket).
    pods: informer<PodObject>(Resources.Pod, `${LABELS.name}=skyrocket`),
  };
  const allInformers = Object.values(caches);
  /**
   * Topic and ConsumerGroup came later than the clusters: Helm never upgrades CRDs, so after a `helm upgrade` without
   * `kubectl apply -f crds/` their CRDs may be missing. The clusters must not wait for them: controllers start once
   * the others have synced, and these two controllers get their keys as their informers list (a missing CRD shows
   * in /readyz's checks and the logs, and its informer keeps retrying).
   */
  const optionalInformers: readonly InformerSet<KubeObject>[] = [caches.topics, caches.consumerGroups];
  const requiredInformers = allInformers.filter((i) => !optionalInformers.includes(i));

  const ctx: ControllerContext = {
    client,
    caches,
    events: new KubeEventRecorder({ client, clock, logger, reportingInstance: identity }),
    brokerAdmin: deps.brokerAdmin ?? new HttpBrokerAdmin({ timeoutMs: config.brokerAdminTimeoutMillis }),
    brokerAdminUrl: deps.brokerAdminUrl ?? brokerAdminUrlFromTemplate(config.brokerAdminUrlTemplate),
    clock,
    logger,
    drainTimeoutMs: deps.drainTimeoutMs ?? config.drainTimeoutSeconds * 1000,
    pollIntervalMs: deps.pollIntervalMs ?? 5000,
    recentlyDeleted: new Map(),
    ...((deps.defaultImage ?? config.defaultImage)
      ? { defaultImage: deps.defaultImage ?? config.defaultImage }
      : {}),
  };

  let running: { queues: Record<ControllerName, WorkQueue>; runners: ControllerRunner[] } | undefined;
  let elector: LeaderElector | undefined;
  let leader = false;
  let admin: FastifyInstance | undefined;
  let httpAddress: string | undefined;
  let stopped = false;
  let synced: Promise<void> = Promise.resolve();

  const countBy = (cache: InformerSet<KubeObject>, pred: (o: KubeObject) => boolean = () => true) =>
    cache.list().filter(pred).length;
  const metrics = new OperatorMetrics(registry, {
    queueDepth: () => ({
      nameservercluster: running?.queues.nameservercluster.length ?? 0,
      brokercluster: running?.queues.brokercluster.length ?? 0,
      topic: running?.queues.topic.length ?? 0,
      consumergroup: running?.queues.consumergroup.length ?? 0,
    }),
    managed: () => ({
      NameServerCluster: countBy(caches.nameServerClusters),
      BrokerCluster: countBy(caches.brokerClusters),
      Topic: countBy(caches.topics),
      ConsumerGroup: countBy(caches.consumerGroups),
    }),
    paused: () => ({
      NameServerCluster: countBy(caches.nameServerClusters, isPaused),
      BrokerCluster: countBy(caches.brokerClusters, isPaused),
      Topic: countBy(caches.topics, isPaused),
      ConsumerGroup: countBy(caches.consumerGroups, isPaused),
    }),
    leader: () => leader,
  });

  const enqueue = (controller: ControllerName, key: string) => running?.queues[controller].add(key);
  const enqueueBrokersReferencing = (nameServerCluster: KubeObject) => {
    for (const broker of caches.brokerClusters.list()) {
      const ref = nameServerRefOfBroker(broker as BrokerClusterObject);
      if (
        ref &&
        ref.name === nameServerCluster.metadata.name &&
        ref.namespace === nameServerCluster.metadata.namespace
      )
        enqueue('brokercluster', objectKey(broker));
    }
  };
  /**
   * A BrokerCluster's groups or pods changed: its Topics and ConsumerGroups may have masters to fill (or nothing
   * left to wait for).
   */
  const enqueueTopicsOf = (cluster: KubeObject) => {
    const referencing = (cache: InformerSet<KubeObject>) =>
      (cache.list(cluster.metadata.namespace) as BrokerResourceCr[]).filter(
        (o) => o.spec?.clusterRef?.name === cluster.metadata.name,
      );
    for (const topic of referencing(caches.topics)) enqueue('topic', objectKey(topic));
    for (const group of referencing(caches.consumerGroups)) enqueue('consumergroup', objectKey(group));
  };
  const enqueueOwners = (object: KubeObject) => {
    for (const key of ownerKeys(object, Resources.NameServerCluster)) enqueue('nameservercluster', key);
    for (const key of ownerKeys(object, Resources.BrokerCluster)) enqueue('brokercluster', key);
  };
  const onChild = {
    add: enqueueOwners,
    update: (_: KubeObject, o: KubeObject) => enqueueOwners(o),
    delete: enqueueOwners,
  };
  caches.nameServerClusters.addHandlers({
    add: (o) => {
      enqueue('nameservercluster', objectKey(o));
      enqueueBrokersReferencing(o);
    },
    update: (_, o) => {
      enqueue('nameservercluster', objectKey(o));
      enqueueBrokersReferencing(o);
    },
    delete: (o) => enqueueBrokersReferencing(o),
  });
  caches.brokerClusters.addHandlers({
    add: (o) => {
      enqueue('brokercluster', objectKey(o));
      enqueueTopicsOf(o);
    },
    update: (_, o) => {
      enqueue('brokercluster', objectKey(o));
      enqueueTopicsOf(o);
    },
    delete: enqueueTopicsOf,
  });
  caches.topics.addHandlers({
    add: (o) => enqueue('topic', objectKey(o)),
    update: (_, o) => enqueue('topic', objectKey(o)),
  });
  caches.consumerGroups.addHandlers({
    add: (o) => enqueue('consumergroup', objectKey(o)),
    update: (_, o) => enqueue('consumergroup', objectKey(o)),
  });
  for (const cache of [caches.statefulSets, caches.services, caches.configMaps, caches.podDisruptionBudgets])
    cache.addHandlers(onChild as never);
  // A pod is owned by its StatefulSet; its cluster is the StatefulSet's owner.
  const onPod = (pod: KubeObject) => {
    for (const ref of pod.metadata.ownerReferences ?? []) {
      if (ref.kind !== 'StatefulSet') continue;
      const statefulSet = caches.statefulSets.get(pod.metadata.namespace, ref.name);
      if (statefulSet) enqueueOwners(statefulSet);
    }
  };
  caches.pods.addHandlers({ add: onPod, update: (_, p) => onPod(p), delete: onPod });

  const startControllers = () => {
    if (running) return;
    const queue = () => new WorkQueue({ clock, rateLimiter: controllerRateLimiter(clock, deps.rateLimiter) });
    const queues = {
      nameservercluster: queue(),
      brokercluster: queue(),
      topic: queue(),
      consumergroup: queue(),
    };
    const runner = (
      name: ControllerName,
      reconcile: (key: string) => ReturnType<typeof reconcileBrokerCluster>,
    ) =>
      new ControllerRunner({
        name,
        queue: queues[name],
        reconcile,
        workers: config.workers,
        clock,
        logger,
        observer: metrics,
      });
    const runners = [
      runner('nameservercluster', (key) => reconcileNameServerCluster(ctx, key)),
      runner('brokercluster', (key) => reconcileBrokerCluster(ctx, key)),
      runner('topic', (key) => reconcileTopic(ctx, key)),
      runner('consumergroup', (key) => reconcileConsumerGroup(ctx, key)),
    ];
    running = { queues, runners };
    for (const r of runners) r.start();
    for (const o of caches.nameServerClusters.list()) queues.nameservercluster.add(objectKey(o));
    for (const o of caches.brokerClusters.list()) queues.brokercluster.add(objectKey(o));
    for (const o of caches.topics.list()) queues.topic.add(objectKey(o));
    for (const o of caches.consumerGroups.list()) queues.consumergroup.add(objectKey(o));
    logger.info(
      { identity, namespaces: namespaces.length === 0 ? 'all' : namespaces },
      'controllers started',
    );
  };
  const stopControllers = async () => {
    const current = running;
    running = undefined;
    if (current) await Promise.all(current.runners.map((r) => r.stop()));
  };

  const readiness = (): ReadinessReport => {
    const informers = Object.fromEntries(
      Object.entries(caches).map(([name, cache]) => [name, (cache as InformerSet<KubeObject>).describe()]),
    );
    return {
      ready: requiredInformers.every((i) => i.hasSynced),
      checks: { informers, leader, identity, leaderElection: config.leaderElection },
    };
  };

  return {
    get isLeader() {
      return leader;
    },
    identity,
    get httpAddress() {
      return httpAddress;
    },
    metrics,
    readiness,
    async start() {
      admin = buildAdminServer({ registry, logger, readiness });
      httpAddress = await admin.listen({ host: config.httpHost, port: config.httpPort });
      for (const i of allInformers) i.start();
      // Controllers start once every cache is synced (a reconcile on a half-filled cache would see groups
      // missing); start() does not wait for that, so a missing CRD shows in /readyz and the logs instead of
      // hanging the process.
      synced = Promise.all(requiredInformers.map((i) => i.waitForSync())).then(() => {
        if (stopped) return;
        if (!config.leaderElection) {
          leader = true;
          startControllers();
          return;
        }
        elector = new LeaderElector({
          client,
          namespace: config.leaseNamespace || connection.namespace || 'default',
          leaseName: config.leaseName,
          identity,
          leaseDurationMs: config.leaseDurationSeconds * 1000,
          renewDeadlineMs: config.renewDeadlineSeconds * 1000,
          retryPeriodMs: config.retryPeriodSeconds * 1000,
          clock,
          logger,
          onStartedLeading: () => {
            leader = true;
            startControllers();
          },
          onStoppedLeading: () => {
            leader = false;
            void stopControllers();
          },
        });
        elector.start();
      });
    },
    waitForSync() {
      return synced;
    },
    async stop() {
      stopped = true;
      await stopControllers();
      await elector?.stop();
      leader = false;
      for (const i of allInformers) i.stop();
      await admin?.close();
      client.close();
    },
  };
}

import type { Clock, Logger } from '@skyrocket/common';
import type { BrokerAdmin } from '../broker-admin/client';
import type { EventRecorder } from '../runtime/events';
import type { Cache } from '../runtime/informer-set';
import type { KubeClient } from '../runtime/kube-client';
import type { KubeObject } from '../runtime/types';

/** The fields of Pods, StatefulSets and PVCs the controllers read (wire JSON). */
export interface PodObject extends KubeObject {
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: Array<{ type: string; status: string }>;
  };
}

export interface StatefulSetObject extends KubeObject {
  spec?: { replicas?: number; serviceName?: string; updateStrategy?: { type?: string } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    currentReplicas?: number;
    updatedReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
}

/** Where a broker pod's HTTP admin API is: the default is its per-pod DNS name through the group's headless Service. */
export type BrokerAdminUrlResolver = (pod: {
  namespace: string;
  pod: string;
  service: string;
  port: number;
}) => string;

export function brokerAdminUrlFromTemplate(template: string): BrokerAdminUrlResolver {
  return ({ namespace, pod, service, port }) =>
    template
      .replaceAll('{pod}', pod)
      .replaceAll('{service}', service)
      .replaceAll('{namespace}', namespace)
      .replaceAll('{port}', String(port));
}

export interface ControllerCaches {
  nameServerClusters: Cache<KubeObject>;
  brokerClusters: Cache<KubeObject>;
  topics: Cache<KubeObject>;
  consumerGroups: Cache<KubeObject>;
  statefulSets: Cache<StatefulSetObject>;
  services: Cache<KubeObject>;
  configMaps: Cache<KubeObject>;
  podDisruptionBudgets: Cache<KubeObject>;
  pods: Cache<PodObject>;
}

/** What reconciles share; no global state: everything per cluster comes from the CR and the caches. */
export interface ControllerContext {
  client: KubeClient;
  caches: ControllerCaches;
  events: EventRecorder;
  brokerAdmin: BrokerAdmin;
  brokerAdminUrl: BrokerAdminUrlResolver;
  clock: Clock;
  logger: Logger;
  /** How long removed groups may take to drain before the cluster reports DrainBlocked. */
  drainTimeoutMs: number;
  /** How often a reconcile waiting on something outside the apiserver (drains, rolls, registration) looks again. */
  pollIntervalMs: number;
  /** Image for CRs without spec.image. */
  defaultImage?: string;
  /**
   * uids of broker StatefulSets this operator deleted (scale-down), with when: a reconcile that runs before the
   * informer has seen the deletion must not start draining the group again.
   */
  recentlyDeleted: Map<string, number>;
}

export function isPodReady(pod: PodObject): boolean {
  return (
    pod.metadata.deletionTimestamp === undefined &&
    (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/** A StatefulSet pod's ordinal: the number after the last dash of its name. */
export function podOrdinal(name: string): number {
  const match = /-(\d+)$/.exec(name);
  return match ? Number(match[1]) : -1;
}

export function isPaused(object: KubeObject): boolean {
  return object.metadata.annotations?.['skyrocket.dev/paused'] === 'true';
}

import { createHash } from 'node:crypto';
import type {
  V1ConfigMap,
  V1OwnerReference,
  V1PodDisruptionBudget,
  V1Service,
  V1StatefulSet,
} from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { BrokerClusterSpecInput } from '../api/broker-cluster';
import { API_GROUP_VERSION, LABELS } from '../api/common';
import type { NameServerClusterSpecInput } from '../api/name-server-cluster';

/**
 * What every builder returns: a complete object for server-side apply (apiVersion, kind, name, namespace, labels,
 * the controller owner reference), typed with client-node's models. The metadata is narrowed to what builders set,
 * so the objects also fit the runtime's own JSON types (no Date-typed timestamps).
 */
export interface ChildMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences: V1OwnerReference[];
}

export type Child<T> = Omit<T, 'metadata' | 'apiVersion' | 'kind' | 'status'> & {
  apiVersion: string;
  kind: string;
  metadata: ChildMeta;
};

export type ChildStatefulSet = Child<V1StatefulSet>;
export type ChildService = Child<V1Service>;
export type ChildConfigMap = Child<V1ConfigMap>;
export type ChildPodDisruptionBudget = Child<V1PodDisruptionBudget>;
export type ChildObject = ChildStatefulSet | ChildService | ChildConfigMap | ChildPodDisruptionBudget;

/** The CR fields builders read from metadata. */
export interface OwnerMeta {
  name: string;
  namespace?: string | undefined;
  uid?: string | undefined;
}

/**
 * What builders take: a CR's metadata and its spec as stored (the apiserver fills defaults; builders parse the spec
 * with the zod schema again, so an object from anywhere gets the same defaults).
 */
export interface NameServerClusterLike {
  metadata: OwnerMeta;
  spec?: NameServerClusterSpecInput | undefined;
}
export interface BrokerClusterLike {
  metadata: OwnerMeta;
  spec?: BrokerClusterSpecInput | undefined;
}

export interface Owner {
  kind: 'NameServerCluster' | 'BrokerCluster';
  metadata: OwnerMeta;
}

/** The image when a CR names none and the operator was not given --default-image. */
export const DEFAULT_IMAGE = 'ghcr.io/skyrocket/skyrocket:0.1.0';
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
export const MANAGED_BY = 'skyrocket-operator';

/** Operator-wide settings builders need beside the CR. */
export interface BuildOptions {
  /** Image for CRs without spec.image (the operator's --default-image). */
  defaultImage?: string;
  /** The cluster's DNS domain (kubelet --cluster-domain), for fully qualified Service names. */
  clusterDomain?: string;
}

export function namespaceOf(owner: Owner): string {
  return owner.metadata.namespace ?? 'default';
}

/** The controller reference every child carries: garbage collection and mapping child events to the CR. */
export function controllerReference(owner: Owner): V1OwnerReference {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export type Component = 'nameserver' | 'broker';

/** Labels that select a cluster's pods; never change for a CR (a StatefulSet's selector is immutable). */
export function selectorLabels(owner: Owner, component: Component): Record<string, string> {
  return {
    [LABELS.name]: 'skyrocket',
    [LABELS.component]: component,
    [LABELS.cluster]: owner.metadata.name,
  };
}

/** Labels on every child object of a CR. */
export function commonLabels(owner: Owner, component: Component): Record<string, string> {
  return {
    ...selectorLabels(owner, component),
    [LABELS.instance]: owner.metadata.name,
    [LABELS.partOf]: 'skyrocket',
    [LABELS.managedBy]: MANAGED_BY,
  };
}

/** "k=v,k=v" in key order: a label selector string (status.selector of the scale subresource). */
export function selectorString(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key] ?? ''}`)
    .join(',');
}

export function childMeta(
  owner: Owner,
  name: string,
  labels: Record<string, string>,
  annotations?: Record<string, string>,
): ChildMeta {
  return {
    name,
    namespace: namespaceOf(owner),
    labels,
    ...(annotations ? { annotations } : {}),
    ownerReferences: [controllerReference(owner)],
  };
}

/**
 * A short, stable hash of configuration (objects hashed with their keys sorted). Put on a pod template as
 * `skyrocket.dev/config-hash`, it makes a config change a template change, so pods roll onto the new config.
 */
export function configHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

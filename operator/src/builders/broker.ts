import type { V1Container, V1PersistentVolumeClaim, V1PodTemplateSpec } from '@kubernetes/client-node' with {
  'resolution-mode': 'import',
};
import { ANNOTATIONS, LABELS } from '../api/common';
import type { BrokerClusterSpec } from '../api/broker-cluster';
import { BrokerClusterSpecSchema } from '../api/broker-cluster';
import {
  DEFAULT_IMAGE,
  childMeta,
  commonLabels,
  configHash,
  selectorLabels,
  selectorString,
  type BuildOptions,
  type ChildConfigMap,
  type ChildObject,
  type ChildPodDisruptionBudget,
  type ChildService,
  type ChildStatefulSet,
  type BrokerClusterLike,
  type NameServerClusterLike,
  type Owner,
} from './meta';
import { nameServerDnsAddress } from './name-server';
import {
  HOSTNAME_TOPOLOGY_KEY,
  containerBase,
  httpProbe,
  mergeAffinity,
  mergeEnv,
  podIdentityEnv,
  podSpecOverrides,
  prometheusAnnotations,
} from './pod';

/**
 * BrokerCluster → for each group g: ConfigMap `<name>-g<g>-config`, headless Service `<name>-g<g>`, StatefulSet
 * `<name>-g<g>`, PodDisruptionBudget `<name>-g<g>`.
 *
 * Decisions:
 * - Pod ordinal = brokerId: ordinal 0 is the master, 1..n the slaves. The ConfigMap holds one complete broker config
 *   file per pod (`<pod name>.json`, with its brokerId and brokerRole), and the container runs
 *   `skyrocket broker --config /etc/skyrocket/$(POD_NAME).json` — Kubernetes expands $(POD_NAME) from the
 *   downward-API variable, so no shell or entrypoint script is needed to derive identity from the hostname.
 *   replicasPerGroup is immutable, so the set of files never changes.
 * - updateStrategy OnDelete: the StatefulSet controller never restarts brokers by itself; the operator rolls one pod
 *   at a time, slaves before the master, each after the previous one is ready and registered with every NameServer.
 * - podManagementPolicy Parallel: a group's pods start together (a slave waits for its master on its own), and a
 *   master that is down does not keep its slaves from being re-created, as OrderedReady would.
 * - namesrvAddr is `dns:<nameserver headless Service>:<port>` for a nameServerRef, so NameServers scaling or
 *   restarting never restarts a broker (DESIGN.md §5).
 * - The config hash (ConfigMap contents) is a pod template annotation: a config change is a template change, a new
 *   StatefulSet revision, and the operator's roll picks it up.
 * - Volumes: persistentVolumeClaimRetentionPolicy.whenDeleted follows spec.storage.reclaimPolicy, so removing a
 *   group's StatefulSet deletes its PVCs only when the user asked for Delete (Retain keeps them, and a re-added group
 *   gets its data back); PVCs are never owned by the CR itself (RabbitMQ operator #855).
 */

const COMPONENT = 'broker';
export const BROKER_CONFIG_DIR = '/etc/skyrocket';
export const BROKER_DATA_DIR = '/var/lib/skyrocket';
export const BROKER_DATA_VOLUME = 'data';

function brokerOwner(cr: BrokerClusterLike): Owner {
  return { kind: 'BrokerCluster', metadata: cr.metadata };
}

function specOf(cr: BrokerClusterLike): BrokerClusterSpec {
  return BrokerClusterSpecSchema.parse(cr.spec ?? {});
}

/** brokerName of group `index`, also the name of its StatefulSet, headless Service and PDB. */
export function brokerGroupName(cr: { metadata: { name: string } }, index: number): string {
  return `${cr.metadata.name}-g${index}`;
}

export function brokerConfigMapName(cr: { metadata: { name: string } }, index: number): string {
  return `${brokerGroupName(cr, index)}-config`;
}

/** Pod `ordinal` of group `index` (StatefulSet naming), whose brokerId is `ordinal`. */
export function brokerPodName(cr: { metadata: { name: string } }, index: number, ordinal: number): string {
  return `${brokerGroupName(cr, index)}-${ordinal}`;
}

/**
 * PVC names of group `index` (the StatefulSet controller names them `<template>-<pod>`). A StatefulSet's
 * volumeClaimTemplates are immutable, so growing spec.storage.size means patching these PVCs to
 * `brokerStorageRequest(cr)` and re-creating the StatefulSet with propagationPolicy Orphan (pods keep running).
 */
export function brokerPersistentVolumeClaimNames(cr: BrokerClusterLike, index: number): string[] {
  const spec = specOf(cr);
  return Array.from(
    { length: spec.replicasPerGroup },
    (_, ordinal) => `${BROKER_DATA_VOLUME}-${brokerPodName(cr, index, ordinal)}`,
  );
}

/** The storage request every broker PVC should have (spec.storage.size as a string quantity). */
export function brokerStorageRequest(cr: BrokerClusterLike): string {
  return String(specOf(cr).storage.size);
}

/** The group index of a StatefulSet/pod name of this cluster, or undefined when it is not one of its groups. */
export function brokerGroupIndexOf(
  cr: { metadata: { name: string } },
  groupName: string,
): number | undefined {
  const prefix = `${cr.metadata.name}-g`;
  if (!groupName.startsWith(prefix)) return undefined;
  const rest = groupName.slice(prefix.length);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : undefined;
}

/** Labels selecting one group's pods. */
export function brokerGroupSelectorLabels(cr: BrokerClusterLike, index: number): Record<string, string> {
  return { ...selectorLabels(brokerOwner(cr), COMPONENT), [LABELS.group]: brokerGroupName(cr, index) };
}

/** status.selector (the scale subresource's labelSelectorPath): every broker pod of the cluster. */
export function brokerSelector(cr: BrokerClusterLike): string {
  return selectorString(selectorLabels(brokerOwner(cr), COMPONENT));
}

/**
 * The namesrvAddr of a BrokerCluster: its static `nameServerAddresses`, or the referenced NameServerCluster's
 * `dns:` address. Undefined when it references a NameServerCluster that was not found.
 */
export function brokerNameServerAddress(
  cr: BrokerClusterLike,
  nameServerCluster: NameServerClusterLike | undefined,
  options: BuildOptions = {},
): string | undefined {
  if (cr.spec?.nameServerAddresses) return cr.spec.nameServerAddresses;
  return nameServerCluster ? nameServerDnsAddress(nameServerCluster, options) : undefined;
}

/** Where to find the NameServerCluster a BrokerCluster references (its own namespace unless it names another). */
export function nameServerRefOf(cr: BrokerClusterLike): { namespace: string; name: string } | undefined {
  const ref = cr.spec?.nameServerRef;
  if (!ref) return undefined;
  return { namespace: ref.namespace ?? cr.metadata.namespace ?? 'default', name: ref.name };
}

export interface BrokerGroupContext extends BuildOptions {
  /** namesrvAddr for the brokers: brokerNameServerAddress(...). */
  nameServerAddress: string;
}

export type BrokerRole = 'ASYNC_MASTER' | 'SYNC_MASTER' | 'SLAVE';

export function brokerRoleOf(spec: Pick<BrokerClusterSpec, 'replicationMode'>, brokerId: number): BrokerRole {
  if (brokerId > 0) return 'SLAVE';
  return spec.replicationMode === 'SYNC' ? 'SYNC_MASTER' : 'ASYNC_MASTER';
}

/**
 * The broker config file of each pod of group `index`, keyed by ConfigMap key (`<pod name>.json`). Field names
 * are broker/src/config.ts's; overrides from spec.brokerConfig come last (the CRD refuses the operator's own keys).
 */
export function brokerConfigFiles(
  cr: BrokerClusterLike,
  index: number,
  context: BrokerGroupContext,
): Record<string, string> {
  const spec = specOf(cr);
  const files: Record<string, string> = {};
  for (let brokerId = 0; brokerId < spec.replicasPerGroup; brokerId++) {
    const config: Record<string, string | number> = {
      brokerClusterName: cr.metadata.name,
      brokerName: brokerGroupName(cr, index),
      brokerId,
      brokerRole: brokerRoleOf(spec, brokerId),
      namesrvAddr: context.nameServerAddress,
      listenPort: spec.ports.remoting,
      haListenPort: spec.ports.ha,
      httpPort: spec.ports.http,
      storePathRootDir: `${BROKER_DATA_DIR}/store`,
      flushDiskType: spec.flushDiskType,
    };
    const overrides = spec.brokerConfig ?? {};
    for (const key of Object.keys(overrides).sort()) config[key] = overrides[key] ?? '';
    files[`${brokerPodName(cr, index, brokerId)}.json`] = `${JSON.stringify(config, null, 2)}\n`;
  }
  return files;
}

/** Every child of broker group `index`, in apply order (config and Service before the StatefulSet using them). */
export function brokerGroupChildren(
  cr: BrokerClusterLike,
  index: number,
  context: BrokerGroupContext,
): ChildObject[] {
  const configMap = brokerConfigMap(cr, index, context);
  return [
    configMap,
    brokerHeadlessService(cr, index),
    brokerStatefulSet(cr, index, context, configHash(configMap.data)),
    brokerPodDisruptionBudget(cr, index),
  ];
}

function groupLabels(cr: BrokerClusterLike, index: number): Record<string, string> {
  return {
    ...commonLabels(brokerOwner(cr), COMPONENT),
    [LABELS.group]: brokerGroupName(cr, index),
    [LABELS.groupIndex]: String(index),
  };
}

export function brokerConfigMap(
  cr: BrokerClusterLike,
  index: number,
  context: BrokerGroupContext,
): ChildConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMeta(brokerOwner(cr), brokerConfigMapName(cr, index), groupLabels(cr, index)),
    data: brokerConfigFiles(cr, index, context),
  };
}

export function brokerHeadlessService(cr: BrokerClusterLike, index: number): ChildService {
  const spec = specOf(cr);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(brokerOwner(cr), brokerGroupName(cr, index), groupLabels(cr, index)),
    spec: {
      clusterIP: 'None',
      // Per-pod DNS from the start: a slave reaches its master, and tools reach a broker, before it is ready.
      publishNotReadyAddresses: true,
      selector: brokerGroupSelectorLabels(cr, index),
      ports: [
        { name: 'remoting', port: spec.ports.remoting, targetPort: 'remoting', protocol: 'TCP' },
        { name: 'vip', port: spec.ports.remoting - 2, targetPort: 'vip', protocol: 'TCP' },
        { name: 'ha', port: spec.ports.ha, targetPort: 'ha', protocol: 'TCP' },
        { name: 'http', port: spec.ports.http, targetPort: 'http', protocol: 'TCP' },
      ],
    },
  };
}

export function brokerStatefulSet(
  cr: BrokerClusterLike,
  index: number,
  context: BrokerGroupContext,
  hash = configHash(brokerConfigFiles(cr, index, context)),
): ChildStatefulSet {
  const owner = brokerOwner(cr);
  const spec = specOf(cr);
  const labels = groupLabels(cr, index);
  const container: V1Container = {
    ...containerBase({
      name: COMPONENT,
      image: spec.image ?? context.defaultImage ?? DEFAULT_IMAGE,
      imagePullPolicy: spec.imagePullPolicy,
      resources: spec.resources,
      pod: spec.pod,
    }),
    args: ['broker', '--config', `${BROKER_CONFIG_DIR}/$(POD_NAME).json`],
    env: mergeEnv(podIdentityEnv(), spec.env),
    ports: [
      { name: 'remoting', containerPort: spec.ports.remoting, protocol: 'TCP' },
      // The VIP channel (remoting - 2, docs/replication.md): Java slaves fetch a master's metadata there.
      { name: 'vip', containerPort: spec.ports.remoting - 2, protocol: 'TCP' },
      { name: 'ha', containerPort: spec.ports.ha, protocol: 'TCP' },
      { name: 'http', containerPort: spec.ports.http, protocol: 'TCP' },
    ],
    // Recovery replays the commit log tail and rebuilds consume queues: allow it up to 10 minutes before liveness.
    startupProbe: httpProbe('/healthz', 'http', { periodSeconds: 5, failureThreshold: 120 }),
    readinessProbe: httpProbe('/readyz', 'http', { periodSeconds: 5, failureThreshold: 2 }),
    livenessProbe: httpProbe('/healthz', 'http', { periodSeconds: 10, failureThreshold: 3 }),
    volumeMounts: [
      { name: BROKER_DATA_VOLUME, mountPath: BROKER_DATA_DIR },
      { name: 'config', mountPath: BROKER_CONFIG_DIR, readOnly: true },
    ],
  };
  const template: V1PodTemplateSpec = {
    metadata: {
      labels: { ...(spec.pod?.labels ?? {}), ...labels },
      annotations: {
        ...(spec.pod?.annotations ?? {}),
        ...prometheusAnnotations(spec.ports.http),
        [ANNOTATIONS.configHash]: hash,
      },
    },
    spec: {
      ...podSpecOverrides(spec.pod, spec.imagePullSecrets),
      // Service links would add <SERVICE>_PORT variables; one named like SKYROCKET_BROKER_<FIELD> would be read as
      // configuration.
      enableServiceLinks: false,
      affinity: mergeAffinity(
        spec.pod?.affinity,
        {
          labelSelector: { matchLabels: brokerGroupSelectorLabels(cr, index) },
          topologyKey: HOSTNAME_TOPOLOGY_KEY,
        },
        spec.antiAffinity,
      ),
      // Time to unregister from every NameServer and flush on SIGTERM.
      terminationGracePeriodSeconds: spec.pod?.terminationGracePeriodSeconds ?? 60,
      containers: [container],
      volumes: [{ name: 'config', configMap: { name: brokerConfigMapName(cr, index) } }],
    },
  };
  const claim: V1PersistentVolumeClaim = {
    metadata: { name: BROKER_DATA_VOLUME, labels },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: String(spec.storage.size) } },
      ...(spec.storage.storageClassName ? { storageClassName: spec.storage.storageClassName } : {}),
    },
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: childMeta(owner, brokerGroupName(cr, index), labels),
    spec: {
      replicas: spec.replicasPerGroup,
      serviceName: brokerGroupName(cr, index),
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'OnDelete' },
      persistentVolumeClaimRetentionPolicy: {
        whenDeleted: spec.storage.reclaimPolicy,
        whenScaled: 'Retain',
      },
      selector: { matchLabels: brokerGroupSelectorLabels(cr, index) },
      template,
      volumeClaimTemplates: [claim],
    },
  };
}

export function brokerPodDisruptionBudget(cr: BrokerClusterLike, index: number): ChildPodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMeta(brokerOwner(cr), brokerGroupName(cr, index), groupLabels(cr, index)),
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: brokerGroupSelectorLabels(cr, index) },
    },
  };
}

import type { V1Container, V1PodTemplateSpec } from '@kubernetes/client-node' with {
  'resolution-mode': 'import',
};
import type { NameServerClusterSpec } from '../api/name-server-cluster';
import { NameServerClusterSpecSchema } from '../api/name-server-cluster';
import {
  DEFAULT_CLUSTER_DOMAIN,
  DEFAULT_IMAGE,
  childMeta,
  commonLabels,
  namespaceOf,
  selectorLabels,
  selectorString,
  type BuildOptions,
  type ChildObject,
  type ChildPodDisruptionBudget,
  type ChildService,
  type ChildStatefulSet,
  type NameServerClusterLike,
  type Owner,
} from './meta';
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
 * NameServerCluster → StatefulSet `<name>`, headless Service `<name>-headless`, client Service `<name>`,
 * PodDisruptionBudget `<name>`.
 *
 * Decisions:
 * - The headless Service publishes only *ready* NameServers (publishNotReadyAddresses: false). Brokers resolve
 *   `dns:<name>-headless...:<port>` before every registration round (DESIGN.md §5), and NameServers answer
 *   /rocketmq/nsaddr from the same name, so the list brokers and clients see is exactly the NameServers that can
 *   serve — rocketmq-operator's partial/stale IP lists (#227) cannot happen, and NameServers come and go without any
 *   broker restart (#28, #52). NameServers are stateless and never talk to each other, so they need no DNS before
 *   they are ready.
 * - podManagementPolicy Parallel (stateless, no ordering to protect) and the StatefulSet's own RollingUpdate (one pod
 *   at a time, each waiting for readiness): a NameServer restart costs brokers nothing but one registration round.
 * - Configuration is passed as SKYROCKET_NAMESERVER_* variables (no ConfigMap): a change is a template change and
 *   rolls the pods by itself.
 */

const COMPONENT = 'nameserver';

export function nameServerStatefulSetName(cr: { metadata: { name: string } }): string {
  return cr.metadata.name;
}
export function nameServerHeadlessServiceName(cr: { metadata: { name: string } }): string {
  return `${cr.metadata.name}-headless`;
}
export function nameServerClientServiceName(cr: { metadata: { name: string } }): string {
  return cr.metadata.name;
}

/** Spec with defaults filled in, for CRs read from somewhere that did not default them. */
function specOf(cr: NameServerClusterLike): NameServerClusterSpec {
  return NameServerClusterSpecSchema.parse(cr.spec ?? {});
}

/**
 * The namesrvAddr brokers get for this NameServerCluster: `dns:<headless>.<ns>.svc.<domain>:<remoting port>`,
 * resolved by the broker before each registration round to every ready NameServer's address.
 */
export function nameServerDnsAddress(cr: NameServerClusterLike, options: BuildOptions = {}): string {
  const domain = options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  const spec = specOf(cr);
  return `dns:${nameServerHeadlessServiceName(cr)}.${namespaceOf(nameServerOwner(cr))}.svc.${domain}:${spec.ports.remoting}`;
}

/** status.selector (the scale subresource's labelSelectorPath) of a NameServerCluster. */
export function nameServerSelector(cr: NameServerClusterLike): string {
  return selectorString(selectorLabels(nameServerOwner(cr), COMPONENT));
}

function nameServerOwner(cr: NameServerClusterLike): Owner {
  return { kind: 'NameServerCluster', metadata: cr.metadata };
}

/** Every child of a NameServerCluster, in apply order (Services before the StatefulSet that names one). */
export function nameServerChildren(cr: NameServerClusterLike, options: BuildOptions = {}): ChildObject[] {
  return [
    nameServerHeadlessService(cr),
    nameServerClientService(cr),
    nameServerStatefulSet(cr, options),
    nameServerPodDisruptionBudget(cr),
  ];
}

function servicePorts(spec: NameServerClusterSpec) {
  return [
    { name: 'remoting', port: spec.ports.remoting, targetPort: 'remoting', protocol: 'TCP' },
    { name: 'http', port: spec.ports.http, targetPort: 'http', protocol: 'TCP' },
  ];
}

export function nameServerHeadlessService(cr: NameServerClusterLike): ChildService {
  const owner = nameServerOwner(cr);
  const spec = specOf(cr);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(owner, nameServerHeadlessServiceName(cr), commonLabels(owner, COMPONENT)),
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: false,
      selector: selectorLabels(owner, COMPONENT),
      ports: servicePorts(spec),
    },
  };
}

export function nameServerClientService(cr: NameServerClusterLike): ChildService {
  const owner = nameServerOwner(cr);
  const spec = specOf(cr);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(owner, nameServerClientServiceName(cr), commonLabels(owner, COMPONENT)),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(owner, COMPONENT),
      ports: servicePorts(spec),
    },
  };
}

export function nameServerStatefulSet(
  cr: NameServerClusterLike,
  options: BuildOptions = {},
): ChildStatefulSet {
  const owner = nameServerOwner(cr);
  const spec = specOf(cr);
  const labels = commonLabels(owner, COMPONENT);
  const container: V1Container = {
    ...containerBase({
      name: COMPONENT,
      image: spec.image ?? options.defaultImage ?? DEFAULT_IMAGE,
      imagePullPolicy: spec.imagePullPolicy,
      resources: spec.resources,
      pod: spec.pod,
    }),
    args: ['nameserver'],
    env: mergeEnv(
      [
        ...podIdentityEnv(),
        { name: 'SKYROCKET_NAMESERVER_LISTEN_PORT', value: String(spec.ports.remoting) },
        { name: 'SKYROCKET_NAMESERVER_HTTP_PORT', value: String(spec.ports.http) },
        // GET /rocketmq/nsaddr answers with every ready NameServer (RocketMQ's address-server contract).
        { name: 'SKYROCKET_NAMESERVER_NAME_SERVER_ADDRESSES', value: nameServerDnsAddress(cr, options) },
      ],
      spec.env,
    ),
    ports: [
      { name: 'remoting', containerPort: spec.ports.remoting, protocol: 'TCP' },
      { name: 'http', containerPort: spec.ports.http, protocol: 'TCP' },
    ],
    startupProbe: httpProbe('/healthz', 'http', { periodSeconds: 2, failureThreshold: 60 }),
    readinessProbe: httpProbe('/readyz', 'http', { periodSeconds: 5, failureThreshold: 2 }),
    livenessProbe: httpProbe('/healthz', 'http', { periodSeconds: 10, failureThreshold: 3 }),
  };
  const template: V1PodTemplateSpec = {
    metadata: {
      labels: { ...(spec.pod?.labels ?? {}), ...labels },
      annotations: { ...(spec.pod?.annotations ?? {}), ...prometheusAnnotations(spec.ports.http) },
    },
    spec: {
      ...podSpecOverrides(spec.pod, spec.imagePullSecrets),
      // Service links would add <SERVICE>_PORT variables; one named like SKYROCKET_NAMESERVER_<FIELD> would be
      // read as configuration.
      enableServiceLinks: false,
      affinity: mergeAffinity(
        spec.pod?.affinity,
        {
          labelSelector: { matchLabels: selectorLabels(owner, COMPONENT) },
          topologyKey: HOSTNAME_TOPOLOGY_KEY,
        },
        'preferred',
      ),
      ...(spec.pod?.terminationGracePeriodSeconds !== undefined
        ? { terminationGracePeriodSeconds: spec.pod.terminationGracePeriodSeconds }
        : {}),
      containers: [container],
    },
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: childMeta(owner, nameServerStatefulSetName(cr), labels),
    spec: {
      replicas: spec.replicas,
      serviceName: nameServerHeadlessServiceName(cr),
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate' },
      selector: { matchLabels: selectorLabels(owner, COMPONENT) },
      template,
    },
  };
}

export function nameServerPodDisruptionBudget(cr: NameServerClusterLike): ChildPodDisruptionBudget {
  const owner = nameServerOwner(cr);
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMeta(owner, nameServerStatefulSetName(cr), commonLabels(owner, COMPONENT)),
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: selectorLabels(owner, COMPONENT) },
    },
  };
}

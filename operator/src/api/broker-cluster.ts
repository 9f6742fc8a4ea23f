import { z } from 'zod';
import {
  API_GROUP_VERSION,
  ConditionsSchema,
  ObservedGenerationSchema,
  DNS_SUBDOMAIN,
  ImagePullPolicySchema,
  ImagePullSecretsSchema,
  ImageSchema,
  PodOverridesSchema,
  ResourcesSchema,
  cel,
  envSchema,
  immutable,
  portSchema,
  quantity,
} from './common';

/** Longest BrokerCluster name: pods are `<name>-g<group>-<ordinal>` and their revision label `<name>-g<group>-<hash>`. */
export const BROKER_CLUSTER_NAME_MAX = 40;
export const MAX_GROUPS = 128;
export const MAX_REPLICAS_PER_GROUP = 8;

/**
 * Broker configuration fields the operator sets itself (broker/src/config.ts names); `brokerConfig` may not set them,
 * each has its own spec field or is derived from the pod.
 */
export const OPERATOR_MANAGED_BROKER_KEYS = [
  'brokerClusterName',
  'brokerName',
  'brokerId',
  'brokerRole',
  'namesrvAddr',
  'listenHost',
  'listenPort',
  'brokerIP1',
  'haListenPort',
  'haMasterAddress',
  'httpHost',
  'httpPort',
  'storePathRootDir',
  'flushDiskType',
] as const;

/**
 * Broker configuration fields `spec.brokerConfig` may set, by value type. The operator cannot import the broker
 * package (DESIGN.md §2), so this mirrors broker/src/config.ts; test/k8s/crd-validation.test.ts fails when the two
 * drift apart.
 */
export const BROKER_CONFIG_KEYS = {
  integer: [
    'registerNameServerPeriodMillis',
    'registerBrokerTimeoutMillis',
    'mappedFileSizeCommitLog',
    'maxMessageSize',
    'fileReservedTime',
    'diskMaxUsedSpaceRatio',
    'cleanResourceInterval',
    'flushIntervalCommitLog',
    'syncFlushTimeout',
    'truncateCorruptedAt',
    'defaultTopicQueueNums',
    'shortPollingTimeMills',
    'maxReconsumeTimes',
    'channelExpiredTimeoutMillis',
    'transactionTimeOut',
    'transactionCheckMax',
    'transactionCheckInterval',
    'haSendHeartbeatInterval',
    'haHousekeepingInterval',
    'slaveTimeout',
  ],
  boolean: [
    'autoCreateTopicEnable',
    'autoCreateSubscriptionGroup',
    'longPollingEnable',
    'rejectTransactionMessage',
  ],
  string: ['messageDelayLevel', 'logLevel'],
} as const;

const allBrokerConfigKeys = [
  ...BROKER_CONFIG_KEYS.integer,
  ...BROKER_CONFIG_KEYS.boolean,
  ...BROKER_CONFIG_KEYS.string,
];
const celList = (keys: readonly string[]) => `[${keys.map((k) => `'${k}'`).join(', ')}]`;

const BrokerConfigOverridesSchema = z
  .record(z.string().max(128), z.string().max(4096))
  .meta({
    maxProperties: 64,
    ...cel(
      {
        rule: `self.all(k, !(k in ${celList(OPERATOR_MANAGED_BROKER_KEYS)}))`,
        message:
          'brokerConfig may not set brokerClusterName, brokerName, brokerId, brokerRole, namesrvAddr, listen/HA/HTTP hosts and ports, brokerIP1, storePathRootDir or flushDiskType: the operator derives them (use spec.flushDiskType, spec.replicationMode, spec.ports, spec.nameServerRef)',
      },
      {
        rule: `self.all(k, k in ${celList(OPERATOR_MANAGED_BROKER_KEYS)} || k in ${celList(allBrokerConfigKeys)})`,
        message: `brokerConfig keys must be broker configuration fields: ${allBrokerConfigKeys.join(', ')}`,
      },
      {
        rule: `self.all(k, !(k in ${celList(BROKER_CONFIG_KEYS.integer)}) || self[k].matches('^-?[0-9]+$'))`,
        message: `brokerConfig values of ${BROKER_CONFIG_KEYS.integer.join(', ')} must be integers`,
      },
      {
        rule: `self.all(k, !(k in ${celList(BROKER_CONFIG_KEYS.boolean)}) || self[k] in ['true', 'false'])`,
        message: `brokerConfig values of ${BROKER_CONFIG_KEYS.boolean.join(', ')} must be "true" or "false"`,
      },
      {
        rule: "!('logLevel' in self) || self.logLevel in ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']",
        message: 'brokerConfig.logLevel must be one of fatal, error, warn, info, debug, trace, silent',
      },
    ),
  })
  .optional()
  .describe(
    'Broker configuration overrides, field name to value (docs/configuration.md, Broker), e.g. {maxMessageSize: "8388608"}. Written into every broker\'s config file; a change rolls the brokers',
  );

const NAME_SERVER_ADDRESSES = /^(dns:[^:;\s]+:[0-9]{1,5}|[^:;\s]+:[0-9]{1,5}(;[^:;\s]+:[0-9]{1,5})*)$/;

interface SpecRule {
  rule: string;
  message: string;
  fieldPath?: string;
  path: string[];
  holds(spec: {
    nameServerRef?: unknown;
    nameServerAddresses?: string | undefined;
    replicationMode: string;
    replicasPerGroup: number;
    ports: { remoting: number; ha: number; http: number };
  }): boolean;
}

const specRules: SpecRule[] = [
  {
    rule: 'has(self.nameServerRef) != has(self.nameServerAddresses)',
    message: 'set exactly one of nameServerRef and nameServerAddresses',
    path: [],
    holds: (spec) => (spec.nameServerRef !== undefined) !== (spec.nameServerAddresses !== undefined),
  },
  {
    rule: "self.replicationMode != 'SYNC' || self.replicasPerGroup >= 2",
    message: 'replicationMode SYNC needs a slave: set replicasPerGroup to 2 or more',
    fieldPath: '.replicationMode',
    path: ['replicationMode'],
    holds: (spec) => spec.replicationMode !== 'SYNC' || spec.replicasPerGroup >= 2,
  },
  {
    // A broker also listens on remoting - 2 (the VIP channel, docs/replication.md): a clash would crash-loop its pods.
    rule: 'self.ports.remoting >= 3 && self.ports.ha != self.ports.remoting && self.ports.ha != self.ports.remoting - 2 && self.ports.http != self.ports.remoting && self.ports.http != self.ports.remoting - 2 && self.ports.http != self.ports.ha',
    message:
      'ports.remoting, ports.remoting - 2 (the VIP channel the broker also serves), ports.ha and ports.http must all differ, and ports.remoting must be at least 3',
    fieldPath: '.ports',
    path: ['ports'],
    holds: ({ ports: { remoting, ha, http } }) =>
      remoting >= 3 && new Set([remoting, remoting - 2, ha, http]).size === 4,
  },
];

export const BrokerClusterSpecSchema = z
  .object({
    nameServerRef: z
      .object({
        name: z.string().min(1).max(253).regex(DNS_SUBDOMAIN).describe('NameServerCluster name'),
        namespace: z
          .string()
          .min(1)
          .max(63)
          .optional()
          .describe("Its namespace (default: this BrokerCluster's namespace)"),
      })
      .optional()
      .describe(
        "The NameServerCluster brokers register with. Brokers get its headless Service's DNS name and resolve it before every registration round, so NameServer scaling and restarts never restart brokers. Exactly one of nameServerRef and nameServerAddresses",
      ),
    nameServerAddresses: z
      .string()
      .max(4096)
      .regex(NAME_SERVER_ADDRESSES)
      .optional()
      .describe(
        'NameServers outside this Kubernetes cluster or not managed here: "host:port;host:port", or "dns:<name>:<port>" to resolve every A/AAAA record of a name. Exactly one of nameServerRef and nameServerAddresses',
      ),
    groups: z
      .number()
      .int()
      .min(0)
      .max(MAX_GROUPS)
      .default(1)
      .describe(
        "Number of broker groups (brokerName <cluster>-g<index>). Scaling up creates groups with the cluster's topics; scaling down makes the removed groups read-only, waits until their consumers have drained them, then deletes them. `kubectl scale` sets this",
      ),
    replicasPerGroup: z
      .number()
      .int()
      .min(1)
      .max(MAX_REPLICAS_PER_GROUP)
      .default(2)
      .meta(immutable('replicasPerGroup'))
      .describe(
        'Brokers per group: one master (brokerId 0, pod ordinal 0) and replicasPerGroup-1 slaves (brokerId = pod ordinal). Immutable',
      ),
    storage: z
      .object({
        size: quantity()
          .default('10Gi')
          .describe("Size of each broker's volume (commit log, queues, metadata). Can grow, never shrink"),
        storageClassName: z
          .string()
          .min(1)
          .max(253)
          .optional()
          .describe("StorageClass of the volumes (default: the cluster's default class). Immutable"),
        reclaimPolicy: z
          .enum(['Retain', 'Delete'])
          .default('Retain')
          .describe(
            "What happens to a group's volumes when the group is removed by scale-down or the cluster is deleted: Retain keeps them (re-adding the group reuses them), Delete deletes them",
          ),
      })
      .meta(
        cel(
          {
            rule: 'quantity(string(self.size)).compareTo(quantity(string(oldSelf.size))) >= 0',
            message: 'storage.size may grow but never shrink',
            fieldPath: '.size',
            reason: 'FieldValueForbidden',
          },
          {
            rule: 'has(self.storageClassName) == has(oldSelf.storageClassName) && (!has(self.storageClassName) || self.storageClassName == oldSelf.storageClassName)',
            message: 'storage.storageClassName is immutable',
            fieldPath: '.storageClassName',
            reason: 'FieldValueForbidden',
          },
        ),
      )
      .default({ size: '10Gi', reclaimPolicy: 'Retain' })
      .describe('Persistent volume of every broker'),
    flushDiskType: z
      .enum(['ASYNC_FLUSH', 'SYNC_FLUSH'])
      .default('ASYNC_FLUSH')
      .describe(
        'ASYNC_FLUSH acknowledges sends before they are on disk (flushed on an interval); SYNC_FLUSH after fdatasync (group commit)',
      ),
    replicationMode: z
      .enum(['ASYNC', 'SYNC'])
      .default('ASYNC')
      .describe(
        'ASYNC: the master (ASYNC_MASTER) acknowledges after its own write; SYNC: the master (SYNC_MASTER) waits until a slave has the bytes. SYNC needs replicasPerGroup >= 2',
      ),
    brokerConfig: BrokerConfigOverridesSchema,
    ports: z
      .object({
        remoting: portSchema('RocketMQ remoting port', 10911),
        ha: portSchema('HA port slaves replicate from', 10912),
        http: portSchema('HTTP admin port: /healthz, /readyz, /metrics, /api/*', 8081),
      })
      .default({ remoting: 10911, ha: 10912, http: 8081 })
      .describe('Container ports'),
    antiAffinity: z
      .enum(['preferred', 'required'])
      .default('preferred')
      .describe(
        "Keeps a group's master and slaves on different nodes: preferred (the scheduler tries) or required (pods stay Pending rather than share a node)",
      ),
    image: ImageSchema,
    imagePullPolicy: ImagePullPolicySchema,
    imagePullSecrets: ImagePullSecretsSchema,
    resources: ResourcesSchema.optional(),
    env: envSchema('SKYROCKET_BROKER_'),
    pod: PodOverridesSchema.optional(),
  })
  // The same cross-field rules twice: CEL for the apiserver, a refinement for objects parsed in the operator.
  .superRefine((spec, ctx) => {
    for (const rule of specRules) {
      if (!rule.holds(spec)) ctx.addIssue({ code: 'custom', message: rule.message, path: rule.path });
    }
  })
  .meta(
    cel(
      ...specRules.map(({ rule, message, fieldPath }) => ({
        rule,
        message,
        ...(fieldPath ? { fieldPath } : {}),
      })),
    ),
  )
  .describe('Desired state of a set of broker groups');

export const BrokerPodStatusSchema = z.object({
  name: z.string().describe('Pod name'),
  brokerId: z.number().int().min(0).describe('0 for the master, the pod ordinal for slaves'),
  role: z.enum(['ASYNC_MASTER', 'SYNC_MASTER', 'SLAVE']).describe('Broker role'),
  ready: z.boolean().describe('The pod is ready'),
  registered: z
    .boolean()
    .optional()
    .describe('The broker is registered with every NameServer (as far as the operator checked)'),
});

export const BrokerGroupStatusSchema = z.object({
  name: z.string().describe('brokerName: <cluster>-g<index>'),
  index: z.number().int().min(0).describe('Group index'),
  phase: z
    .enum(['Creating', 'Ready', 'NotReady', 'Draining', 'DrainBlocked', 'Removing'])
    .describe(
      'Creating, Ready, NotReady; during scale-down Draining (read-only, waiting for consumers), DrainBlocked (cannot finish, see message) and Removing',
    ),
  replicas: z.number().int().min(0).describe('Pods of this group that exist'),
  readyReplicas: z.number().int().min(0).describe('Pods of this group that are ready'),
  pods: z.array(BrokerPodStatusSchema).max(MAX_REPLICAS_PER_GROUP).optional().describe('Per pod'),
  drainStartedAt: z
    .string()
    .meta({ format: 'date-time' })
    .optional()
    .describe('When the group was made read-only for removal'),
  remainingLag: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('Messages consumers have yet to consume from this group (while draining)'),
  message: z.string().max(4096).optional().describe('Why the group is not ready or cannot drain'),
});

export const BrokerClusterStatusSchema = z
  .object({
    observedGeneration: ObservedGenerationSchema,
    conditions: ConditionsSchema,
    groups: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Broker groups that exist, including ones being drained (the scale subresource's replicas)"),
    groupsReady: z.number().int().min(0).optional().describe('Broker groups whose every pod is ready'),
    selector: z.string().optional().describe('Label selector of all broker pods (for the scale subresource)'),
    nameServerAddress: z.string().optional().describe('namesrvAddr the brokers are configured with'),
    nameServerEndpoints: z
      .array(z.string())
      .max(64)
      .optional()
      .describe('host:port of the NameServers that were ready at the last reconcile'),
    brokerGroups: z
      .array(BrokerGroupStatusSchema)
      .max(MAX_GROUPS + 16)
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })
      .optional()
      .describe('Per broker group: readiness, roles and drain state'),
  })
  .describe('Observed state, written by the operator');

export const BrokerClusterSchema = z.object({
  apiVersion: z.literal(API_GROUP_VERSION),
  kind: z.literal('BrokerCluster'),
  metadata: z
    .object({
      name: z.string(),
      namespace: z.string().optional(),
      uid: z.string().optional(),
      generation: z.number().optional(),
      labels: z.record(z.string(), z.string()).optional(),
      annotations: z.record(z.string(), z.string()).optional(),
    })
    .loose(),
  spec: BrokerClusterSpecSchema,
  status: BrokerClusterStatusSchema.optional(),
});

export type BrokerClusterSpec = z.infer<typeof BrokerClusterSpecSchema>;
export type BrokerClusterStatus = z.infer<typeof BrokerClusterStatusSchema>;
export type BrokerGroupStatus = z.infer<typeof BrokerGroupStatusSchema>;
export type BrokerPodStatus = z.infer<typeof BrokerPodStatusSchema>;
export type BrokerCluster = z.infer<typeof BrokerClusterSchema>;
/** A spec as written (defaults not yet filled in): what builders accept. */
export type BrokerClusterSpecInput = z.input<typeof BrokerClusterSpecSchema>;

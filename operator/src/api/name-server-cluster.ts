import { z } from 'zod';
import {
  API_GROUP_VERSION,
  ConditionsSchema,
  ObservedGenerationSchema,
  ImagePullPolicySchema,
  ImagePullSecretsSchema,
  ImageSchema,
  PodOverridesSchema,
  ResourcesSchema,
  envSchema,
  portSchema,
} from './common';

/** Longest NameServerCluster name: `<name>-headless` and the pods' `<name>-<ordinal>` must stay DNS labels. */
export const NAME_SERVER_CLUSTER_NAME_MAX = 45;

export const NameServerClusterSpecSchema = z
  .object({
    replicas: z
      .number()
      .int()
      .min(0)
      .max(32)
      .default(2)
      .describe(
        "Number of NameServers. They are stateless and independent; brokers register with every one through the headless Service's DNS name, so changing this never restarts brokers",
      ),
    image: ImageSchema,
    imagePullPolicy: ImagePullPolicySchema,
    imagePullSecrets: ImagePullSecretsSchema,
    ports: z
      .object({
        remoting: portSchema('RocketMQ remoting port clients and brokers connect to', 9876),
        http: portSchema(
          'HTTP admin port: /healthz, /readyz, /metrics and the address-server endpoint /rocketmq/nsaddr',
          8080,
        ),
      })
      .default({ remoting: 9876, http: 8080 })
      .describe('Container and Service ports'),
    resources: ResourcesSchema.optional(),
    env: envSchema('SKYROCKET_NAMESERVER_'),
    pod: PodOverridesSchema.optional(),
  })
  .describe('Desired state of a set of NameServers');

export const NameServerClusterStatusSchema = z
  .object({
    observedGeneration: ObservedGenerationSchema,
    conditions: ConditionsSchema,
    replicas: z.number().int().min(0).optional().describe('NameServer pods that exist'),
    readyReplicas: z.number().int().min(0).optional().describe('NameServer pods that are ready'),
    selector: z.string().optional().describe('Label selector of the pods (for the scale subresource)'),
    address: z
      .string()
      .optional()
      .describe(
        'What brokers use as namesrvAddr: dns:<headless service>:<port>, resolved by the broker before every registration round',
      ),
    endpoints: z.array(z.string()).max(64).optional().describe('host:port of every ready NameServer'),
  })
  .describe('Observed state, written by the operator');

export const NameServerClusterSchema = z.object({
  apiVersion: z.literal(API_GROUP_VERSION),
  kind: z.literal('NameServerCluster'),
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
  spec: NameServerClusterSpecSchema,
  status: NameServerClusterStatusSchema.optional(),
});

export type NameServerClusterSpec = z.infer<typeof NameServerClusterSpecSchema>;
export type NameServerClusterStatus = z.infer<typeof NameServerClusterStatusSchema>;
export type NameServerCluster = z.infer<typeof NameServerClusterSchema>;
/** A spec as written (defaults not yet filled in): what builders accept. */
export type NameServerClusterSpecInput = z.input<typeof NameServerClusterSpecSchema>;

import { z } from 'zod';
import type { V1CustomResourceDefinition, V1JSONSchemaProps } from '@kubernetes/client-node' with {
  'resolution-mode': 'import',
};
import { API_GROUP, API_VERSION, nameRule } from './common';
import {
  BROKER_CLUSTER_NAME_MAX,
  BrokerClusterSpecSchema,
  BrokerClusterStatusSchema,
} from './broker-cluster';
import {
  NAME_SERVER_CLUSTER_NAME_MAX,
  NameServerClusterSpecSchema,
  NameServerClusterStatusSchema,
} from './name-server-cluster';
import { TOPIC_NAME_MAX, TopicSpecSchema, TopicStatusSchema } from './topic';
import {
  CONSUMER_GROUP_NAME_MAX,
  ConsumerGroupSpecSchema,
  ConsumerGroupStatusSchema,
} from './consumer-group';

/**
 * The CustomResourceDefinitions, generated from the zod schemas (the single source of truth). `z.toJSONSchema` gives
 * JSON Schema; Kubernetes wants a *structural* OpenAPI v3 schema (apiextensions-apiserver pkg/apiserver/schema
 * validation.go): every node typed, no $ref, no anyOf/oneOf except the int-or-string form, no
 * `additionalProperties: false`. `toStructural` converts and refuses anything it cannot express.
 */

export type JsonSchema = { [key: string]: unknown };

const INT_OR_STRING_ANY_OF = [{ type: 'integer' }, { type: 'string' }];

export function toStructural(schema: JsonSchema, path = '$'): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    switch (key) {
      case '$schema':
      case 'propertyNames':
        continue;
      case 'additionalProperties':
        if (value === false) continue;
        out[key] = toStructural(value as JsonSchema, `${path}.*`);
        continue;
      case 'properties':
        out[key] = Object.fromEntries(
          Object.entries(value as Record<string, JsonSchema>).map(([name, sub]) => [
            name,
            toStructural(sub, `${path}.${name}`),
          ]),
        );
        continue;
      case 'items':
        out[key] = toStructural(value as JsonSchema, `${path}[]`);
        continue;
      case 'minimum':
      case 'maximum':
        // z.number().int() bounds itself to the safe-integer range; Kubernetes needs no such bound.
        if (Math.abs(value as number) === Number.MAX_SAFE_INTEGER) continue;
        out[key] = value;
        continue;
      case 'anyOf':
      case 'oneOf':
      case 'allOf':
        if (schema['x-kubernetes-int-or-string'] === true) continue;
        throw new Error(`${path}: ${key} is not structural; model it differently`);
      case '$ref':
      case '$defs':
      case 'definitions':
      case 'not':
        throw new Error(`${path}: ${key} is not allowed in a CRD schema`);
      default:
        out[key] = value;
    }
  }
  if (out['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.anyOf = INT_OR_STRING_ANY_OF;
  } else if (out.type === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    throw new Error(`${path}: no type`);
  }
  return out;
}

/** The structural OpenAPI v3 schema of one zod schema. */
export function openApiSchema(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'openapi-3.0',
    reused: 'inline',
  }) as JsonSchema;
  return toStructural(json);
}

interface CrdSpec {
  kind: string;
  plural: string;
  shortNames: string[];
  description: string;
  spec: z.ZodType;
  status: z.ZodType;
  nameMax: number;
  printerColumns: PrinterColumn[];
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
}

interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'date' | 'number' | 'boolean';
  jsonPath: string;
  description: string;
  priority?: number;
}

const readyColumns: PrinterColumn[] = [
  {
    name: 'Ready',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Ready")].status',
    description: 'The Ready condition',
  },
];
const reasonColumn: PrinterColumn = {
  name: 'Reason',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
  description: 'Why it is or is not ready',
  priority: 1,
};
const ageColumn: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since creation',
};

const definitions: CrdSpec[] = [
  {
    kind: 'NameServerCluster',
    plural: 'nameserverclusters',
    shortNames: ['nsc'],
    description:
      'A set of Skyrocket NameServers (RocketMQ-compatible route registry): a StatefulSet, a headless Service brokers resolve, a client Service and a PodDisruptionBudget',
    spec: NameServerClusterSpecSchema,
    status: NameServerClusterStatusSchema,
    nameMax: NAME_SERVER_CLUSTER_NAME_MAX,
    printerColumns: [
      ...readyColumns,
      {
        name: 'Desired',
        type: 'integer',
        jsonPath: '.spec.replicas',
        description: 'NameServers wanted',
      },
      {
        name: 'Available',
        type: 'integer',
        jsonPath: '.status.readyReplicas',
        description: 'NameServers ready',
      },
      {
        name: 'Address',
        type: 'string',
        jsonPath: '.status.address',
        description: 'namesrvAddr for brokers',
        priority: 1,
      },
      reasonColumn,
      ageColumn,
    ],
    scale: {
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.status.selector',
    },
  },
  {
    kind: 'BrokerCluster',
    plural: 'brokerclusters',
    shortNames: ['bc'],
    description:
      'A set of Skyrocket broker groups (RocketMQ-compatible brokers, one master and its slaves per group), each a StatefulSet whose pod ordinal is the brokerId',
    spec: BrokerClusterSpecSchema,
    status: BrokerClusterStatusSchema,
    nameMax: BROKER_CLUSTER_NAME_MAX,
    printerColumns: [
      ...readyColumns,
      {
        name: 'Desired',
        type: 'integer',
        jsonPath: '.spec.groups',
        description: 'Broker groups wanted',
      },
      {
        name: 'Groups',
        type: 'integer',
        jsonPath: '.status.groups',
        description: 'Broker groups that exist',
      },
      {
        name: 'Groups-Ready',
        type: 'integer',
        jsonPath: '.status.groupsReady',
        description: 'Broker groups whose every pod is ready',
      },
      {
        name: 'Replicas-Per-Group',
        type: 'integer',
        jsonPath: '.spec.replicasPerGroup',
        description: 'Master plus slaves in each group',
        priority: 1,
      },
      reasonColumn,
      ageColumn,
    ],
    scale: {
      specReplicasPath: '.spec.groups',
      statusReplicasPath: '.status.groups',
      labelSelectorPath: '.status.selector',
    },
  },
  {
    kind: 'Topic',
    plural: 'topics',
    shortNames: ['rmqtopic'],
    description:
      'A RocketMQ topic on every broker group of a BrokerCluster, created and kept as specified through the masters’ admin API, and deleted from them with the Topic',
    spec: TopicSpecSchema,
    status: TopicStatusSchema,
    nameMax: TOPIC_NAME_MAX,
    printerColumns: [
      ...readyColumns,
      { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterRef.name', description: 'BrokerCluster' },
      { name: 'Topic', type: 'string', jsonPath: '.status.topicName', description: 'RocketMQ topic name' },
      {
        name: 'Write-Queues',
        type: 'integer',
        jsonPath: '.spec.writeQueueNums',
        description: 'Write queues per broker group',
      },
      {
        name: 'Groups-Applied',
        type: 'integer',
        jsonPath: '.status.groupsApplied',
        description: 'Broker groups whose master has the topic as specified',
      },
      reasonColumn,
      ageColumn,
    ],
  },
  {
    kind: 'ConsumerGroup',
    plural: 'consumergroups',
    shortNames: ['rmqgroup'],
    description:
      'A RocketMQ consumer (subscription) group on every broker group of a BrokerCluster, created and kept as specified through the masters’ admin API, and deleted from them with the ConsumerGroup (offsets kept)',
    spec: ConsumerGroupSpecSchema,
    status: ConsumerGroupStatusSchema,
    nameMax: CONSUMER_GROUP_NAME_MAX,
    printerColumns: [
      ...readyColumns,
      { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterRef.name', description: 'BrokerCluster' },
      {
        name: 'Group',
        type: 'string',
        jsonPath: '.status.groupName',
        description: 'RocketMQ consumer group',
      },
      {
        name: 'Retry-Max-Times',
        type: 'integer',
        jsonPath: '.spec.retryMaxTimes',
        description: 'Redeliveries before the dead-letter topic',
        priority: 1,
      },
      {
        name: 'Groups-Applied',
        type: 'integer',
        jsonPath: '.status.groupsApplied',
        description: 'Broker groups whose master has the subscription group as specified',
      },
      reasonColumn,
      ageColumn,
    ],
  },
];

function crdFor(d: CrdSpec): V1CustomResourceDefinition {
  const schema: JsonSchema = {
    type: 'object',
    description: d.description,
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string', description: 'skyrocket.dev/v1alpha1' },
      kind: { type: 'string', description: d.kind },
      metadata: { type: 'object' },
      spec: openApiSchema(d.spec),
      status: openApiSchema(d.status),
    },
    'x-kubernetes-validations': [nameRule(d.nameMax)],
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${d.plural}.${API_GROUP}`,
      labels: { 'app.kubernetes.io/name': 'skyrocket', 'app.kubernetes.io/part-of': 'skyrocket' },
    },
    spec: {
      group: API_GROUP,
      names: {
        kind: d.kind,
        listKind: `${d.kind}List`,
        plural: d.plural,
        singular: d.kind.toLowerCase(),
        shortNames: d.shortNames,
        categories: ['skyrocket'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          // client-node types this as V1JSONSchemaProps (a class); ours is the same JSON, built dynamically.
          schema: { openAPIV3Schema: schema as unknown as V1JSONSchemaProps },
          subresources: {
            status: {},
            ...(d.scale ? { scale: d.scale } : {}),
          },
          additionalPrinterColumns: d.printerColumns,
        },
      ],
    },
  };
}

/** Every CRD of the operator, in install order. */
export function crdManifests(): V1CustomResourceDefinition[] {
  return definitions.map(crdFor);
}

/** File name (under crds/) of a CRD. */
export function crdFileName(crd: V1CustomResourceDefinition): string {
  return `${crd.spec.group}_${crd.spec.names.plural}.yaml`;
}

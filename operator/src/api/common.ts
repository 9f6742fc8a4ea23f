import { z } from 'zod';
import type {
  V1Affinity,
  V1EnvVarSource,
  V1PodSecurityContext,
  V1SecurityContext,
  V1Toleration,
  V1TopologySpreadConstraint,
} from '@kubernetes/client-node' with { 'resolution-mode': 'import' };

/**
 * Building blocks shared by the CRD schemas. Every schema here is both a zod schema (TypeScript types and defaults
 * for the operator) and, through `crd.ts`, a structural OpenAPI v3 schema for the apiserver. Kubernetes-specific
 * schema extensions ride along as zod metadata (`.meta({...})`), which `z.toJSONSchema` copies into its output.
 */

export const API_GROUP = 'skyrocket.dev';
export const API_VERSION = 'v1alpha1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;

/** Labels and annotations the operator reads or writes; the `skyrocket.dev/` prefix is reserved for it. */
export const LABELS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  component: 'app.kubernetes.io/component',
  partOf: 'app.kubernetes.io/part-of',
  managedBy: 'app.kubernetes.io/managed-by',
  /** The CR a child belongs to. */
  cluster: 'skyrocket.dev/cluster',
  /** A broker group's name (`<cluster>-g<index>`), the broker's `brokerName`. */
  group: 'skyrocket.dev/group',
  /** A broker group's index. */
  groupIndex: 'skyrocket.dev/group-index',
} as const;

export const ANNOTATIONS = {
  /** `"true"` on a CR: the operator leaves it and its children alone (and says so in a condition). */
  paused: 'skyrocket.dev/paused',
  /** On pod templates: hash of the configuration the pods read at start, so a config change rolls them. */
  configHash: 'skyrocket.dev/config-hash',
} as const;

/** A CEL rule as Kubernetes' `x-kubernetes-validations` entry. */
export interface CelRule {
  rule: string;
  message: string;
  /** The field the error is reported on, e.g. `.replicasPerGroup`. */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export function cel(...rules: CelRule[]): { 'x-kubernetes-validations': CelRule[] } {
  return { 'x-kubernetes-validations': rules };
}

/** `self == oldSelf` on a required field: the value can never change once the object exists. */
export function immutable(what: string): { 'x-kubernetes-validations': CelRule[] } {
  return cel({ rule: 'self == oldSelf', message: `${what} is immutable`, reason: 'FieldValueForbidden' });
}

/** Kubernetes' resource.Quantity text form (apimachinery/pkg/api/resource/quantity.go). */
export const QUANTITY_PATTERN =
  /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

/** A quantity such as `10Gi`, `500m` or `2` (x-kubernetes-int-or-string, like the core types' quantities). */
export function quantity() {
  return z
    .union([z.string().regex(QUANTITY_PATTERN), z.number().int().min(0)])
    .meta({ 'x-kubernetes-int-or-string': true, pattern: QUANTITY_PATTERN.source });
}

/** DNS-1123 label: what Service, StatefulSet pod and ConfigMap key names built from a CR's name must satisfy. */
export const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const ResourcesSchema = z
  .object({
    requests: z
      .record(z.string(), quantity())
      .optional()
      .describe('Minimum resources the scheduler reserves, e.g. {cpu: 500m, memory: 1Gi}'),
    limits: z
      .record(z.string(), quantity())
      .optional()
      .describe('Maximum resources the container may use, e.g. {memory: 2Gi}'),
  })
  .describe('CPU and memory for the container (core/v1 ResourceRequirements: requests and limits)');
export type Resources = z.infer<typeof ResourcesSchema>;

export const EnvVarSchema = z.object({
  name: z.string().min(1).describe('Variable name'),
  value: z.string().optional().describe('Literal value'),
  valueFrom: z
    .custom<V1EnvVarSource>(isObject)
    .meta({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true })
    .optional()
    .describe('core/v1 EnvVarSource: a value from a Secret, ConfigMap, field or resource'),
});
export type EnvVar = z.infer<typeof EnvVarSchema>;

export function envSchema(prefix: string) {
  return z
    .array(EnvVarSchema)
    .max(128)
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })
    .optional()
    .describe(
      `Extra environment variables for the container. Any configuration field can be set as ${prefix}<FIELD> ` +
        "(docs/configuration.md); these come after the operator's own variables, so they win",
    );
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A raw core/v1 type the apiserver validates where it ends up (in the StatefulSet's pod template). */
function raw<T>(what: string) {
  return z
    .custom<T>(isObject)
    .meta({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true })
    .optional()
    .describe(what);
}

/** A list of raw core/v1 objects. */
function rawList<T>(what: string) {
  return z
    .array(z.custom<T>(isObject).meta({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true }))
    .max(64)
    .optional()
    .describe(what);
}

const reservedKeys = cel({
  rule: "self.all(k, !k.startsWith('skyrocket.dev/') && !k.startsWith('app.kubernetes.io/'))",
  message: 'keys under skyrocket.dev/ and app.kubernetes.io/ are reserved for the operator',
});

export const PodOverridesSchema = z
  .object({
    labels: z
      .record(z.string(), z.string().max(63))
      .meta({ maxProperties: 64, ...reservedKeys })
      .optional()
      .describe('Extra labels on every pod'),
    annotations: z
      .record(z.string(), z.string())
      .meta({ maxProperties: 64, ...reservedKeys })
      .optional()
      .describe('Extra annotations on every pod'),
    affinity: raw<V1Affinity>(
      "core/v1 Affinity. Node affinity and pod affinity are used as given; pod anti-affinity terms are added to the operator's own",
    ),
    tolerations: rawList<V1Toleration>('core/v1 Tolerations'),
    nodeSelector: z.record(z.string(), z.string()).optional().describe("Node labels a pod's node must have"),
    topologySpreadConstraints: rawList<V1TopologySpreadConstraint>(
      'core/v1 TopologySpreadConstraints, e.g. to spread pods across zones',
    ),
    securityContext: raw<V1PodSecurityContext>(
      'core/v1 PodSecurityContext; replaces the default {fsGroup: 1000, fsGroupChangePolicy: OnRootMismatch}',
    ),
    containerSecurityContext: raw<V1SecurityContext>(
      'core/v1 SecurityContext of the container; replaces the default (no privilege escalation, all capabilities dropped, RuntimeDefault seccomp)',
    ),
    priorityClassName: z.string().max(253).optional().describe('PriorityClass of the pods'),
    serviceAccountName: z
      .string()
      .max(253)
      .optional()
      .describe("ServiceAccount the pods run as (default: the namespace's default)"),
    terminationGracePeriodSeconds: z
      .number()
      .int()
      .min(0)
      .max(86400)
      .optional()
      .describe('Seconds a stopping pod gets to unregister and flush before it is killed'),
  })
  .describe('Overrides applied to the pod template');
export type PodOverrides = z.infer<typeof PodOverridesSchema>;

export const ImagePullPolicySchema = z
  .enum(['Always', 'IfNotPresent', 'Never'])
  .optional()
  .describe('When the kubelet pulls the image (default: Always for :latest, IfNotPresent otherwise)');

export const ImagePullSecretsSchema = z
  .array(z.object({ name: z.string().min(1).describe('Secret name') }))
  .max(16)
  .optional()
  .describe('Secrets with credentials for pulling the image');

export const ImageSchema = z
  .string()
  .min(1)
  .max(512)
  .optional()
  .describe(
    'Container image; its entrypoint is the `skyrocket` CLI. Default: the image the operator was started with (--default-image)',
  );

export function portSchema(what: string, defaultPort: number) {
  return z.number().int().min(1).max(65535).default(defaultPort).describe(`${what} (default ${defaultPort})`);
}

/** metav1.Condition, with the bounds and patterns apimachinery puts on it. */
export const ConditionSchema = z.object({
  type: z
    .string()
    .min(1)
    .max(316)
    .regex(
      /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/,
    )
    .describe('Condition type: Ready, Progressing or Degraded'),
  status: z.enum(['True', 'False', 'Unknown']).describe('True, False or Unknown'),
  observedGeneration: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('metadata.generation the condition was computed from'),
  lastTransitionTime: z.string().meta({ format: 'date-time' }).describe('When status last changed'),
  reason: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
    .describe('CamelCase reason for the last transition'),
  message: z.string().max(32768).describe('Human-readable details'),
});
export type Condition = z.infer<typeof ConditionSchema>;

/** status.observedGeneration of every Skyrocket CR. */
export const ObservedGenerationSchema = z
  .number()
  .int()
  .min(0)
  .optional()
  .describe('metadata.generation this status describes');

export const ConditionsSchema = z
  .array(ConditionSchema)
  .max(16)
  .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
  .optional()
  .describe('Ready, Progressing and Degraded, with reasons and messages (metav1.Condition)');

/** The `metadata.name` rule every CR shares: names of children (`<name>-g<n>-<ordinal>`) must stay valid labels. */
export function nameRule(max: number): CelRule {
  return {
    rule: `self.metadata.name.size() <= ${max} && self.metadata.name.matches('${DNS_LABEL.source}')`,
    message: `metadata.name must be a DNS label of at most ${max} characters starting with a letter (child objects and pod names are built from it)`,
  };
}

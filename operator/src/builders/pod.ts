import type {
  V1Affinity,
  V1Container,
  V1EnvVar,
  V1PodSecurityContext,
  V1PodSpec,
  V1Probe,
  V1ResourceRequirements,
  V1SecurityContext,
  V1WeightedPodAffinityTerm,
  V1PodAffinityTerm,
} from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { EnvVar, PodOverrides, Resources } from '../api/common';

/** The pieces of a pod template both components share. */

export const HOSTNAME_TOPOLOGY_KEY = 'kubernetes.io/hostname';

/** Used when spec.pod.securityContext is not set: volumes writable by the image's non-root user (uid 1000). */
export const DEFAULT_POD_SECURITY_CONTEXT: V1PodSecurityContext = {
  fsGroup: 1000,
  fsGroupChangePolicy: 'OnRootMismatch',
};

/** Used when spec.pod.containerSecurityContext is not set: the restricted Pod Security Standard's container rules. */
export const DEFAULT_CONTAINER_SECURITY_CONTEXT: V1SecurityContext = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** Quantities may be written as numbers in the CR; core/v1 wants their string form. */
export function resourceRequirements(resources: Resources | undefined): V1ResourceRequirements | undefined {
  if (!resources) return undefined;
  const strings = (map: Record<string, string | number> | undefined) =>
    map && Object.fromEntries(Object.entries(map).map(([k, v]) => [k, String(v)]));
  const out: V1ResourceRequirements = {};
  const requests = strings(resources.requests);
  const limits = strings(resources.limits);
  if (requests) out.requests = requests;
  if (limits) out.limits = limits;
  return out;
}

/** The downward-API variables every container gets; operator settings may refer to them as $(POD_NAME). */
export function podIdentityEnv(): V1EnvVar[] {
  return [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
  ];
}

/**
 * The operator's variables then the user's; a user variable with the same name replaces the operator's in place
 * (a container's env names must be unique, and `spec.env` is documented to win).
 */
export function mergeEnv(own: V1EnvVar[], user: EnvVar[] | undefined): V1EnvVar[] {
  const byName = new Map((user ?? []).map((v) => [v.name, v]));
  const merged: V1EnvVar[] = own.map((v) => toEnvVar(byName.get(v.name) ?? v));
  const ownNames = new Set(own.map((v) => v.name));
  for (const v of user ?? []) if (!ownNames.has(v.name)) merged.push(toEnvVar(v));
  return merged;
}

function toEnvVar(v: EnvVar | V1EnvVar): V1EnvVar {
  const out: V1EnvVar = { name: v.name };
  if (v.value !== undefined) out.value = v.value;
  if (v.valueFrom !== undefined) out.valueFrom = v.valueFrom;
  return out;
}

export function httpProbe(
  path: string,
  port: string,
  timing: { periodSeconds: number; failureThreshold: number },
): V1Probe {
  return {
    httpGet: { path, port },
    periodSeconds: timing.periodSeconds,
    failureThreshold: timing.failureThreshold,
    timeoutSeconds: 3,
  };
}

/**
 * The user's affinity with the operator's pod anti-affinity term added: node and pod affinity as given,
 * anti-affinity terms appended to the user's own (preferred: with weight 100; required: as a hard rule).
 */
export function mergeAffinity(
  user: V1Affinity | undefined,
  term: V1PodAffinityTerm,
  mode: 'preferred' | 'required',
  weight = 100,
): V1Affinity {
  const affinity: V1Affinity = structuredClone(user ?? {});
  const anti = affinity.podAntiAffinity ?? {};
  if (mode === 'required') {
    anti.requiredDuringSchedulingIgnoredDuringExecution = [
      ...(anti.requiredDuringSchedulingIgnoredDuringExecution ?? []),
      term,
    ];
  } else {
    const weighted: V1WeightedPodAffinityTerm = { weight, podAffinityTerm: term };
    anti.preferredDuringSchedulingIgnoredDuringExecution = [
      ...(anti.preferredDuringSchedulingIgnoredDuringExecution ?? []),
      weighted,
    ];
  }
  affinity.podAntiAffinity = anti;
  return affinity;
}

/** Pod spec fields taken from spec.pod (and the image pull settings), with the operator's defaults. */
export function podSpecOverrides(
  pod: PodOverrides | undefined,
  imagePullSecrets: { name: string }[] | undefined,
): Partial<V1PodSpec> {
  const spec: Partial<V1PodSpec> = {
    securityContext: pod?.securityContext ?? DEFAULT_POD_SECURITY_CONTEXT,
  };
  if (pod?.tolerations) spec.tolerations = pod.tolerations;
  if (pod?.nodeSelector) spec.nodeSelector = pod.nodeSelector;
  if (pod?.topologySpreadConstraints) spec.topologySpreadConstraints = pod.topologySpreadConstraints;
  if (pod?.priorityClassName) spec.priorityClassName = pod.priorityClassName;
  if (pod?.serviceAccountName) spec.serviceAccountName = pod.serviceAccountName;
  if (imagePullSecrets && imagePullSecrets.length > 0) spec.imagePullSecrets = imagePullSecrets;
  return spec;
}

/** Container fields common to both components. */
export function containerBase(options: {
  name: string;
  image: string;
  imagePullPolicy: string | undefined;
  resources: Resources | undefined;
  pod: PodOverrides | undefined;
}): Pick<V1Container, 'name' | 'image' | 'imagePullPolicy' | 'resources' | 'securityContext'> {
  const container: Pick<V1Container, 'name' | 'image' | 'imagePullPolicy' | 'resources' | 'securityContext'> =
    {
      name: options.name,
      image: options.image,
      securityContext: options.pod?.containerSecurityContext ?? DEFAULT_CONTAINER_SECURITY_CONTEXT,
    };
  if (options.imagePullPolicy) container.imagePullPolicy = options.imagePullPolicy;
  const resources = resourceRequirements(options.resources);
  if (resources) container.resources = resources;
  return container;
}

/** Prometheus' conventional scrape annotations (every component serves /metrics on its HTTP port). */
export function prometheusAnnotations(httpPort: number): Record<string, string> {
  return {
    'prometheus.io/scrape': 'true',
    'prometheus.io/port': String(httpPort),
    'prometheus.io/path': '/metrics',
  };
}

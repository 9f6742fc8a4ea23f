/**
 * The resource types the operator reads and writes, with their REST paths. A fixed table rather than discovery:
 * the operator needs exactly these, and a typo is a compile error rather than a 404 at run time.
 */
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

const type = (
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced = true,
): ResourceType => ({
  group,
  version,
  kind,
  plural,
  namespaced,
});

export const Resources = {
  NameServerCluster: type('skyrocket.dev', 'v1alpha1', 'NameServerCluster', 'nameserverclusters'),
  BrokerCluster: type('skyrocket.dev', 'v1alpha1', 'BrokerCluster', 'brokerclusters'),
  Topic: type('skyrocket.dev', 'v1alpha1', 'Topic', 'topics'),
  ConsumerGroup: type('skyrocket.dev', 'v1alpha1', 'ConsumerGroup', 'consumergroups'),
  StatefulSet: type('apps', 'v1', 'StatefulSet', 'statefulsets'),
  Service: type('', 'v1', 'Service', 'services'),
  ConfigMap: type('', 'v1', 'ConfigMap', 'configmaps'),
  Pod: type('', 'v1', 'Pod', 'pods'),
  PersistentVolumeClaim: type('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims'),
  PodDisruptionBudget: type('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets'),
  Event: type('events.k8s.io', 'v1', 'Event', 'events'),
  Lease: type('coordination.k8s.io', 'v1', 'Lease', 'leases'),
  CustomResourceDefinition: type(
    'apiextensions.k8s.io',
    'v1',
    'CustomResourceDefinition',
    'customresourcedefinitions',
    false,
  ),
  Namespace: type('', 'v1', 'Namespace', 'namespaces', false),
} as const satisfies Record<string, ResourceType>;

export function apiVersionOf(resource: ResourceType): string {
  return resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
}

/** The type of an object by its apiVersion and kind, among those the operator knows. */
export function resourceTypeOf(
  apiVersion: string | undefined,
  kind: string | undefined,
): ResourceType | undefined {
  return Object.values(Resources).find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
}

/** /api/v1/namespaces/ns/pods/name, /apis/apps/v1/statefulsets (all namespaces), … */
export function resourcePath(resource: ResourceType, namespace?: string, name?: string): string {
  const root =
    resource.group === '' ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
  const scope = resource.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const item = name === undefined ? '' : `/${encodeURIComponent(name)}`;
  return `${root}${scope}/${resource.plural}${item}`;
}

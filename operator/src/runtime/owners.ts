import type { ResourceType } from './resources';
import { apiVersionOf } from './resources';
import type { KubeObject, OwnerReference } from './types';

/** The controller owner reference the operator puts on every child it builds. */
export function controllerReference(
  owner: KubeObject & { apiVersion: string; kind: string },
): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * The work-queue keys of `object`'s controlling owners of one type (children are in their owner's namespace, as
 * owner references require). How a child event (a StatefulSet becoming ready, a deleted Service) reaches its
 * cluster's reconcile.
 */
export function ownerKeys(object: KubeObject, owner: ResourceType): string[] {
  const apiVersion = apiVersionOf(owner);
  return (object.metadata.ownerReferences ?? [])
    .filter((ref) => ref.controller === true && ref.kind === owner.kind && ref.apiVersion === apiVersion)
    .map((ref) => (object.metadata.namespace ? `${object.metadata.namespace}/${ref.name}` : ref.name));
}

/** The object is controlled by `owner` (same uid). */
export function isControlledBy(object: KubeObject, owner: KubeObject): boolean {
  return (object.metadata.ownerReferences ?? []).some(
    (ref) => ref.controller === true && ref.uid === owner.metadata.uid,
  );
}

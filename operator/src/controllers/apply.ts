import { resourceTypeOf } from '../runtime/resources';
import type { KubeClient } from '../runtime/kube-client';
import type { KubeObject } from '../runtime/types';
import { SkyrocketError } from '@skyrocket/common';

/**
 * Server-side applies children in the given order (ConfigMap and Services before the StatefulSet that uses them)
 * and returns what the apiserver answered, so the caller sees fresh status without another read.
 */
export async function applyChildren<T extends KubeObject>(
  client: KubeClient,
  children: readonly T[],
): Promise<T[]> {
  const applied: T[] = [];
  for (const child of children) {
    const type = resourceTypeOf(child.apiVersion, child.kind);
    if (!type)
      throw new SkyrocketError(
        'SYSTEM_ERROR',
        `the operator does not know how to apply ${child.apiVersion} ${child.kind}`,
      );
    applied.push(await client.apply(type, child));
  }
  return applied;
}

export function findKind<T extends KubeObject>(objects: readonly KubeObject[], kind: string): T | undefined {
  return objects.find((o) => o.kind === kind) as T | undefined;
}

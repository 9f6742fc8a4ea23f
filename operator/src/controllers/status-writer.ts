import { canonicalJson } from '../builders/meta';
import type { ResourceType } from '../runtime/resources';
import type { KubeObject } from '../runtime/types';
import type { Condition } from '../api/common';
import { findCondition, setConditions } from '../status/conditions';
import type { ControllerContext } from './context';

export const PAUSED_REASON = 'ReconciliationPaused';

interface WithStatus extends KubeObject {
  status?: { conditions?: Condition[] } & Record<string, unknown>;
}

/**
 * Writes status through the /status subresource (merge patch), and only when it changed: an unchanged status
 * must not produce a write, or every reconcile would trigger the next through the CR's own watch event.
 */
export async function writeStatus(
  ctx: ControllerContext,
  type: ResourceType,
  cr: WithStatus,
  status: Record<string, unknown>,
): Promise<void> {
  if (canonicalJson(cr.status ?? {}) === canonicalJson(status)) return;
  await ctx.client.mergePatch(type, cr.metadata.namespace, cr.metadata.name, { status }, 'status');
}

/** Paused: Progressing=False with reason ReconciliationPaused; Ready and Degraded keep what was last observed. */
export function pausedConditions(ctx: ControllerContext, cr: WithStatus): Condition[] {
  const already = findCondition(cr.status?.conditions, 'Progressing')?.reason === PAUSED_REASON;
  if (!already)
    void ctx.events.record(
      cr,
      'Normal',
      PAUSED_REASON,
      'annotation skyrocket.dev/paused is "true": the operator leaves this cluster and its children alone',
    );
  return setConditions(
    cr.status?.conditions,
    [
      {
        type: 'Progressing',
        status: 'False',
        reason: PAUSED_REASON,
        message:
          'annotation skyrocket.dev/paused is "true": nothing is applied, scaled, drained or rolled until it is removed',
      },
    ],
    { generation: cr.metadata.generation, now: new Date(ctx.clock.now()) },
  );
}

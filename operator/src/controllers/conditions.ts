/** metav1.Condition as the CRDs' status.conditions hold it. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export type ConditionInput = Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;

/**
 * The conditions after setting `wanted`, in Ready, Progressing, Degraded order: lastTransitionTime moves only when a
 * condition's status changes (what kubectl wait and humans rely on), reason and message always follow the latest
 * observation. Pure: the caller passes the time.
 */
export function mergeConditions(
  existing: readonly Condition[] | undefined,
  wanted: readonly ConditionInput[],
  generation: number | undefined,
  now: string,
): Condition[] {
  const byType = new Map((existing ?? []).map((c) => [c.type, c]));
  for (const input of wanted) {
    const old = byType.get(input.type);
    byType.set(input.type, {
      ...input,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      lastTransitionTime: old && old.status === input.status ? old.lastTransitionTime : now,
    });
  }
  const order = ['Ready', 'Progressing', 'Degraded'];
  return [...byType.values()].sort(
    (a, b) => rank(order, a.type) - rank(order, b.type) || a.type.localeCompare(b.type),
  );
}

function rank(order: string[], type: string): number {
  const index = order.indexOf(type);
  return index < 0 ? order.length : index;
}

/** RFC 3339 seconds, as metav1.Time serialises. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

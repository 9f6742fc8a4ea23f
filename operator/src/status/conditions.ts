import type { Condition } from '../api/common';

/**
 * metav1.Condition helpers. Pure: callers pass the time, so tests need no clock and a status write happens only
 * when something really changed.
 */

export const CONDITION_TYPES = ['Ready', 'Progressing', 'Degraded'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

/** What a status computation decides; setCondition adds the bookkeeping fields. */
export interface ConditionInput {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/** RFC 3339 in whole seconds, as metav1.Time serialises (and as the apiserver returns it). */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/**
 * The conditions with `input` set. lastTransitionTime changes only when the status changes (what `kubectl wait`
 * and alerting rely on); reason, message and observedGeneration always follow the latest observation. Conditions
 * are kept in Ready, Progressing, Degraded order, then others by type, so equal sets serialise equally.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  input: ConditionInput,
  at: { generation: number | undefined; now: Date },
): Condition[] {
  const previous = findCondition(conditions, input.type);
  const next: Condition = {
    type: input.type,
    status: input.status,
    ...(at.generation !== undefined ? { observedGeneration: at.generation } : {}),
    lastTransitionTime:
      previous && previous.status === input.status ? previous.lastTransitionTime : rfc3339(at.now),
    reason: input.reason,
    message: truncate(input.message),
  };
  const others = (conditions ?? []).filter((c) => c.type !== input.type);
  return sortConditions([...others, next]);
}

/** setCondition for several inputs at once. */
export function setConditions(
  conditions: readonly Condition[] | undefined,
  inputs: readonly ConditionInput[],
  at: { generation: number | undefined; now: Date },
): Condition[] {
  return inputs.reduce<Condition[]>((acc, input) => setCondition(acc, input, at), [...(conditions ?? [])]);
}

/** Whether two condition lists say the same thing (a status write is needed only when they do not). */
export function conditionsEqual(
  a: readonly Condition[] | undefined,
  b: readonly Condition[] | undefined,
): boolean {
  const left = sortConditions([...(a ?? [])]);
  const right = sortConditions([...(b ?? [])]);
  return (
    left.length === right.length &&
    left.every((c, i) => {
      const d = right[i];
      return (
        d !== undefined &&
        c.type === d.type &&
        c.status === d.status &&
        c.reason === d.reason &&
        c.message === d.message &&
        c.lastTransitionTime === d.lastTransitionTime &&
        c.observedGeneration === d.observedGeneration
      );
    })
  );
}

function sortConditions(conditions: Condition[]): Condition[] {
  const rank = (type: string) => {
    const index = (CONDITION_TYPES as readonly string[]).indexOf(type);
    return index < 0 ? CONDITION_TYPES.length : index;
  };
  return conditions.sort(
    (a, b) => rank(a.type) - rank(b.type) || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0),
  );
}

/** The CRD bounds condition messages at 32768 characters (metav1.Condition). */
const MAX_MESSAGE = 32768;
function truncate(message: string): string {
  return message.length <= MAX_MESSAGE ? message : `${message.slice(0, MAX_MESSAGE - 1)}…`;
}

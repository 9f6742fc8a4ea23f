import { z } from 'zod';
import { ConditionsSchema, ObservedGenerationSchema, immutable, type CelRule } from './common';

/**
 * Schema pieces Topic and ConsumerGroup share: each names a BrokerCluster and one RocketMQ object on every group of
 * it (operator/src/controllers/broker-resource.ts).
 */

/** metadata.name is a DNS label (as for every Skyrocket CR), so it is also a valid RocketMQ name, the default one. */
export const BROKER_RESOURCE_NAME_MAX = 63;

export function clusterRefSchema(noun: string) {
  return z
    .object({
      name: z
        .string()
        .min(1)
        .max(63)
        .describe(`Name of the BrokerCluster (same namespace) the ${noun} lives on`),
    })
    .meta(immutable('clusterRef'))
    .describe(`The BrokerCluster whose every broker group gets the ${noun}. Immutable`);
}

/**
 * The optional RocketMQ name may be neither changed nor removed. On the spec, not the field: a field rule would let
 * an update remove it.
 */
export function immutableOptionalName(field: string): CelRule {
  return {
    rule: `has(self.${field}) == has(oldSelf.${field}) && (!has(self.${field}) || self.${field} == oldSelf.${field})`,
    message: `${field} is immutable`,
    reason: 'FieldValueForbidden',
  };
}

export function brokerResourceStatusSchema<Field extends string>(nameField: Field, noun: string) {
  return z
    .object({
      observedGeneration: ObservedGenerationSchema,
      conditions: ConditionsSchema,
      groups: z.number().int().min(0).optional().describe('Broker groups of the cluster'),
      groupsApplied: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe(`Broker groups whose master has the ${noun} as specified`),
    })
    .extend({ [nameField]: z.string().optional().describe(`The RocketMQ ${noun} name in use`) } as Record<
      Field,
      z.ZodOptional<z.ZodString>
    >)
    .describe('Observed state, written by the operator');
}

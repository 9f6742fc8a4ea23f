/**
 * Field types for custom headers (a RemotingCommand's `extFields`).
 *
 * Java flattens a CommandCustomHeader into `extFields` as `String.valueOf(field)` and parses the strings back by the
 * field's Java type (`RemotingCommand.decodeCommandCustomHeader`: Integer.parseInt, Long.parseLong,
 * Boolean.parseBoolean). ali-ons copies its header object into `extFields` unchanged, so the same fields arrive as
 * raw JSON numbers and booleans (PROTOCOL.md §1.3). Every helper here therefore accepts a string, a number or a
 * boolean, and produces the typed value or a zod issue whose message says what was expected; `decodeHeader` adds the
 * field name. Make a field optional with zod's own `.optional()`, or give it Java's field initializer with
 * `.default(value)`.
 */
import { z } from 'zod';

/** A value as it may appear in `extFields`. */
export type WireValue = string | number | boolean;

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;
// Java's Long range, used to tell "not a long at all" from "a long JavaScript cannot hold exactly".
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
// Integer.parseInt / Long.parseLong accept an optional sign and decimal digits, nothing else (no spaces, no ".0").
const DECIMAL_INTEGER = /^[+-]?\d+$/;

const wireValue = z.union([z.string(), z.number(), z.boolean()]);

/** How a bad value is shown in an error message: strings quoted, so that "" and " 1" are visible. */
export function describeWireValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return typeof value;
}

/**
 * A wire field parsed by `parse`, which returns undefined for a value it rejects. `expected` completes the sentence
 * "expected …" in the error message.
 */
function wireField<T>(expected: string, parse: (value: WireValue) => T | undefined) {
  return wireValue.transform((value, ctx): T => {
    const parsed = parse(value);
    if (parsed === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${describeWireValue(value)}` });
      return z.NEVER;
    }
    return parsed;
  });
}

/**
 * A Java String field. Numbers and booleans are turned into strings, as fastjson does when it reads ali-ons'
 * headers into the `HashMap<String, String>` of extFields.
 */
export function str() {
  return wireValue.transform((value) => String(value));
}

/** A string field restricted to the given values (for Java enums and enum-like strings such as topicFilterType). */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const allowed: ReadonlySet<string> = new Set(values);
  const expected = `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
  return wireField(expected, (value) =>
    typeof value === 'string' && allowed.has(value) ? (value as T[number]) : undefined,
  );
}

function parseInteger(value: WireValue): bigint | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : undefined;
  if (typeof value === 'string') return DECIMAL_INTEGER.test(value) ? BigInt(value) : undefined;
  return undefined;
}

/** A Java Integer field: a 32-bit signed integer. */
export function int32() {
  return wireField('an int32', (value) => {
    const parsed = parseInteger(value);
    if (parsed === undefined || parsed < INT32_MIN || parsed > INT32_MAX) return undefined;
    return Number(parsed);
  });
}

/**
 * A Java Long field, returned as a `number`. RocketMQ longs are offsets, timestamps, broker ids and versions, which
 * all fit in 2^53, so a `number` is exact and cheaper than a bigint everywhere else in the code. A long outside the
 * safe-integer range is rejected with a message that says so, rather than rounded.
 */
export function int64() {
  return wireField('an int64 within the JavaScript safe-integer range (±(2^53-1))', (value) => {
    const parsed = parseInteger(value);
    if (parsed === undefined) return undefined;
    if (parsed < BigInt(Number.MIN_SAFE_INTEGER) || parsed > BigInt(Number.MAX_SAFE_INTEGER))
      return undefined;
    return Number(parsed);
  });
}

/**
 * A Java Long field that is a bound rather than an exact value, where Java clients send Long.MAX_VALUE for "no
 * bound": `mqadmin queryMsgByKey` and `MQAdminImpl.queryMessageByUniqKey` send QUERY_MESSAGE with
 * `endTimestamp = Long.MAX_VALUE`. Any Java long is accepted; values beyond the safe-integer range are clamped to
 * ±Number.MAX_SAFE_INTEGER, which compares the same way against any real timestamp or offset.
 */
export function int64Clamped() {
  return wireField('an int64', (value) => {
    const parsed = parseInteger(value);
    if (parsed === undefined || parsed < INT64_MIN || parsed > INT64_MAX) return undefined;
    if (parsed > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
    if (parsed < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
    return Number(parsed);
  });
}

/**
 * A Java Boolean field. Java writes "true"/"false" and ali-ons writes JSON booleans. Java's Boolean.parseBoolean
 * silently reads any other text as false; this field rejects it instead, because such a value is a client bug that
 * would otherwise flip a flag unnoticed. Case is ignored, as parseBoolean ignores it.
 */
export function bool() {
  return wireField('a boolean ("true" or "false")', (value) => {
    if (typeof value === 'boolean') return value;
    if (typeof value !== 'string') return undefined;
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    return undefined;
  });
}

/**
 * Decoding and encoding of custom headers: a header schema (a zod object built from `fields.ts`) ⇄ `extFields`.
 *
 * Decoding ignores fields the schema does not name. Java puts base fields into many headers (`ns`, `nsd`, `bname`,
 * `oway` from RpcRequestHeader, `lo` from TopicRequestHeader) and ali-ons adds `AccessKey`, `Signature` and
 * `OnsChannel` when credentials are configured (PROTOCOL.md §1.2); none of them may make a request fail.
 */
import { z } from 'zod';

import { describeWireValue, type WireValue } from './fields';

/** `extFields` as decoded from a JSON or ROCKETMQ header. Null values are treated as absent. */
export type ExtFields = Readonly<Record<string, WireValue | null | undefined>>;

/** A value `encodeHeader` knows how to put on the wire. */
export type HeaderValue = string | number | boolean | bigint | null | undefined;

/** A custom header failed to decode: a required field is missing or a field has a bad value. */
export class HeaderDecodeError extends Error {
  override readonly name = 'HeaderDecodeError';
  /** The extFields key at fault. */
  readonly field: string;

  constructor(field: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.field = field;
  }
}

/**
 * Decodes `extFields` with a header schema. Throws HeaderDecodeError naming the first bad field, for example
 * `missing required header field "topic"` or `header field "queueId": expected an int32, got "abc"`.
 *
 * Java only logs a missing @CFNotNull field and lets the processor fail later on the null (PROTOCOL.md §1.2); failing
 * here with the field's name gives the client the same outcome (an error response) with a useful remark.
 */
export function decodeHeader<S extends z.ZodType<object>>(
  schema: S,
  extFields: ExtFields | undefined,
): z.output<S> {
  const input = withoutNulls(extFields);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw toHeaderDecodeError(result.error, input);
}

/**
 * Flattens a header object into `extFields`, as Java's `RemotingCommand.makeCustomHeaderToNet` does: every value
 * becomes its string form and null or undefined fields are left out.
 */
export function encodeHeader(header: Readonly<Record<string, HeaderValue>>): Record<string, string> {
  const extFields: Record<string, string> = {};
  for (const [key, value] of Object.entries(header)) {
    if (value == null) continue;
    extFields[key] = String(value);
  }
  return extFields;
}

function withoutNulls(extFields: ExtFields | undefined): Record<string, WireValue> {
  // No prototype: a "__proto__" key from JSON.parse must stay an ordinary (ignored) field.
  const input: Record<string, WireValue> = Object.create(null) as Record<string, WireValue>;
  if (extFields === undefined) return input;
  for (const [key, value] of Object.entries(extFields)) {
    if (value != null) input[key] = value;
  }
  return input;
}

function toHeaderDecodeError(
  error: z.ZodError,
  input: Readonly<Record<string, WireValue>>,
): HeaderDecodeError {
  const issue = error.issues[0];
  const key = issue?.path[0];
  if (issue === undefined || typeof key !== 'string') {
    return new HeaderDecodeError('', `invalid header: ${issue?.message ?? 'unknown error'}`, {
      cause: error,
    });
  }
  const value: unknown = input[key];
  if (value === undefined) {
    return new HeaderDecodeError(key, `missing required header field "${key}"`, { cause: error });
  }
  const reason =
    issue.code === 'custom'
      ? issue.message
      : `expected a string, number or boolean, got ${describeWireValue(value)}`;
  return new HeaderDecodeError(key, `header field "${key}": ${reason}`, { cause: error });
}

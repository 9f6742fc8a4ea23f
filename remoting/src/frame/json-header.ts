import { FrameError } from './frame-error';
import type { RemotingCommand } from './remoting-command';

/**
 * JSON header (serializeType 0, the default): the UTF-8 JSON of the command fields, as fastjson writes it in
 * RemotingSerializable. `remark` and `extFields` may be absent or null; extFields values may be strings, numbers or
 * booleans (ali-ons) and are kept as strings. Unknown properties (`serializeTypeCurrentRPC`) are ignored.
 */
export type HeaderFields = Omit<RemotingCommand, 'body' | 'serializeType'>;

function intField(value: unknown, name: string, required: boolean): number {
  if (value === undefined || value === null) {
    if (required) throw new FrameError(`JSON header: missing "${name}"`, 'malformed');
    return 0;
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new FrameError(`JSON header: "${name}" must be an integer`, 'malformed');
  }
  return value;
}

export function normalizeExtFields(value: unknown): Record<string, string> {
  const extFields: Record<string, string> = {};
  if (value === undefined || value === null) return extFields;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new FrameError('JSON header: "extFields" must be an object', 'malformed');
  }
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'string') extFields[key] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') extFields[key] = String(v);
    else if (v !== null)
      throw new FrameError(`JSON header: extFields["${key}"] must be a string`, 'malformed');
  }
  return extFields;
}

export function decodeJsonHeader(bytes: Buffer): HeaderFields {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new FrameError('JSON header is not valid JSON', 'malformed');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new FrameError('JSON header must be an object', 'malformed');
  }
  const h = parsed as Record<string, unknown>;
  const remark = h.remark;
  if (remark !== undefined && remark !== null && typeof remark !== 'string') {
    throw new FrameError('JSON header: "remark" must be a string', 'malformed');
  }
  const language = h.language;
  if (language !== undefined && language !== null && typeof language !== 'string') {
    throw new FrameError('JSON header: "language" must be a string', 'malformed');
  }
  return {
    code: intField(h.code, 'code', true),
    language: typeof language === 'string' ? language : 'JAVA',
    version: intField(h.version, 'version', false),
    opaque: intField(h.opaque, 'opaque', false),
    flag: intField(h.flag, 'flag', false),
    remark: typeof remark === 'string' ? remark : undefined,
    extFields: normalizeExtFields(h.extFields),
  };
}

export function encodeJsonHeader(command: RemotingCommand): Buffer {
  // fastjson's order (alphabetical), so a header reads the same as Java's; extFields is always written, even
  // empty, because Java clients dereference it (PROTOCOL.md §1.5).
  const header = {
    code: command.code,
    extFields: command.extFields,
    flag: command.flag,
    language: command.language,
    opaque: command.opaque,
    remark: command.remark,
    serializeTypeCurrentRPC: 'JSON',
    version: command.version,
  };
  return Buffer.from(JSON.stringify(header), 'utf8');
}

/**
 * Topic attributes (RocketMQ TopicAttributes, AttributeParser, AttributeUtil). UPDATE_AND_CREATE_TOPIC carries
 * them as a modification string, "+key=value" to add or change and "-key" to remove, comma-separated:
 * `+message.type=FIFO,-reserve.time`. On create only "+" is allowed; unknown keys, values outside an attribute's
 * set, and changes of an unchangeable attribute are refused, each with RocketMQ's message.
 */

interface EnumAttribute {
  kind: 'enum';
  changeable: boolean;
  values: ReadonlySet<string>;
}
interface LongRangeAttribute {
  kind: 'long';
  changeable: boolean;
  min: number;
}
type Attribute = EnumAttribute | LongRangeAttribute;

/** TopicAttributes.ALL of RocketMQ 5.3.3. */
const TOPIC_ATTRIBUTES: ReadonlyMap<string, Attribute> = new Map<string, Attribute>([
  ['queue.type', { kind: 'enum', changeable: false, values: new Set(['BatchCQ', 'SimpleCQ']) }],
  ['cleanup.policy', { kind: 'enum', changeable: false, values: new Set(['DELETE', 'COMPACTION']) }],
  [
    'message.type',
    {
      kind: 'enum',
      changeable: true,
      values: new Set(['UNSPECIFIED', 'NORMAL', 'FIFO', 'DELAY', 'TRANSACTION', 'MIXED']),
    },
  ],
  ['reserve.time', { kind: 'long', changeable: true, min: -1 }],
]);

export type AttributesResult = { attributes: Record<string, string> } | { error: string };

/**
 * Applies a modification string to a topic's current attributes (AttributeUtil.alterCurrentAttributes). `create`
 * is true when the topic does not exist yet.
 */
export function alterTopicAttributes(
  current: Readonly<Record<string, string>>,
  modification: string | undefined,
  create: boolean,
): AttributesResult {
  if (!modification) return { attributes: { ...current } };
  const next: Record<string, string> = { ...current };
  const seen = new Set<string>();
  for (const item of modification.split(',')) {
    const add = item.startsWith('+');
    if (!add && !item.startsWith('-')) return { error: `wrong format key: ${item}` };
    const [key = '', value, ...rest] = item.slice(1).split('=');
    if (key === '' || key.includes('+') || key.includes('-')) return { error: 'kv string format wrong.' };
    if (add && (value === undefined || rest.length > 0))
      return { error: `add/alter attribute format is wrong: ${item}` };
    if (!add && value !== undefined) return { error: `delete attribute format is wrong: ${item}` };
    if (seen.has(key)) return { error: `alter duplication key. key: ${key}` };
    seen.add(key);
    if (create && !add) return { error: `only add attribute is supported while creating topic. key: ${key}` };
    const attribute = TOPIC_ATTRIBUTES.get(key);
    if (!attribute) return { error: `unsupported key: ${key}` };
    if (!create && !attribute.changeable)
      return { error: `attempt to update an unchangeable attribute. key: ${key}` };
    if (!add) {
      if (!(key in next)) return { error: `attempt to delete a nonexistent key: ${key}` };
      delete next[key];
      continue;
    }
    const invalid = invalidValue(attribute, value ?? '');
    if (invalid) return { error: `${invalid} (key: ${key}, value: ${value ?? ''})` };
    next[key] = value ?? '';
  }
  return { attributes: next };
}

/** The modification string that sets every attribute of `attributes` (AttributeParser.parseToString with "+"). */
export function attributesToModification(attributes: Readonly<Record<string, string>>): string {
  return Object.entries(attributes)
    .map(([key, value]) => `+${key}=${value}`)
    .join(',');
}

function invalidValue(attribute: Attribute, value: string): string | undefined {
  if (attribute.kind === 'enum') {
    return attribute.values.has(value)
      ? undefined
      : `value is not in set: [${[...attribute.values].join(', ')}]`;
  }
  const number = /^-?\d+$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(number) && number >= attribute.min
    ? undefined
    : `value is not in range(${attribute.min}, 9223372036854775807)`;
}

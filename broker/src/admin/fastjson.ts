/**
 * JSON bodies as fastjson 1.2.83 writes them (PROTOCOL.md §1.6), for the admin bodies whose maps are keyed by an
 * object: ConsumeStats.offsetTable and TopicStatsTable.offsetTable are `Map<MessageQueue, …>`.
 *
 * fastjson's MapSerializer writes a non-String key by serializing the key object itself, so the key is a JSON
 * object, unquoted, with the bean's fields in alphabetical order:
 *
 *   {"consumeTps":1.5,"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"T"}:{"brokerOffset":10,…}}}
 *
 * That is not standard JSON, but it is exactly what a Java broker sends, what fastjson reads back into
 * MessageQueue keys (checked against fastjson 1.2.83 and DefaultMQAdminExt), and what non-Java admin clients that
 * hand-parse these bodies expect. Standard JSON with the key quoted as a string would also satisfy fastjson, but
 * not those parsers, so the body keeps Java's form.
 */

/** RocketMQ MessageQueue. */
export interface MessageQueue {
  topic: string;
  brokerName: string;
  queueId: number;
}

/** A map whose keys are written as JSON objects (fastjson's form for non-String keys). */
export class ObjectKeyedMap<K extends object, V> {
  readonly entries: ReadonlyArray<readonly [K, V]>;

  constructor(entries: ReadonlyArray<readonly [K, V]>) {
    this.entries = entries;
  }
}

/**
 * Serializes plain JSON values, with ObjectKeyedMap written in fastjson's object-key form and object fields
 * sorted by name (fastjson's default SortField). Undefined fields are left out, as fastjson leaves out nulls.
 */
export function toFastjson(value: unknown): string {
  if (value instanceof ObjectKeyedMap) {
    const entries = value.entries as ReadonlyArray<readonly [object, unknown]>;
    return `{${entries.map(([key, entry]) => `${toFastjson(key)}:${toFastjson(entry)}`).join(',')}}`;
  }
  if (Array.isArray(value)) return `[${value.map((item: unknown) => toFastjson(item)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${fields.map(([name, field]) => `${JSON.stringify(name)}:${toFastjson(field)}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
  return JSON.stringify(value) ?? 'null';
}

export function fastjsonBody(value: unknown): Buffer {
  return Buffer.from(toFastjson(value), 'utf8');
}

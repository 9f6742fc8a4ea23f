import { inflateSync } from 'node:zlib';
import { SkyrocketError } from '@skyrocket/common';
import {
  DataVersionSchema,
  RegisterBrokerBodySchema,
  TopicConfigSchema,
  type DataVersion,
  type TopicConfig,
} from './route-data';

/**
 * Decoding of REGISTER_BROKER bodies (PROTOCOL.md §2.2, RegisterBrokerBody.java):
 * - brokers at version ≥ V3_0_11 send RegisterBrokerBody JSON, or with header `compressed=true` the compressed form:
 *   a zlib (Deflater) stream of `int len + DataVersion JSON`, `int n`, n × (`int len + TopicConfig.encode()`),
 *   `int len + filterServerList JSON`, and from V5_0_0 `int m + m × (len + TopicQueueMappingInfo JSON)`;
 * - older brokers send a bare TopicConfigSerializeWrapper JSON.
 * TopicConfig.encode() is "topicName readQueueNums writeQueueNums perm topicFilterType [attributes JSON]",
 * separated by single spaces.
 */
export interface DecodedRegisterBrokerBody {
  dataVersion: DataVersion | undefined;
  topicConfigs: TopicConfig[];
  filterServerList: string[];
}

const V3_0_11 = 37;

function invalid(message: string, cause?: unknown): SkyrocketError {
  return new SkyrocketError('INVALID_BODY', `REGISTER_BROKER body: ${message}`, { cause });
}

function parseJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw invalid(`${what} is not valid JSON`, error);
  }
}

export function decodeRegisterBrokerBody(
  body: Buffer | undefined,
  options: { compressed: boolean; version: number },
): DecodedRegisterBrokerBody {
  if (!body || body.length === 0) return { dataVersion: undefined, topicConfigs: [], filterServerList: [] };
  if (options.compressed) return decodeCompressed(body);
  const json = parseJson(body, 'body');
  const wrapped = options.version >= V3_0_11 ? json : { topicConfigSerializeWrapper: json };
  const parsed = RegisterBrokerBodySchema.safeParse(wrapped);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(`${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const wrapper = parsed.data.topicConfigSerializeWrapper;
  return {
    dataVersion: wrapper.dataVersion,
    topicConfigs: Object.entries(wrapper.topicConfigTable).map(([name, config]) => ({
      ...config,
      topicName: config.topicName || name,
    })),
    filterServerList: parsed.data.filterServerList,
  };
}

function decodeCompressed(body: Buffer): DecodedRegisterBrokerBody {
  let bytes: Buffer;
  try {
    // Bound the inflated size: a small hostile body must not expand into gigabytes.
    bytes = inflateSync(body, { maxOutputLength: 256 * 1024 * 1024 });
  } catch (error) {
    throw invalid('compressed body does not inflate', error);
  }
  let pos = 0;
  const readInt = (what: string): number => {
    if (pos + 4 > bytes.length) throw invalid(`compressed body truncated at ${what}`);
    const value = bytes.readInt32BE(pos);
    pos += 4;
    return value;
  };
  const readChunk = (what: string): Buffer => {
    const length = readInt(`${what} length`);
    if (length < 0 || pos + length > bytes.length) throw invalid(`compressed body truncated in ${what}`);
    const chunk = bytes.subarray(pos, pos + length);
    pos += length;
    return chunk;
  };

  const dataVersion = DataVersionSchema.safeParse(parseJson(readChunk('dataVersion'), 'dataVersion'));
  if (!dataVersion.success) throw invalid('dataVersion is malformed');
  const topicCount = readInt('topic count');
  if (topicCount < 0) throw invalid('negative topic count');
  const topicConfigs: TopicConfig[] = [];
  for (let i = 0; i < topicCount; i++)
    topicConfigs.push(decodeTopicConfigLine(readChunk('topic config').toString('utf8')));
  const filters = parseJson(readChunk('filterServerList'), 'filterServerList');
  const filterServerList = Array.isArray(filters) ? filters.map(String) : [];
  // The static-topic mapping section (V5_0_0+) follows; Skyrocket does not serve static topics, so it is skipped.
  return { dataVersion: dataVersion.data, topicConfigs, filterServerList };
}

function decodeTopicConfigLine(line: string): TopicConfig {
  const parts = line.split(' ');
  if (parts.length < 5) throw invalid(`topic config "${line}" has fewer than 5 fields`);
  const [topicName, read, write, perm, filterType] = parts;
  let attributes: Record<string, string> = {};
  if (parts.length >= 6) {
    try {
      attributes = JSON.parse(parts.slice(5).join(' ')) as Record<string, string>;
    } catch {
      // RocketMQ ignores attribute maps it cannot parse (values may contain spaces); so do we.
    }
  }
  const parsed = TopicConfigSchema.safeParse({
    topicName,
    readQueueNums: Number(read),
    writeQueueNums: Number(write),
    perm: Number(perm),
    topicFilterType: filterType,
    attributes,
  });
  if (!parsed.success) throw invalid(`topic config "${line}" is malformed`);
  return parsed.data;
}

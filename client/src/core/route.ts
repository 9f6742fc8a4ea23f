/**
 * Topic routes as the NameServer describes them (GET_ROUTEINFO_BY_TOPIC body: TopicRouteData, `route/*.java`) and
 * what clients derive from them: the queues a producer may write (TopicPublishInfo) and the queues a consumer may
 * read (MQClientInstance.topicRouteData2TopicSubscribeInfo).
 */
import { ClientError } from '../errors';
import type { JsonValue } from './fastjson';

/** PermName bits. */
export const Perm = { PRIORITY: 8, READ: 4, WRITE: 2, INHERIT: 1 } as const;

/** MixAll.MASTER_ID. */
export const MASTER_ID = 0;

/** A queue of a topic on one broker group (Java `MessageQueue`). */
export interface MessageQueue {
  readonly topic: string;
  readonly brokerName: string;
  readonly queueId: number;
}

export interface QueueData {
  brokerName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicSysFlag: number;
}

export interface BrokerData {
  cluster: string;
  brokerName: string;
  /** brokerId → "ip:port"; 0 is the master. */
  brokerAddrs: Map<number, string>;
}

export interface TopicRoute {
  topic: string;
  /** Set for ordered topics configured on the NameServer ("brokerName:queueNums;…"). */
  orderTopicConf: string | undefined;
  queueDatas: QueueData[];
  brokerDatas: BrokerData[];
}

/** The route of a topic, with what producers and consumers derive from it, computed once per route change. */
export interface TopicRouteInfo {
  route: TopicRoute;
  /** Writable queues on brokers that have a master, in route order (TopicPublishInfo.messageQueueList). */
  writeQueues: readonly MessageQueue[];
  /** Readable queues (topicRouteData2TopicSubscribeInfo). */
  readQueues: readonly MessageQueue[];
  /** Canonical text of the route, to tell whether a refresh changed anything. */
  fingerprint: string;
}

function asObject(value: JsonValue | undefined, what: string): { [key: string]: JsonValue } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ClientError('INVALID_RESPONSE', `${what} is not an object`);
  }
  return value;
}

function asArray(value: JsonValue | undefined): JsonValue[] {
  return Array.isArray(value) ? value : [];
}

function num(value: JsonValue | undefined, fallback = 0): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return fallback;
}

function str(value: JsonValue | undefined, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

/** Reads a TopicRouteData body (already parsed with parseFastjson). */
export function parseTopicRoute(topic: string, json: JsonValue): TopicRoute {
  const body = asObject(json, `route of ${topic}`);
  const queueDatas = asArray(body.queueDatas).map((q) => {
    const o = asObject(q, 'queueData');
    return {
      brokerName: str(o.brokerName),
      readQueueNums: num(o.readQueueNums),
      writeQueueNums: num(o.writeQueueNums),
      perm: num(o.perm),
      topicSysFlag: num(o.topicSysFlag),
    };
  });
  const brokerDatas = asArray(body.brokerDatas).map((b) => parseBrokerData(b));
  const orderTopicConf = typeof body.orderTopicConf === 'string' ? body.orderTopicConf : undefined;
  return { topic, orderTopicConf, queueDatas, brokerDatas };
}

export function parseBrokerData(json: JsonValue): BrokerData {
  const o = asObject(json, 'brokerData');
  const brokerAddrs = new Map<number, string>();
  const addrs = o.brokerAddrs;
  if (addrs && typeof addrs === 'object' && !Array.isArray(addrs)) {
    for (const [id, addr] of Object.entries(addrs)) {
      if (/^-?\d+$/.test(id) && typeof addr === 'string') brokerAddrs.set(Number(id), addr);
    }
  }
  return { cluster: str(o.cluster), brokerName: str(o.brokerName), brokerAddrs };
}

/** Derives publish and subscribe queues (TopicPublishInfo / topicRouteData2TopicSubscribeInfo). */
export function buildRouteInfo(route: TopicRoute): TopicRouteInfo {
  const writeQueues: MessageQueue[] = [];
  const readQueues: MessageQueue[] = [];
  const masters = new Set(
    route.brokerDatas.filter((b) => b.brokerAddrs.has(MASTER_ID)).map((b) => b.brokerName),
  );
  const ordered = orderTopicQueues(route);
  if (ordered) {
    writeQueues.push(...ordered);
  } else {
    // Java sorts queueDatas by brokerName before building the list.
    const sorted = [...route.queueDatas].sort((a, b) =>
      a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0,
    );
    for (const q of sorted) {
      if ((q.perm & Perm.WRITE) === 0 || !masters.has(q.brokerName)) continue;
      for (let i = 0; i < q.writeQueueNums; i++)
        writeQueues.push({ topic: route.topic, brokerName: q.brokerName, queueId: i });
    }
  }
  for (const q of route.queueDatas) {
    if ((q.perm & Perm.READ) === 0) continue;
    for (let i = 0; i < q.readQueueNums; i++)
      readQueues.push({ topic: route.topic, brokerName: q.brokerName, queueId: i });
  }
  return { route, writeQueues, readQueues, fingerprint: routeFingerprint(route) };
}

/** `orderTopicConf` "broker-a:4;broker-b:4" gives the queues of an ordered topic in that order. */
function orderTopicQueues(route: TopicRoute): MessageQueue[] | undefined {
  if (!route.orderTopicConf) return undefined;
  const queues: MessageQueue[] = [];
  for (const part of route.orderTopicConf.split(';')) {
    const [brokerName, count] = part.split(':');
    const n = Number(count);
    if (!brokerName || !Number.isInteger(n)) continue;
    for (let i = 0; i < n; i++) queues.push({ topic: route.topic, brokerName, queueId: i });
  }
  return queues.length > 0 ? queues : undefined;
}

function routeFingerprint(route: TopicRoute): string {
  return JSON.stringify({
    o: route.orderTopicConf ?? null,
    q: [...route.queueDatas].sort((a, b) => a.brokerName.localeCompare(b.brokerName)),
    b: [...route.brokerDatas]
      .sort((a, b) => a.brokerName.localeCompare(b.brokerName))
      .map((b) => [b.cluster, b.brokerName, [...b.brokerAddrs.entries()].sort((x, y) => x[0] - y[0])]),
  });
}

/** "topic@brokerName#queueId", for logs and map keys. */
export function queueKey(queue: MessageQueue): string {
  return `${queue.topic}@${queue.brokerName}#${queue.queueId}`;
}

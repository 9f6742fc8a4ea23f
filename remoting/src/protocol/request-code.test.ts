import { isRequestCode, RequestCode, requestCodeName } from './request-code';

describe('RequestCode', () => {
  // The codes of PROTOCOL.md §2.1 and the admin codes Skyrocket names, checked against RequestCode.java.
  it.each([
    ['SEND_MESSAGE', 10],
    ['PULL_MESSAGE', 11],
    ['QUERY_MESSAGE', 12],
    ['QUERY_CONSUMER_OFFSET', 14],
    ['UPDATE_CONSUMER_OFFSET', 15],
    ['UPDATE_AND_CREATE_TOPIC', 17],
    ['GET_ALL_TOPIC_CONFIG', 21],
    ['GET_BROKER_RUNTIME_INFO', 28],
    ['SEARCH_OFFSET_BY_TIMESTAMP', 29],
    ['GET_MAX_OFFSET', 30],
    ['GET_MIN_OFFSET', 31],
    ['GET_EARLIEST_MSG_STORETIME', 32],
    ['VIEW_MESSAGE_BY_ID', 33],
    ['HEART_BEAT', 34],
    ['UNREGISTER_CLIENT', 35],
    ['CONSUMER_SEND_MSG_BACK', 36],
    ['END_TRANSACTION', 37],
    ['GET_CONSUMER_LIST_BY_GROUP', 38],
    ['CHECK_TRANSACTION_STATE', 39],
    ['NOTIFY_CONSUMER_IDS_CHANGED', 40],
    ['LOCK_BATCH_MQ', 41],
    ['UNLOCK_BATCH_MQ', 42],
    ['GET_ALL_CONSUMER_OFFSET', 43],
    ['GET_ALL_DELAY_OFFSET', 45],
    ['PUT_KV_CONFIG', 100],
    ['GET_KV_CONFIG', 101],
    ['DELETE_KV_CONFIG', 102],
    ['REGISTER_BROKER', 103],
    ['UNREGISTER_BROKER', 104],
    ['GET_ROUTEINFO_BY_TOPIC', 105],
    ['GET_BROKER_CLUSTER_INFO', 106],
    ['UPDATE_AND_CREATE_SUBSCRIPTIONGROUP', 200],
    ['GET_ALL_SUBSCRIPTIONGROUP_CONFIG', 201],
    ['GET_TOPIC_STATS_INFO', 202],
    ['GET_CONSUMER_CONNECTION_LIST', 203],
    ['GET_PRODUCER_CONNECTION_LIST', 204],
    ['WIPE_WRITE_PERM_OF_BROKER', 205],
    ['GET_ALL_TOPIC_LIST_FROM_NAMESERVER', 206],
    ['GET_CONSUME_STATS', 208],
    ['DELETE_TOPIC_IN_BROKER', 215],
    ['DELETE_TOPIC_IN_NAMESRV', 216],
    ['REGISTER_TOPIC_IN_NAMESRV', 217],
    ['GET_KVLIST_BY_NAMESPACE', 219],
    ['RESET_CONSUMER_CLIENT_OFFSET', 220],
    ['GET_CONSUMER_STATUS_FROM_CLIENT', 221],
    ['GET_TOPICS_BY_CLUSTER', 224],
    ['GET_SYSTEM_TOPIC_LIST_FROM_NS', 304],
    ['GET_CONSUMER_RUNNING_INFO', 307],
    ['CONSUME_MESSAGE_DIRECTLY', 309],
    ['SEND_MESSAGE_V2', 310],
    ['GET_UNIT_TOPIC_LIST', 311],
    ['UPDATE_NAMESRV_CONFIG', 318],
    ['GET_NAMESRV_CONFIG', 319],
    ['SEND_BATCH_MESSAGE', 320],
    ['QUERY_DATA_VERSION', 322],
    ['PUSH_REPLY_MESSAGE_TO_CLIENT', 326],
    ['LITE_PULL_MESSAGE', 361],
    ['GET_ALL_MESSAGE_REQUEST_MODE', 402],
    ['BROKER_HEARTBEAT', 904],
    ['POP_MESSAGE', 200050],
    ['ACK_MESSAGE', 200051],
    ['PEEK_MESSAGE', 200052],
    ['CHANGE_MESSAGE_INVISIBLETIME', 200053],
    ['NOTIFICATION', 200054],
    ['POLLING_INFO', 200055],
    ['POP_ROLLBACK', 200056],
    ['BATCH_ACK_MESSAGE', 200151],
  ] as const)('%s = %d', (name, code) => {
    expect(RequestCode[name]).toBe(code);
    expect(requestCodeName(code)).toBe(name);
    expect(isRequestCode(code)).toBe(true);
  });

  it('gives every code its own value', () => {
    const values = Object.values(RequestCode);
    expect(new Set(values).size).toBe(values.length);
  });

  it('names unknown codes UNKNOWN_<code>', () => {
    expect(requestCodeName(123)).toBe('UNKNOWN_123');
    expect(isRequestCode(123)).toBe(false);
  });
});

import { isResponseCode, ResponseCode, responseCodeName } from './response-code';

describe('ResponseCode', () => {
  it.each([
    ['SUCCESS', 0],
    ['SYSTEM_ERROR', 1],
    ['SYSTEM_BUSY', 2],
    ['REQUEST_CODE_NOT_SUPPORTED', 3],
    ['TRANSACTION_FAILED', 4],
    ['FLUSH_DISK_TIMEOUT', 10],
    ['SLAVE_NOT_AVAILABLE', 11],
    ['FLUSH_SLAVE_TIMEOUT', 12],
    ['MESSAGE_ILLEGAL', 13],
    ['SERVICE_NOT_AVAILABLE', 14],
    ['VERSION_NOT_SUPPORTED', 15],
    ['NO_PERMISSION', 16],
    ['TOPIC_NOT_EXIST', 17],
    ['TOPIC_EXIST_ALREADY', 18],
    ['PULL_NOT_FOUND', 19],
    ['PULL_RETRY_IMMEDIATELY', 20],
    ['PULL_OFFSET_MOVED', 21],
    ['QUERY_NOT_FOUND', 22],
    ['SUBSCRIPTION_PARSE_FAILED', 23],
    ['SUBSCRIPTION_NOT_EXIST', 24],
    ['SUBSCRIPTION_NOT_LATEST', 25],
    ['SUBSCRIPTION_GROUP_NOT_EXIST', 26],
    ['FILTER_DATA_NOT_EXIST', 27],
    ['FILTER_DATA_NOT_LATEST', 28],
    ['INVALID_PARAMETER', 29],
    ['TRANSACTION_SHOULD_COMMIT', 200],
    ['TRANSACTION_SHOULD_ROLLBACK', 201],
    ['TRANSACTION_STATE_UNKNOW', 202],
    ['TRANSACTION_STATE_GROUP_WRONG', 203],
    ['NO_BUYER_ID', 204],
    ['NOT_IN_CURRENT_UNIT', 205],
    ['CONSUMER_NOT_ONLINE', 206],
    ['CONSUME_MSG_TIMEOUT', 207],
    ['NO_MESSAGE', 208],
    ['POLLING_FULL', 209],
    ['POLLING_TIMEOUT', 210],
    ['BROKER_NOT_EXIST', 211],
    ['FLOW_CONTROL', 215],
    ['NOT_LEADER_FOR_QUEUE', 501],
    ['GO_AWAY', 1500],
  ] as const)('%s = %d', (name, code) => {
    expect(ResponseCode[name]).toBe(code);
    expect(responseCodeName(code)).toBe(name);
    expect(isResponseCode(code)).toBe(true);
  });

  it('gives every code its own value', () => {
    const values = Object.values(ResponseCode);
    expect(new Set(values).size).toBe(values.length);
  });

  it('names unknown codes UNKNOWN_<code>', () => {
    expect(responseCodeName(999)).toBe('UNKNOWN_999');
  });
});

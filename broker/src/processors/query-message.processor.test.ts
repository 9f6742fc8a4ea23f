import { decodeRecords, RequestCode, ResponseCode } from '@skyrocket/remoting';
import { topicConfig } from '../topic/topic-config-manager';
import { startTestBroker, type TestBroker } from '../testing/test-broker';

describe('message lookup processors', () => {
  let t: TestBroker;
  beforeEach(async () => {
    t = await startTestBroker();
    t.broker.context.topics.upsert(topicConfig('Lookup', 2));
  });
  afterEach(() => t.close());

  const query = (header: Record<string, string | number>, unique = false) =>
    t.request(RequestCode.QUERY_MESSAGE, {
      topic: 'Lookup',
      maxNum: 32,
      beginTimestamp: 0,
      endTimestamp: '9223372036854775807',
      ...header,
      ...(unique ? { _UNIQUE_KEY_QUERY: 'true' } : {}),
    });

  describe('QUERY_MESSAGE (12)', () => {
    it('answers the records whose KEYS hold the key, back to back, with the index position in the header', async () => {
      await t.put('Lookup', 0, { KEYS: 'order-1 order-2' }, 'first');
      await t.put('Lookup', 1, { KEYS: 'order-2' }, 'second');
      await t.put('Lookup', 0, { KEYS: 'order-3' }, 'third');
      const response = await query({ key: 'order-2' });
      expect(response.code).toBe(ResponseCode.SUCCESS);
      const bodies = decodeRecords(response.body ?? Buffer.alloc(0)).map((r) => r.body.toString());
      expect(bodies.sort()).toEqual(['first', 'second']);
      expect(response.extFields).toEqual({
        indexLastUpdateTimestamp: String(t.clock.now()),
        indexLastUpdatePhyoffset: String(t.store.getMaxPhyOffset()),
      });
      const one = await query({ key: 'order-2', maxNum: 1 });
      expect(decodeRecords(one.body ?? Buffer.alloc(0))).toHaveLength(1);
    });

    it('finds a message by UNIQ_KEY when _UNIQUE_KEY_QUERY is set, whatever maxNum says', async () => {
      await t.put('Lookup', 0, { UNIQ_KEY: 'AC11000100002A9F0000000000000001' }, 'unique');
      const response = await query({ key: 'AC11000100002A9F0000000000000001', maxNum: 0 }, true);
      expect(decodeRecords(response.body ?? Buffer.alloc(0)).map((r) => r.body.toString())).toEqual([
        'unique',
      ]);
    });

    it('answers QUERY_NOT_FOUND with the header filled when nothing matches or the time range excludes it', async () => {
      await t.put('Lookup', 0, { KEYS: 'k' });
      const headers: Array<Record<string, string | number>> = [
        { key: 'other' },
        { key: 'k', beginTimestamp: t.clock.now() + 1 },
      ];
      for (const header of headers) {
        const response = await query(header);
        expect(response.code).toBe(ResponseCode.QUERY_NOT_FOUND);
        expect(response.remark).toBe('can not find message, maybe time range not correct');
        expect(response.extFields).toEqual({ indexLastUpdateTimestamp: '0', indexLastUpdatePhyoffset: '0' });
      }
    });

    it.each([
      [{ key: '' }, ResponseCode.INVALID_PARAMETER, 'the query key is blank'],
      [{ key: 'k', maxNum: 0 }, ResponseCode.INVALID_PARAMETER, 'maxNum must be positive, got 0'],
      [
        { key: 'k', beginTimestamp: 10, endTimestamp: 5 },
        ResponseCode.INVALID_PARAMETER,
        'beginTimestamp 10 is after endTimestamp 5',
      ],
      [
        { key: 'k', maxNum: 'many' },
        ResponseCode.SYSTEM_ERROR,
        'header field "maxNum": expected an int32, got "many"',
      ],
    ])('refuses %j', async (header, code, remark) => {
      const response = await query(header);
      expect([response.code, response.remark]).toEqual([code, remark]);
    });

    it('names a missing key', async () => {
      const response = await t.request(RequestCode.QUERY_MESSAGE, {
        topic: 'Lookup',
        maxNum: 1,
        beginTimestamp: 0,
        endTimestamp: 1,
      });
      expect([response.code, response.remark]).toEqual([
        ResponseCode.SYSTEM_ERROR,
        'missing required header field "key"',
      ]);
    });
  });

  describe('VIEW_MESSAGE_BY_ID (33)', () => {
    it('answers the stored record at a commit-log offset', async () => {
      await t.put('Lookup', 0, {}, 'before');
      const stored = await t.put('Lookup', 1, { TAGS: 'T' }, 'viewed');
      const response = await t.request(RequestCode.VIEW_MESSAGE_BY_ID, {
        offset: stored.wroteOffset,
        topic: 'Lookup',
      });
      expect(response.code).toBe(ResponseCode.SUCCESS);
      expect(response.body).toEqual(await t.store.lookMessageByOffset(stored.wroteOffset));
      const [record] = decodeRecords(response.body ?? Buffer.alloc(0));
      expect(record?.body.toString()).toBe('viewed');
      expect(record?.commitLogOffset).toBe(stored.wroteOffset);
    });

    it.each([
      [{ offset: 999_999 }, 'can not find message by the offset, 999999'],
      [{ offset: 1 }, 'can not find message by the offset, 1'],
      [{ offset: -5 }, 'can not find message by the offset, -5 (a commit-log offset is never negative)'],
      [
        { offset: 'x' },
        'header field "offset": expected an int64 within the JavaScript safe-integer range (±(2^53-1)), got "x"',
      ],
      [{}, 'missing required header field "offset"'],
    ])('answers SYSTEM_ERROR for %j', async (header, remark) => {
      await t.put('Lookup', 0);
      const response = await t.request(RequestCode.VIEW_MESSAGE_BY_ID, header);
      expect([response.code, response.remark]).toEqual([ResponseCode.SYSTEM_ERROR, remark]);
    });
  });
});

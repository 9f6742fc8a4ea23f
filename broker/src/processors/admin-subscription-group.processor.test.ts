import { RequestCode, ResponseCode } from '@skyrocket/remoting';
import { startTestBroker, type TestBroker } from '../testing/test-broker';

describe('subscription group admin processors', () => {
  let t: TestBroker;
  beforeEach(async () => {
    t = await startTestBroker();
  });
  afterEach(() => t.close());

  it('UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200) stores the body over the defaults and replaces it on update', async () => {
    const created = await t.request(
      RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
      {},
      JSON.stringify({
        groupName: 'AdminGroup',
        retryMaxTimes: 3,
        consumeBroadcastEnable: false,
        unknownField: 1,
      }),
    );
    expect(created.code).toBe(ResponseCode.SUCCESS);
    expect(t.broker.context.groups.get('AdminGroup')).toMatchObject({
      groupName: 'AdminGroup',
      retryMaxTimes: 3,
      consumeBroadcastEnable: false,
      consumeEnable: true,
      retryQueueNums: 1,
    });
    await t.request(
      RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
      {},
      JSON.stringify({ groupName: 'AdminGroup', consumeEnable: false }),
    );
    expect(t.broker.context.groups.get('AdminGroup')).toMatchObject({
      consumeEnable: false,
      retryMaxTimes: 16,
    });
  });

  it.each([
    ['no body', undefined, ResponseCode.SYSTEM_ERROR, 'needs a SubscriptionGroupConfig JSON body'],
    ['a body that is not JSON', '{groupName:', ResponseCode.SYSTEM_ERROR, 'is not valid JSON'],
    ['a missing groupName', '{}', ResponseCode.SYSTEM_ERROR, 'SubscriptionGroupConfig.groupName'],
    ['a wrong type', '{"groupName":"G","retryQueueNums":"two"}', ResponseCode.SYSTEM_ERROR, 'retryQueueNums'],
    [
      'a negative count',
      '{"groupName":"G","retryQueueNums":-1}',
      ResponseCode.INVALID_PARAMETER,
      'retryQueueNums',
    ],
    ['an illegal name', '{"groupName":"a/b"}', ResponseCode.INVALID_PARAMETER, 'illegal characters'],
  ])('refuses %s', async (_what, body, code, remark) => {
    const response = await t.request(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, body);
    expect(response.code).toBe(code);
    expect(response.remark).toContain(remark);
    expect(t.broker.context.groups.all()).toEqual([]);
  });

  it('GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201) answers SubscriptionGroupWrapper with the total in the header', async () => {
    t.broker.context.groups.findOrCreate('G1');
    const response = await t.request(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG);
    const body = JSON.parse(response.body?.toString() ?? '') as Record<string, unknown>;
    expect(body).toMatchObject({ subscriptionGroupTable: { G1: { groupName: 'G1' } }, forbiddenTable: {} });
    expect(body.dataVersion).toMatchObject({ stateVersion: 0 });
    expect(response.extFields.totalGroupNum).toBe('1');
  });

  it('DELETE_SUBSCRIPTIONGROUP (207) removes the group, and its offsets only with cleanOffset', async () => {
    t.broker.context.groups.findOrCreate('G1');
    t.broker.context.groups.findOrCreate('G2');
    t.broker.context.offsets.commit('G1', 'T', 0, 4);
    t.broker.context.offsets.commit('G2', 'T', 0, 6);
    expect((await t.request(RequestCode.DELETE_SUBSCRIPTIONGROUP, { groupName: 'G1' })).code).toBe(
      ResponseCode.SUCCESS,
    );
    expect(t.broker.context.groups.get('G1')).toBeUndefined();
    expect(t.broker.context.offsets.query('G1', 'T', 0)).toBe(4);
    await t.request(RequestCode.DELETE_SUBSCRIPTIONGROUP, { groupName: 'G2', cleanOffset: true });
    expect(t.broker.context.offsets.query('G2', 'T', 0)).toBe(-1);
    expect((await t.request(RequestCode.DELETE_SUBSCRIPTIONGROUP, { groupName: 'Never' })).code).toBe(
      ResponseCode.SUCCESS,
    );
    const missing = await t.request(RequestCode.DELETE_SUBSCRIPTIONGROUP, {});
    expect(missing.remark).toBe('missing required header field "groupName"');
    const badFlag = await t.request(RequestCode.DELETE_SUBSCRIPTIONGROUP, {
      groupName: 'G',
      cleanOffset: 'yes',
    });
    expect(badFlag.remark).toBe(
      'header field "cleanOffset": expected a boolean ("true" or "false"), got "yes"',
    );
  });
});

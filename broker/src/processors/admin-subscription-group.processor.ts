import { z } from 'zod';
import { SkyrocketError } from '@skyrocket/common';
import {
  bool,
  createResponse,
  decodeHeader,
  encodeHeader,
  ResponseCode,
  str,
  type RequestProcessor,
} from '@skyrocket/remoting';
import {
  createOrUpdateSubscriptionGroup,
  deleteSubscriptionGroup,
  SubscriptionGroupFields,
} from '../admin/subscription-group-admin';
import { jsonBody, type BrokerContext } from './processor';

/**
 * SubscriptionGroupConfig as mqadmin updateSubGroup and DefaultMQAdminExt.createAndUpdateSubscriptionGroupConfig
 * send it. Fields left out take SubscriptionGroupConfig's defaults, as fastjson leaves them; fields Skyrocket does
 * not use (groupRetryPolicy, subscriptionDataSet) are ignored.
 */
const SubscriptionGroupBody = SubscriptionGroupFields.extend({ groupName: z.string() });

/**
 * UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200): no header; body SubscriptionGroupConfig JSON. Replaces the group's
 * config and persists it (SubscriptionGroupManager.updateSubscriptionGroupConfig), through the code the HTTP admin
 * API shares (admin/subscription-group-admin.ts).
 * An illegal group name is INVALID_PARAMETER with TopicValidator's remark, as in RocketMQ, and so is a value out of
 * range; a missing body, a body that is not JSON or a field of the wrong type is SYSTEM_ERROR naming the problem
 * (RocketMQ fails in fastjson there, except that it silently accepts a missing body).
 */
export function updateAndCreateSubscriptionGroupProcessor(context: BrokerContext): RequestProcessor {
  return (request) => {
    const text = request.body?.toString('utf8') ?? '';
    if (text.trim() === '') {
      throw new SkyrocketError(
        'INVALID_BODY',
        'UPDATE_AND_CREATE_SUBSCRIPTIONGROUP needs a SubscriptionGroupConfig JSON body',
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new SkyrocketError('INVALID_BODY', 'UPDATE_AND_CREATE_SUBSCRIPTIONGROUP body is not valid JSON', {
        cause: error,
      });
    }
    const parsed = SubscriptionGroupBody.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || 'body';
      const code =
        issue?.code === 'too_small' || issue?.code === 'too_big' ? 'INVALID_PARAMETER' : 'INVALID_BODY';
      throw new SkyrocketError(code, `SubscriptionGroupConfig.${field}: ${issue?.message ?? 'invalid'}`);
    }
    const outcome = createOrUpdateSubscriptionGroup(
      context.groups,
      context.config.maxReconsumeTimes,
      parsed.data,
      'default',
    );
    if (!outcome.ok) return createResponse(request, outcome.code, { remark: outcome.remark });
    const { config } = outcome.value;
    context.logger.info(
      { group: config.groupName, config },
      'subscription group created or updated by admin',
    );
    return createResponse(request, ResponseCode.SUCCESS);
  };
}

const DeleteSubscriptionGroupRequestHeader = z.object({
  groupName: str(),
  cleanOffset: bool().default(false),
});

/**
 * DELETE_SUBSCRIPTIONGROUP (207): header groupName, cleanOffset (default false: keep the group's committed
 * offsets). Removes the group's config; an unknown group is SUCCESS, as in RocketMQ. An illegal name is
 * INVALID_PARAMETER.
 */
export function deleteSubscriptionGroupProcessor(context: BrokerContext): RequestProcessor {
  return (request) => {
    const header = decodeHeader(DeleteSubscriptionGroupRequestHeader, request.extFields);
    const outcome = deleteSubscriptionGroup(context, header.groupName, { cleanOffset: header.cleanOffset });
    if (!outcome.ok) return createResponse(request, outcome.code, { remark: outcome.remark });
    const { existed } = outcome.value;
    context.logger.info(
      { group: header.groupName, existed, cleanOffset: header.cleanOffset },
      'subscription group deleted by admin',
    );
    return createResponse(request, ResponseCode.SUCCESS);
  };
}

/**
 * GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201): header groupSeq?, dataVersion?, maxGroupNum? (split metadata, ignored:
 * everything is answered). Body SubscriptionGroupWrapper {subscriptionGroupTable, forbiddenTable, dataVersion};
 * response header totalGroupNum.
 */
export function getAllSubscriptionGroupProcessor(context: BrokerContext): RequestProcessor {
  return (request) => {
    const wrapper = context.groups.wrapper();
    return createResponse(request, ResponseCode.SUCCESS, {
      extFields: encodeHeader({ totalGroupNum: Object.keys(wrapper.subscriptionGroupTable).length }),
      body: jsonBody({ ...wrapper, forbiddenTable: {} }),
    });
  };
}

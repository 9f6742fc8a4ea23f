import {
  createResponse,
  decodeHeader,
  encodeHeader,
  PullMessageRequestHeader,
  PullSysFlag,
  RequestCode,
  ResponseCode,
  tagsString2tagsCode,
  type RemotingCommand,
  type RequestProcessor,
} from '@skyrocket/remoting';
import type { GetMessageStatus, MessageFilter } from '@skyrocket/store';
import type { SubscriptionData } from '../client/client-managers';
import { Perm } from '../topic/topic-config-manager';
import type { BrokerContext } from './processor';

/** RocketMQ maxTransferCountOnMessageInMemory / maxTransferBytesOnMessageInMemory. */
const MAX_TRANSFER_COUNT = 32;
const MAX_TRANSFER_BYTES = 256 * 1024;

/**
 * PULL_MESSAGE (11) and LITE_PULL_MESSAGE (361). Header consumerGroup, topic, queueId, queueOffset, maxMsgNums,
 * sysFlag (COMMIT_OFFSET 1, SUSPEND 2, SUBSCRIPTION 4, CLASS_FILTER 8, LITE_PULL 16), commitOffset,
 * suspendTimeoutMillis, subscription, subVersion, expressionType. Reply header suggestWhichBrokerId,
 * nextBeginOffset, minOffset, maxOffset; remark = the store status; body = the raw records on SUCCESS.
 *
 * Without the SUBSCRIPTION flag the subscription comes from the group's heartbeats (SUBSCRIPTION_NOT_EXIST /
 * SUBSCRIPTION_NOT_LATEST otherwise). A pull that finds nothing and may suspend is held until a matching message
 * arrives or its suspend time ends (long polling), then run again without suspension.
 */
export function pullMessageProcessor(context: BrokerContext): RequestProcessor {
  const run = (request: RemotingCommand, allowSuspend: boolean): Promise<RemotingCommand | undefined> =>
    pull(context, request, allowSuspend, run);
  return (request) => run(request, true);
}

async function pull(
  context: BrokerContext,
  request: RemotingCommand,
  allowSuspend: boolean,
  rerun: (request: RemotingCommand, allowSuspend: boolean) => Promise<RemotingCommand | undefined>,
): Promise<RemotingCommand | undefined> {
  const header = decodeHeader(PullMessageRequestHeader, request.extFields);
  const fail = (code: number, remark: string) => {
    context.metrics.pulls.inc({ topic: header.topic, result: `refused_${code}` });
    return createResponse(request, code, {
      remark,
      extFields: encodeHeader({
        suggestWhichBrokerId: 0,
        nextBeginOffset: header.queueOffset,
        minOffset: 0,
        maxOffset: 0,
      }),
    });
  };
  if ((context.permission.value & Perm.READ) === 0) {
    return fail(
      ResponseCode.NO_PERMISSION,
      `the broker[${context.config.brokerName}] pulling message is forbidden`,
    );
  }
  const group = context.groups.findOrCreate(header.consumerGroup);
  if (!group) {
    return fail(
      ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
      `subscription group [${header.consumerGroup}] does not exist`,
    );
  }
  if (!group.consumeEnable) {
    return fail(ResponseCode.NO_PERMISSION, `subscription group no permission, ${header.consumerGroup}`);
  }
  const topic = context.topics.get(header.topic);
  if (!topic)
    return fail(ResponseCode.TOPIC_NOT_EXIST, `topic[${header.topic}] not exist, apply first please!`);
  if ((topic.perm & Perm.READ) === 0) {
    return fail(ResponseCode.NO_PERMISSION, `the topic[${header.topic}] pulling message is forbidden`);
  }
  if (header.queueId < 0 || header.queueId >= topic.readQueueNums) {
    return fail(
      ResponseCode.INVALID_PARAMETER,
      `queueId[${header.queueId}] is illegal, topic:[${header.topic}] topicConfig.readQueueNums:[${topic.readQueueNums}]`,
    );
  }

  const hasSubscriptionFlag =
    (header.sysFlag & PullSysFlag.FLAG_SUBSCRIPTION) !== 0 || request.code === RequestCode.LITE_PULL_MESSAGE;
  let subscription: SubscriptionData | undefined;
  if (hasSubscriptionFlag) {
    subscription = parseSubscription(
      header.topic,
      header.subscription ?? '*',
      header.expressionType ?? 'TAG',
      header.subVersion,
    );
  } else {
    const consumerGroup = context.consumers.get(header.consumerGroup);
    if (!consumerGroup) {
      return fail(
        ResponseCode.SUBSCRIPTION_NOT_EXIST,
        `the consumer's group info not exist, ${header.consumerGroup}`,
      );
    }
    if (!group.consumeBroadcastEnable && consumerGroup.messageModel === 'BROADCASTING') {
      return fail(
        ResponseCode.NO_PERMISSION,
        `the consumer group[${header.consumerGroup}] can not consume by broadcast way`,
      );
    }
    subscription = consumerGroup.subscriptions.get(header.topic);
    if (!subscription) {
      return fail(
        ResponseCode.SUBSCRIPTION_NOT_EXIST,
        `the consumer's subscription not exist, ${header.topic}`,
      );
    }
    if (subscription.subVersion < header.subVersion) {
      return fail(
        ResponseCode.SUBSCRIPTION_NOT_LATEST,
        `the consumer's subscription not latest, ${subscription.subString}`,
      );
    }
  }
  if (subscription.expressionType !== 'TAG') {
    // PullMessageProcessor with enablePropertyFilter=false (its default).
    return fail(
      ResponseCode.SYSTEM_ERROR,
      `The broker does not support consumer to filter message by ${subscription.expressionType}`,
    );
  }
  const filter = tagFilter(subscription);

  // Commit the consumer's offset once, on the first execution (not when a held pull is woken), and before the first
  // await: an UPDATE_CONSUMER_OFFSET the client sent after this pull (a shutdown's final commit) must not be
  // overwritten by this older value when the read finishes.
  if (
    allowSuspend &&
    (header.sysFlag & PullSysFlag.FLAG_COMMIT_OFFSET) !== 0 &&
    context.config.brokerRole !== 'SLAVE'
  ) {
    context.offsets.commit(header.consumerGroup, header.topic, header.queueId, header.commitOffset);
  }

  const result = await context.store.getMessage(header.topic, header.queueId, header.queueOffset, {
    maxMessages: Math.min(Math.max(1, header.maxMsgNums), MAX_TRANSFER_COUNT),
    maxBytes: Math.min(header.maxMsgBytes ?? MAX_TRANSFER_BYTES, MAX_TRANSFER_BYTES),
    ...(filter ? { filter } : {}),
  });

  const code = pullStatusCode(result.status, header.queueOffset);
  if (
    code === ResponseCode.PULL_NOT_FOUND &&
    allowSuspend &&
    (header.sysFlag & PullSysFlag.FLAG_SUSPEND) !== 0
  ) {
    const suspendMs = context.config.longPollingEnable
      ? header.suspendTimeoutMillis
      : context.config.shortPollingTimeMills;
    context.metrics.longPollingHeld.inc();
    return new Promise((resolve) => {
      context.holds.hold(
        header.topic,
        header.queueId,
        header.queueOffset,
        suspendMs,
        (tagsCode) => !filter || filter.matchesTagsCode(tagsCode),
        () => {
          context.metrics.longPollingHeld.dec();
          // Woken: run again without suspending; the answer goes out whatever it is.
          resolve(
            rerun(request, false).catch(() => fail(ResponseCode.SYSTEM_ERROR, 'pull failed after wake-up')),
          );
        },
      );
    });
  }

  context.metrics.pulls.inc({ topic: header.topic, result: result.status });
  if (result.totalBytes > 0) context.metrics.pullBytes.inc({ topic: header.topic }, result.totalBytes);
  return createResponse(request, code, {
    remark: result.status,
    extFields: encodeHeader({
      suggestWhichBrokerId: 0,
      nextBeginOffset: result.nextBeginOffset,
      minOffset: result.minOffset,
      maxOffset: result.maxOffset,
      topicSysFlag: topic.topicSysFlag,
      groupSysFlag: group.groupSysFlag,
    }),
    body: code === ResponseCode.SUCCESS ? Buffer.concat(result.records, result.totalBytes) : undefined,
  });
}

/** DefaultPullMessageResultHandler: store status → response code (PROTOCOL.md §2.5). */
export function pullStatusCode(status: GetMessageStatus, requestOffset: number): number {
  switch (status) {
    case 'FOUND':
      return ResponseCode.SUCCESS;
    case 'NO_MATCHED_MESSAGE':
    case 'MESSAGE_WAS_REMOVING':
      return ResponseCode.PULL_RETRY_IMMEDIATELY;
    case 'NO_MATCHED_LOGIC_QUEUE':
    case 'NO_MESSAGE_IN_QUEUE':
      return requestOffset !== 0 ? ResponseCode.PULL_OFFSET_MOVED : ResponseCode.PULL_NOT_FOUND;
    case 'OFFSET_FOUND_NULL':
    case 'OFFSET_OVERFLOW_ONE':
      return ResponseCode.PULL_NOT_FOUND;
    case 'OFFSET_OVERFLOW_BADLY':
    case 'OFFSET_TOO_SMALL':
      return ResponseCode.PULL_OFFSET_MOVED;
  }
}

/** FilterAPI.buildSubscriptionData: "*" or empty = everything; "TagA || TagB" = those tags by hash code. */
export function parseSubscription(
  topic: string,
  subString: string,
  expressionType: string,
  subVersion: number,
): SubscriptionData {
  const trimmed = subString.trim();
  if (trimmed === '' || trimmed === '*') {
    return { topic, subString: '*', tagsSet: [], codeSet: [], subVersion, expressionType };
  }
  const tagsSet = trimmed
    .split('||')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  return {
    topic,
    subString: trimmed,
    tagsSet,
    codeSet: tagsSet.map((t) => tagsString2tagsCode(t)),
    subVersion,
    expressionType,
  };
}

/** ExpressionMessageFilter.isMatchedByConsumeQueue for TAG subscriptions; undefined means "everything". */
function tagFilter(subscription: SubscriptionData): MessageFilter | undefined {
  if (subscription.subString === '*' || subscription.codeSet.length === 0) return undefined;
  const codes = new Set(subscription.codeSet);
  return { matchesTagsCode: (tagsCode) => codes.has(tagsCode) };
}

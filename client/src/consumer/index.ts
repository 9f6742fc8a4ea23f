// The consumers of @skyrocket/client: push (clustering/broadcasting, concurrent/orderly) and lite pull.
export * from './allocate';
export * from './consumer-events';
export {
  compareJavaStrings,
  compareMessageQueues,
  describeMessageQueue,
  messageQueue,
  messageQueueKey,
  sameMessageQueue,
} from './message-queue';
export * from './offset-store';
export { ProcessQueue, type FlowControlReason } from './process-queue';
export { userProperties, retryTopicOf, dlqTopicOf, type MessageExt } from './pull/message-ext';
export type { PullStatus } from './pull/pull-result';
export { buildSubscriptionData, type Subscription } from './pull/subscription';
export * from './push/listeners';
export { PushConsumer, PushConsumerOptionsSchema, type PushConsumerOptions } from './push/push-consumer';
export {
  LitePullConsumer,
  LitePullConsumerOptionsSchema,
  type LitePullConsumerOptions,
} from './lite-pull/lite-pull-consumer';

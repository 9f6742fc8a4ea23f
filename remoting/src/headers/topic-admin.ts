/**
 * Broker topic admin headers (PROTOCOL.md §2.7; `header/CreateTopicRequestHeader.java`,
 * `DeleteTopicRequestHeader.java`).
 *
 * UPDATE_AND_CREATE_TOPIC (17): topic, defaultTopic, readQueueNums, writeQueueNums, perm (PermName bits),
 *   topicFilterType ("SINGLE_TAG" | "MULTI_TAG"), topicSysFlag?, order (default false), attributes? (the
 *   "+key=value,-key" string of topic attributes), force (default false).
 * DELETE_TOPIC_IN_BROKER (215): topic.
 */
import { z } from 'zod';

import { bool, int32, oneOf, str } from './fields';

export const CreateTopicRequestHeader = z.object({
  topic: str(),
  defaultTopic: str(),
  readQueueNums: int32(),
  writeQueueNums: int32(),
  perm: int32(),
  // TopicFilterType.valueOf on the broker rejects anything else.
  topicFilterType: oneOf(['SINGLE_TAG', 'MULTI_TAG']),
  topicSysFlag: int32().optional(),
  order: bool().default(false),
  attributes: str().optional(),
  force: bool().default(false),
});
export type CreateTopicRequestHeader = z.infer<typeof CreateTopicRequestHeader>;

export const DeleteTopicRequestHeader = z.object({
  topic: str(),
});
export type DeleteTopicRequestHeader = z.infer<typeof DeleteTopicRequestHeader>;

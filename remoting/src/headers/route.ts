/**
 * NameServer route and topic headers (PROTOCOL.md §2.3; `header/namesrv/*.java`).
 *
 * GET_ROUTEINFO_BY_TOPIC (105): topic; acceptStandardJsonOnly? (answer standard JSON even to a client below V4_9_4).
 * REGISTER_TOPIC_IN_NAMESRV (217): topic (the body is the broker's TopicRouteData for it).
 * DELETE_TOPIC_IN_NAMESRV (216): topic; clusterName? (only that cluster's brokers lose the topic).
 * GET_TOPICS_BY_CLUSTER (224): cluster.
 */
import { z } from 'zod';

import { bool, str } from './fields';

export const GetRouteInfoRequestHeader = z.object({
  topic: str(),
  acceptStandardJsonOnly: bool().optional(),
});
export type GetRouteInfoRequestHeader = z.infer<typeof GetRouteInfoRequestHeader>;

export const RegisterTopicRequestHeader = z.object({
  topic: str(),
});
export type RegisterTopicRequestHeader = z.infer<typeof RegisterTopicRequestHeader>;

export const DeleteTopicFromNamesrvRequestHeader = z.object({
  topic: str(),
  clusterName: str().optional(),
});
export type DeleteTopicFromNamesrvRequestHeader = z.infer<typeof DeleteTopicFromNamesrvRequestHeader>;

export const GetTopicsByClusterRequestHeader = z.object({
  cluster: str(),
});
export type GetTopicsByClusterRequestHeader = z.infer<typeof GetTopicsByClusterRequestHeader>;

import type { BrokerGroupStatus } from '../api/broker-cluster';
import { brokerPodName, type BrokerClusterObject } from './children';
import {
  isPodReady,
  podOrdinal,
  type ControllerContext,
  type PodObject,
  type StatefulSetObject,
} from './context';

/** What the reconcile learned about one broker group, desired or being removed. */
export interface GroupObservation {
  index: number;
  name: string;
  statefulSet: StatefulSetObject | undefined;
  pods: PodObject[];
  readyReplicas: number;
  /** The group's headless Service (per-pod DNS) and HTTP admin port. */
  service: string;
  httpPort: number;
  previous: BrokerGroupStatus | undefined;
}

/** The admin URL of pod `ordinal` of a group. */
export function podAdminUrl(
  ctx: ControllerContext,
  cr: BrokerClusterObject,
  group: Pick<GroupObservation, 'index' | 'service' | 'httpPort'>,
  ordinal: number,
): string {
  return ctx.brokerAdminUrl({
    namespace: cr.metadata.namespace ?? 'default',
    pod: brokerPodName(cr, group.index, ordinal),
    service: group.service,
    port: group.httpPort,
  });
}

export function isMasterReady(group: GroupObservation, replicasPerGroup: number): boolean {
  const master = group.pods.find((p) => podOrdinal(p.metadata.name) === 0);
  return master ? isPodReady(master) : group.readyReplicas >= Math.min(1, replicasPerGroup);
}

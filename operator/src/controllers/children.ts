import type { BrokerCluster } from '../api/broker-cluster';
import type { NameServerCluster } from '../api/name-server-cluster';
import {
  brokerGroupChildren,
  brokerGroupName,
  brokerNameServerAddress,
  brokerPodName,
  brokerRoleOf,
  brokerSelector,
  nameServerRefOf,
} from '../builders/broker';
import { nameServerChildren, nameServerDnsAddress } from '../builders/name-server';
import type { KubeObject } from '../runtime/types';
import type { Condition } from '../api/common';
import type { ControllerContext } from './context';

/**
 * The seam between the controllers and the builders (operator/src/builders, pure functions CR → child objects):
 * the controllers read CRs from the informer caches as wire JSON, the builders take the zod-typed CRs.
 */
export type NameServerClusterObject = KubeObject &
  Pick<NameServerCluster, 'apiVersion' | 'kind'> & {
    spec?: Partial<NameServerCluster['spec']>;
    status?: NameServerCluster['status'] & { conditions?: Condition[] };
  };

export type BrokerClusterObject = KubeObject &
  Pick<BrokerCluster, 'apiVersion' | 'kind'> & {
    spec?: Partial<BrokerCluster['spec']>;
    status?: BrokerCluster['status'] & { conditions?: Condition[] };
  };

function buildOptions(ctx: Pick<ControllerContext, 'defaultImage'>) {
  return ctx.defaultImage ? { defaultImage: ctx.defaultImage } : {};
}

export function buildNameServerChildren(
  cr: NameServerClusterObject,
  ctx: Pick<ControllerContext, 'defaultImage'>,
): KubeObject[] {
  return nameServerChildren(cr as unknown as NameServerCluster, buildOptions(ctx)) as unknown as KubeObject[];
}

/** namesrvAddr of brokers that reference this NameServerCluster. */
export function nameServerAddressOf(cr: NameServerClusterObject): string {
  return nameServerDnsAddress(cr as unknown as NameServerCluster);
}

/** namesrvAddr for a BrokerCluster, or undefined when its nameServerRef names a missing NameServerCluster. */
export function brokerNameServerAddressOf(
  cr: BrokerClusterObject,
  nameServerCluster: NameServerClusterObject | undefined,
): string | undefined {
  return brokerNameServerAddress(
    cr as unknown as BrokerCluster,
    nameServerCluster as unknown as NameServerCluster | undefined,
  );
}

export function nameServerRefOfBroker(
  cr: BrokerClusterObject,
): { namespace: string; name: string } | undefined {
  return nameServerRefOf(cr as unknown as BrokerCluster);
}

export function buildBrokerGroupChildren(
  cr: BrokerClusterObject,
  index: number,
  nameServerAddress: string,
  ctx: Pick<ControllerContext, 'defaultImage'>,
): KubeObject[] {
  return brokerGroupChildren(cr as unknown as BrokerCluster, index, {
    nameServerAddress,
    ...buildOptions(ctx),
  }) as unknown as KubeObject[];
}

export { brokerGroupName, brokerPodName, brokerRoleOf, brokerSelector };

export function brokerSelectorOf(cr: BrokerClusterObject): string {
  return brokerSelector(cr as unknown as BrokerCluster);
}

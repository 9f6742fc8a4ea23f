import type { Clock, Logger } from '@skyrocket/common';
import type { KvConfigManager } from '../kv/kv-config-manager';
import type { RouteInfoManager } from '../route/route-info-manager';

/** What every NameServer processor may use; each processor takes it through its factory. */
export interface NameServerContext {
  routes: RouteInfoManager;
  kv: KvConfigManager;
  clock: Clock;
  logger: Logger;
  returnOrderTopicConfigToBroker: boolean;
}

/** JSON body bytes for a response. Bodies are standard JSON with quoted keys; fastjson and ali-ons read it. */
export function jsonBody(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

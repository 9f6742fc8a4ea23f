import { Gauge, Histogram, type Registry } from 'prom-client';
import type { RouteInfoManager } from './route/route-info-manager';

/**
 * NameServer metrics (requests by code and result come from the RemotingServer's skyrocket_remoting_* series).
 * Gauges are computed at scrape time from the route table, so they can never drift from it.
 */
export function registerNameServerMetrics(registry: Registry, routes: RouteInfoManager, now: () => number) {
  new Gauge({
    name: 'skyrocket_nameserver_brokers',
    help: 'Brokers currently registered, by cluster and role',
    labelNames: ['cluster', 'role'],
    registers: [registry],
    collect() {
      this.reset();
      for (const live of routes.liveBrokers()) {
        this.inc({ cluster: live.clusterName, role: live.brokerId === 0 ? 'master' : 'slave' });
      }
    },
  });
  new Gauge({
    name: 'skyrocket_nameserver_topics',
    help: 'Topics with at least one route',
    registers: [registry],
    collect() {
      this.set(routes.topicCount);
    },
  });
  new Gauge({
    name: 'skyrocket_nameserver_broker_registration_age_seconds',
    help: 'Seconds since each registered broker last registered or heartbeated',
    labelNames: ['cluster', 'broker_name', 'broker_id', 'broker_addr'],
    registers: [registry],
    collect() {
      this.reset();
      const t = now();
      for (const live of routes.liveBrokers()) {
        this.set(
          {
            cluster: live.clusterName,
            broker_name: live.brokerName,
            broker_id: String(live.brokerId),
            broker_addr: live.brokerAddr,
          },
          (t - live.lastUpdateTimestamp) / 1000,
        );
      }
    },
  });
  return {
    expiredBrokers: new Histogram({
      name: 'skyrocket_nameserver_broker_expiry_scan_seconds',
      help: 'Duration of each scan for expired brokers',
      buckets: [0.0001, 0.001, 0.01, 0.1],
      registers: [registry],
    }),
  };
}

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Broker metrics (requests by code and result come from the RemotingServer's skyrocket_remoting_* series). */
export function createBrokerMetrics(registry: Registry) {
  return {
    sends: new Counter({
      name: 'skyrocket_broker_send_total',
      help: 'Messages sent to the broker, by topic and result (put status or refused_<code>)',
      labelNames: ['topic', 'result'],
      registers: [registry],
    }),
    sendBytes: new Counter({
      name: 'skyrocket_broker_send_bytes_total',
      help: 'Bytes stored by sends, by topic',
      labelNames: ['topic'],
      registers: [registry],
    }),
    sendLatency: new Histogram({
      name: 'skyrocket_broker_send_store_seconds',
      help: 'Time from store put to put result (includes the flush wait in SYNC_FLUSH)',
      buckets: [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers: [registry],
    }),
    pulls: new Counter({
      name: 'skyrocket_broker_pull_total',
      help: 'Pull requests answered, by topic and store status',
      labelNames: ['topic', 'result'],
      registers: [registry],
    }),
    pullBytes: new Counter({
      name: 'skyrocket_broker_pull_bytes_total',
      help: 'Bytes returned by pulls, by topic',
      labelNames: ['topic'],
      registers: [registry],
    }),
    longPollingHeld: new Gauge({
      name: 'skyrocket_broker_long_polling_held',
      help: 'Pull requests currently held by long polling',
      registers: [registry],
    }),
  };
}

export type BrokerMetrics = ReturnType<typeof createBrokerMetrics>;

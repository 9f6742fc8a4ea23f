import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One prom-client Registry per process component (not prom-client's global one), so several components can run
 * in one process (tests, `skyrocket start`) without clashing. Default Node metrics (event-loop lag, heap, GC,
 * handles) carry the `skyrocket_` prefix and every series a `component` label, so one dashboard query spans
 * components.
 */
export function createMetricsRegistry(
  component: string,
  options: { defaultMetrics?: boolean } = {},
): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry, prefix: 'skyrocket_', eventLoopMonitoringPrecision: 20 });
  }
  return registry;
}

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ReconcileObserver, ReconcileOutcome } from './runtime/controller-runner';

/**
 * Operator metrics, in the registry common's createMetricsRegistry made. Names follow controller-runtime's
 * de-facto schema (reconcile totals by result, reconcile time, work-queue depth) under the skyrocket_operator_ prefix.
 */
export class OperatorMetrics implements ReconcileObserver {
  readonly reconciles: Counter<'controller' | 'result'>;
  readonly reconcileSeconds: Histogram<'controller'>;
  readonly queueDepth: Gauge<'controller'>;
  readonly managedResources: Gauge<'kind'>;
  readonly isLeader: Gauge;
  readonly pausedResources: Gauge<'kind'>;

  constructor(
    registry: Registry,
    sources: {
      queueDepth(): Record<string, number>;
      managed(): Record<string, number>;
      paused(): Record<string, number>;
      leader(): boolean;
    },
  ) {
    this.reconciles = new Counter({
      name: 'skyrocket_operator_reconcile_total',
      help: 'Reconciles by controller and result (success, requeue, error)',
      labelNames: ['controller', 'result'],
      registers: [registry],
    });
    this.reconcileSeconds = new Histogram({
      name: 'skyrocket_operator_reconcile_duration_seconds',
      help: 'Time one reconcile took',
      labelNames: ['controller'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    this.queueDepth = new Gauge({
      name: 'skyrocket_operator_workqueue_depth',
      help: 'Keys waiting for a worker',
      labelNames: ['controller'],
      registers: [registry],
      collect() {
        for (const [controller, depth] of Object.entries(sources.queueDepth()))
          this.set({ controller }, depth);
      },
    });
    this.managedResources = new Gauge({
      name: 'skyrocket_operator_managed_resources',
      help: 'Custom resources the operator manages, by kind',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        for (const [kind, count] of Object.entries(sources.managed())) this.set({ kind }, count);
      },
    });
    this.pausedResources = new Gauge({
      name: 'skyrocket_operator_paused_resources',
      help: 'Custom resources with the skyrocket.dev/paused annotation, by kind',
      labelNames: ['kind'],
      registers: [registry],
      collect() {
        for (const [kind, count] of Object.entries(sources.paused())) this.set({ kind }, count);
      },
    });
    this.isLeader = new Gauge({
      name: 'skyrocket_operator_leader',
      help: '1 while this replica holds the leader-election Lease (or leader election is off)',
      registers: [registry],
      collect() {
        this.set(sources.leader() ? 1 : 0);
      },
    });
  }

  reconciled(controller: string, outcome: ReconcileOutcome, seconds: number): void {
    this.reconciles.inc({ controller, result: outcome });
    this.reconcileSeconds.observe({ controller }, seconds);
  }
}

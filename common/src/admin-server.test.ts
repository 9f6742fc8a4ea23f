import { Counter } from 'prom-client';
import { buildAdminServer } from './admin-server';
import { createMetricsRegistry } from './metrics';

describe('admin server', () => {
  it('serves health, readiness and metrics', async () => {
    const registry = createMetricsRegistry('test');
    new Counter({ name: 'skyrocket_test_things_total', help: 'things', registers: [registry] }).inc(3);
    let ready = false;
    const app = buildAdminServer({ registry, readiness: () => ({ ready, checks: { store: ready } }) });
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    const notReady = await app.inject('/readyz');
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({ status: 'not ready', checks: { store: false } });
    ready = true;
    expect((await app.inject('/readyz')).statusCode).toBe(200);
    const metrics = await app.inject('/metrics');
    expect(metrics.body).toContain('skyrocket_test_things_total{component="test"} 3');
    expect(metrics.body).toContain('skyrocket_nodejs_eventloop_lag_seconds');
    const missing = await app.inject('/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toContain('/nope');
    await app.close();
  });
});

import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from './logger';

export interface ReadinessReport {
  ready: boolean;
  /** Named checks and what each found, shown in the /readyz body. */
  checks: Record<string, unknown>;
}

export interface AdminServerOptions {
  registry: Registry;
  logger?: Logger;
  readiness?: () => ReadinessReport | Promise<ReadinessReport>;
}

/**
 * The HTTP admin skeleton every process shares: /healthz (the process is alive), /readyz (503 until the component
 * says it is ready, with the checks in the body), /metrics (Prometheus text format). Components add their own
 * routes before calling listen(). Built without side effects; the caller decides when and where to listen.
 */
export function buildAdminServer(options: AdminServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger | undefined,
    logController: new LogController({ disableRequestLogging: true }),
    // Admin bodies are small; refuse anything big before buffering it.
    bodyLimit: 1024 * 1024,
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const report = options.readiness ? await options.readiness() : { ready: true, checks: {} };
    return reply
      .code(report.ready ? 200 : 503)
      .send({ status: report.ready ? 'ready' : 'not ready', ...report });
  });
  app.get('/metrics', async (_request, reply) => {
    const text = await options.registry.metrics();
    return reply.type(options.registry.contentType).send(text);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: 'Not Found', message: `no route ${request.method} ${request.url}` });
  });
  return app;
}

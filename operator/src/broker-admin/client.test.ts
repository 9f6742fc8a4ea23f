import Fastify, { type FastifyInstance } from 'fastify';
import { BrokerAdminError, HttpBrokerAdmin } from './client';

describe('HttpBrokerAdmin', () => {
  let app: FastifyInstance;
  let base: string;
  const permissions: unknown[] = [];
  const topicBodies: unknown[] = [];

  beforeAll(async () => {
    app = Fastify();
    app.get('/api/broker', async () => ({
      brokerName: 'c-g0',
      brokerId: 0,
      permission: 'read-write',
      nameServers: [],
    }));
    app.put('/api/broker/permission', async (request) => {
      permissions.push(request.body);
      return { permission: 'read-only' };
    });
    app.put('/api/topics/:topic', async (request) => {
      topicBodies.push(request.body);
      return {};
    });
    app.get('/api/groups/:group/lag', async (request, reply) =>
      (request.params as { group: string }).group === 'gone'
        ? reply.code(404).send({ error: 'Not Found', message: 'no group gone' })
        : { group: 'g', totalLag: 7 },
    );
    app.get('/api/topics', async (_request, reply) => reply.code(500).send({ message: 'store closed' }));
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => app.close());

  const admin = new HttpBrokerAdmin({ timeoutMs: 2000 });

  it('reads the broker and group lag, and treats a vanished group as nothing to drain', async () => {
    expect((await admin.broker(base)).brokerName).toBe('c-g0');
    expect(await admin.groupLag(base, 'g')).toEqual({ group: 'g', totalLag: 7 });
    expect(await admin.groupLag(base, 'gone')).toBeUndefined();
  });

  it('sends the permission and topic bodies the broker routes accept', async () => {
    await admin.setPermission(base, 'read-only');
    await admin.putTopic(base, {
      topicName: 'orders',
      readQueueNums: 4,
      writeQueueNums: 4,
      perm: 6,
      topicFilterType: 'SINGLE_TAG',
      topicSysFlag: 0,
      order: false,
      attributes: {},
    });
    expect(permissions).toEqual([{ permission: 'read-only' }]);
    expect(topicBodies).toEqual([
      {
        readQueueNums: 4,
        writeQueueNums: 4,
        perm: 6,
        topicFilterType: 'SINGLE_TAG',
        topicSysFlag: 0,
        order: false,
      },
    ]);
  });

  it('names the URL and the reason on failures', async () => {
    await expect(admin.topics(base)).rejects.toThrow(
      /GET http:\/\/127\.0\.0\.1:\d+\/api\/topics: 500 store closed/,
    );
    const gone = Fastify();
    const goneBase = await gone.listen({ host: '127.0.0.1', port: 0 });
    await gone.close();
    const error = await admin.broker(goneBase).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerAdminError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });
});

import { connect, createServer, type Server, type Socket } from 'node:net';
import { Registry } from 'prom-client';
import { isSkyrocketError, silentLogger, SkyrocketError } from '@skyrocket/common';
import {
  Connection,
  createRequest,
  createResponse,
  encodeCommand,
  FrameDecoder,
  RemotingClient,
  RemotingServer,
  type RemotingCommand,
} from '@skyrocket/remoting';
import { waitFor } from '../harness/wait-for';

const ECHO = 9001;
const THROWS = 9002;
const CATALOG_ERROR = 9003;
const NEVER = 9004;
const BIG = 9005;
const ASK_BACK = 9006;

describe('RemotingServer and RemotingClient over loopback', () => {
  let server: RemotingServer;
  let registry: Registry;
  let address: string;
  const clients: RemotingClient[] = [];
  const sockets: Socket[] = [];
  const onewaySeen: RemotingCommand[] = [];
  let bigServed = 0;

  const newClient = (options: ConstructorParameters<typeof RemotingClient>[0] = {}) => {
    const client = new RemotingClient(options);
    clients.push(client);
    return client;
  };
  const rawSocket = async () => {
    const socket = connect({ host: '127.0.0.1', port: server.address().port });
    sockets.push(socket);
    await new Promise((resolve) => socket.once('connect', resolve));
    return socket;
  };

  beforeEach(async () => {
    registry = new Registry();
    server = new RemotingServer({
      name: 'test',
      host: '127.0.0.1',
      port: 0,
      registry,
      maxFrameSize: 64 * 1024,
      maxPendingWriteBytes: 2 * 1024 * 1024,
      writeHighWaterMark: 256 * 1024,
      idleTimeoutMs: 60_000,
    });
    server.registerProcessor(ECHO, (request) => {
      if (request.flag & 2) onewaySeen.push(request);
      return createResponse(request, 0, {
        extFields: { echo: request.extFields.value ?? '' },
        body: request.body,
      });
    });
    server.registerProcessor(THROWS, () => {
      throw new Error('boom');
    });
    server.registerProcessor(CATALOG_ERROR, () => {
      throw new SkyrocketError('TOPIC_NOT_EXIST', 'no such topic: T');
    });
    server.registerProcessor(NEVER, () => new Promise<undefined>(() => undefined));
    server.registerProcessor(BIG, (request) => {
      bigServed++;
      return createResponse(request, 0, { body: Buffer.alloc(60 * 1024, 1) });
    });
    server.registerProcessor(ASK_BACK, async (request, connection) => {
      const answer = await connection.invoke(createRequest(40, { extFields: { consumerGroup: 'g' } }), 2000);
      return createResponse(request, 0, { extFields: { answer: answer.extFields.reply ?? '' } });
    });
    await server.listen();
    address = `127.0.0.1:${server.address().port}`;
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server.close();
  });

  it('answers requests by opaque, many in flight on one connection', async () => {
    const client = newClient();
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        client.invoke(address, createRequest(ECHO, { extFields: { value: `v${i}` } }), 3000),
      ),
    );
    expect(responses.map((r) => r.extFields.echo)).toEqual(Array.from({ length: 200 }, (_, i) => `v${i}`));
    expect(responses.every((r) => r.flag === 1 && r.code === 0)).toBe(true);
  });

  it('replies in the serialization the request used', async () => {
    const client = newClient();
    const response = await client.invoke(
      address,
      createRequest(ECHO, { extFields: { value: 'bin' }, serializeType: 'ROCKETMQ', body: Buffer.from('b') }),
      3000,
    );
    expect(response).toMatchObject({ serializeType: 'ROCKETMQ', extFields: { echo: 'bin' } });
    expect(response.body?.toString()).toBe('b');
  });

  it('answers unknown codes with 3, processor failures with 1 and catalog errors with their code', async () => {
    const client = newClient();
    const unknown = await client.invoke(address, createRequest(12345), 3000);
    expect(unknown).toMatchObject({ code: 3, remark: ' request type 12345 not supported', extFields: {} });
    const failed = await client.invoke(address, createRequest(THROWS), 3000);
    expect(failed).toMatchObject({ code: 1, remark: 'boom' });
    const notExist = await client.invoke(address, createRequest(CATALOG_ERROR), 3000);
    expect(notExist).toMatchObject({ code: 17, remark: 'no such topic: T' });
    const metrics = await registry.metrics();
    expect(metrics).toContain(
      'skyrocket_remoting_requests_total{server="test",request="UNKNOWN_12345",result="3"} 1',
    );
  });

  it('sends no reply to oneway requests', async () => {
    const socket = await rawSocket();
    const received: RemotingCommand[] = [];
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => received.push(...decoder.push(chunk)));
    socket.write(
      encodeCommand({ ...createRequest(ECHO, { extFields: { value: 'oneway' } }), opaque: 1, flag: 2 }),
    );
    socket.write(encodeCommand({ ...createRequest(ECHO, { extFields: { value: 'normal' } }), opaque: 2 }));
    await waitFor('the normal reply', () => received.length === 1);
    expect(received[0]?.opaque).toBe(2);
    expect(onewaySeen.map((r) => r.extFields.value)).toEqual(['oneway']);
  });

  it('times out a request that gets no answer', async () => {
    const client = newClient();
    const error = await client.invoke(address, createRequest(NEVER), 100).catch((e: unknown) => e);
    expect(isSkyrocketError(error, 'REQUEST_TIMEOUT')).toBe(true);
  });

  it('rejects everything in flight when the connection drops, then reconnects', async () => {
    const client = newClient();
    const inFlight = [1, 2, 3].map(() => client.invoke(address, createRequest(NEVER), 10_000));
    await waitFor('server connection', () => server.connectionCount === 1);
    (await client.connection(address)).close();
    for (const result of await Promise.allSettled(inFlight)) {
      expect(result.status).toBe('rejected');
      expect(isSkyrocketError((result as PromiseRejectedResult).reason, 'CONNECTION_CLOSED')).toBe(true);
    }
    const again = await client.invoke(address, createRequest(ECHO, { extFields: { value: 'back' } }), 3000);
    expect(again.extFields.echo).toBe('back');
  });

  it('fails clearly when nothing listens', async () => {
    const client = newClient({ connectTimeoutMs: 1000 });
    const error = await client.invoke('127.0.0.1:1', createRequest(ECHO), 1000).catch((e: unknown) => e);
    expect(isSkyrocketError(error, 'CONNECT_FAILED')).toBe(true);
  });

  it('lets the server send requests to the client on the same connection', async () => {
    const client = newClient({
      requestHandler: (request) =>
        createResponse(request, 0, { extFields: { reply: `got ${request.code}` } }),
    });
    const response = await client.invoke(address, createRequest(ASK_BACK), 3000);
    expect(response.extFields.answer).toBe('got 40');
  });

  it('closes only the connection that sent a malformed frame, and counts it', async () => {
    const client = newClient();
    await client.invoke(address, createRequest(ECHO), 3000);
    const bad = await rawSocket();
    const closed = new Promise((resolve) => bad.once('close', resolve));
    const header = Buffer.from('{definitely not json');
    const frame = Buffer.alloc(8 + header.length);
    frame.writeInt32BE(4 + header.length, 0);
    frame.writeUInt32BE(header.length, 4);
    header.copy(frame, 8);
    bad.write(frame);
    await closed;
    expect(
      (await client.invoke(address, createRequest(ECHO, { extFields: { value: 'ok' } }), 3000)).extFields
        .echo,
    ).toBe('ok');
    expect(await registry.metrics()).toContain(
      'skyrocket_remoting_malformed_frames_total{server="test",reason="malformed"} 1',
    );
  });

  it('refuses an oversized frame before buffering it', async () => {
    const socket = await rawSocket();
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const length = Buffer.alloc(4);
    length.writeInt32BE(1_000_000_000, 0);
    socket.write(length);
    await closed;
    expect(await registry.metrics()).toContain(
      'skyrocket_remoting_malformed_frames_total{server="test",reason="too-large"} 1',
    );
  });

  it('stops serving, then disconnects, a peer that never reads its responses', async () => {
    const socket = await rawSocket();
    // The server may reset this connection while requests are still arriving (its replies leave corked, a tick's
    // worth at a time, so it can reach its limit before it has read them all): expected, so not an error here.
    socket.on('error', () => undefined);
    socket.pause();
    await waitFor('server connection', () => server.connectionCount === 1);
    const requests = Buffer.concat(
      Array.from({ length: 2000 }, (_, i) => encodeCommand({ ...createRequest(BIG), opaque: i + 1 })),
    );
    socket.write(requests);
    // The paused socket cannot see the close; the server's side of it is what matters.
    await waitFor('the server to drop the connection', () => server.connectionCount === 0);
    // 2000 × 60 KiB would be 120 MiB of responses; the server gave up long before.
    expect(bigServed).toBeLessThan(2000);
    const client = newClient();
    expect((await client.invoke(address, createRequest(ECHO), 3000)).code).toBe(0);
  });

  it('closes idle connections', async () => {
    const idle = new RemotingServer({ name: 'idle', host: '127.0.0.1', port: 0, idleTimeoutMs: 200 });
    await idle.listen();
    try {
      const client = newClient();
      const connection: Connection = await client.connection(`127.0.0.1:${idle.address().port}`);
      await waitFor('idle close', () => !connection.isOpen, { timeoutMs: 5000 });
    } finally {
      await idle.close();
    }
  });
});

describe('Connection write coalescing', () => {
  /**
   * A real server socket wrapped in a Connection that echoes, and a raw client that pipelines three requests in one
   * write, so the Connection decodes them in one read and replies to all three in one tick. Returns the replies'
   * opaques and what the server socket's stream did with them.
   */
  async function pipelineThree(coalesceWrites: boolean) {
    let accepted: Socket | undefined;
    const spies: { cork?: jest.SpyInstance; write?: jest.SpyInstance; writev?: jest.SpyInstance } = {};
    const server: Server = createServer((socket) => {
      accepted = socket;
      spies.cork = jest.spyOn(socket, 'cork');
      spies.write = jest.spyOn(socket, '_write');
      spies.writev = jest.spyOn(socket, '_writev');
      new Connection(socket, {
        maxFrameSize: 64 * 1024,
        logger: silentLogger(),
        handler: (request) => createResponse(request, 0, { extFields: { echo: String(request.opaque) } }),
        coalesceWrites,
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const client = connect({ host: '127.0.0.1', port });
    try {
      await new Promise((resolve) => client.once('connect', resolve));
      const decoder = new FrameDecoder(64 * 1024);
      const replies: RemotingCommand[] = [];
      client.on('data', (chunk: Buffer) => replies.push(...decoder.push(chunk)));
      client.write(
        Buffer.concat([1, 2, 3].map((opaque) => encodeCommand({ ...createRequest(ECHO), opaque }))),
      );
      await waitFor('three replies', () => replies.length === 3);
      return { opaques: replies.map((r) => r.extFields.echo), corked: accepted?.writableCorked, ...spies };
    } finally {
      client.destroy();
      accepted?.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it('sends the replies written in one tick in one writev when coalescing', async () => {
    const { opaques, corked, cork, write, writev } = await pipelineThree(true);
    expect(opaques).toEqual(['1', '2', '3']);
    expect(cork).toHaveBeenCalledTimes(1);
    expect(write).not.toHaveBeenCalled();
    expect(writev).toHaveBeenCalledTimes(1);
    expect((writev?.mock.calls[0] as unknown[])[0]).toHaveLength(3);
    expect(corked).toBe(0); // uncorked again on the next tick
  });

  it('writes each frame as it comes without coalescing (a client connection)', async () => {
    const { opaques, cork, write } = await pipelineThree(false);
    expect(opaques).toEqual(['1', '2', '3']);
    expect(cork).not.toHaveBeenCalled();
    expect(write).toHaveBeenCalled();
  });
});

describe('RemotingServer with extra ports (a broker VIP channel)', () => {
  it('serves every port with the same processors and connection listeners, and closes them all', async () => {
    const server = new RemotingServer({ name: 'vip', host: '127.0.0.1', port: 0, extraPorts: [0] });
    const seen: string[] = [];
    server.registerProcessor(ECHO, (request) => createResponse(request, 0, { body: request.body }));
    server.onConnection((connection) => seen.push(connection.remoteAddress));
    const main = await server.listen();
    const [extra] = server.extraAddresses();
    expect(extra?.port).toBeGreaterThan(0);
    expect(extra?.port).not.toBe(main.port);
    const client = new RemotingClient();
    try {
      for (const port of [main.port, extra?.port ?? 0]) {
        const response = await client.invoke(
          `127.0.0.1:${port}`,
          createRequest(ECHO, { body: Buffer.from(`via ${port}`) }),
          3000,
        );
        expect(response.body?.toString()).toBe(`via ${port}`);
      }
      expect(seen).toHaveLength(2);
    } finally {
      await client.close();
      await server.close();
    }
    const late = new RemotingClient({ connectTimeoutMs: 1000 });
    try {
      await expect(late.invoke(`127.0.0.1:${extra?.port ?? 0}`, createRequest(ECHO), 1000)).rejects.toThrow();
    } finally {
      await late.close();
    }
  });

  it('fails to listen, and listens on nothing, when an extra port is taken', async () => {
    const taken = new RemotingServer({ name: 'taken', host: '127.0.0.1', port: 0 });
    const { port } = await taken.listen();
    const server = new RemotingServer({ name: 'vip', host: '127.0.0.1', port: 0, extraPorts: [port] });
    try {
      await expect(server.listen()).rejects.toThrow(/EADDRINUSE/);
      expect(() => server.address()).toThrow(/not listening/);
    } finally {
      await taken.close();
    }
  });
});

describe('RemotingServer under hostile input', () => {
  it('survives random bytes, truncated frames, huge lengths and bad headers on many connections', async () => {
    const server = new RemotingServer({ name: 'fuzz', host: '127.0.0.1', port: 0, maxFrameSize: 64 * 1024 });
    server.registerProcessor(ECHO, (request) => createResponse(request, 0));
    await server.listen();
    const port = server.address().port;
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const valid = encodeCommand({ ...createRequest(ECHO), opaque: 1 });
    const jsonFrame = (header: string) => {
      const bytes = Buffer.from(header);
      const frame = Buffer.alloc(8 + bytes.length);
      frame.writeInt32BE(4 + bytes.length, 0);
      frame.writeUInt32BE(bytes.length, 4);
      bytes.copy(frame, 8);
      return frame;
    };
    const payloads: Buffer[] = [
      Buffer.from([0xff, 0xff, 0xff, 0xff]),
      Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]),
      valid.subarray(0, valid.length - 3),
      jsonFrame('{"code":"x"}'),
      jsonFrame('{"code":1,"extFields":[1,2]}'),
      jsonFrame('not json at all'),
      jsonFrame('{"code":1,"extFields":{"a":{"b":1}}}'),
    ];
    for (let i = 0; i < 40; i++) {
      payloads.push(
        Buffer.from(Array.from({ length: 1 + Math.floor(random() * 300) }, () => Math.floor(random() * 256))),
      );
    }
    const memoryBefore = process.memoryUsage().rss;
    try {
      await Promise.all(
        payloads.map(
          (payload) =>
            new Promise<void>((resolve) => {
              const socket = connect({ host: '127.0.0.1', port }, () => {
                socket.write(payload);
                // Whatever the server makes of it, end our side; the server must clean up either way.
                setImmediate(() => socket.end());
              });
              socket.on('data', () => undefined);
              socket.on('error', () => resolve());
              socket.on('close', () => resolve());
            }),
        ),
      );
      await waitFor('every fuzz connection to be gone', () => server.connectionCount === 0);
      const client = new RemotingClient();
      try {
        expect((await client.invoke(`127.0.0.1:${port}`, createRequest(ECHO), 3000)).code).toBe(0);
      } finally {
        await client.close();
      }
      // No per-connection state is kept after close; nothing near the fuzz volume stays resident.
      expect(process.memoryUsage().rss - memoryBefore).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await server.close();
    }
  });
});

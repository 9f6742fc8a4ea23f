import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  createResponse,
  encodeHeader,
  RequestCode,
  ResponseCode,
  type RemotingCommand,
} from '@skyrocket/remoting';

import type { BrokerAccess } from '../broker-access';
import { messageQueue } from '../message-queue';
import { createConsumerOffsetStore } from './create-offset-store';
import { LocalFileOffsetStore } from './local-file-offset-store';
import { RemoteBrokerOffsetStore } from './remote-broker-offset-store';

const q0 = messageQueue('T', 'broker-a', 0);
const q1 = messageQueue('T', 'broker-a', 1);

describe('LocalFileOffsetStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-offsets-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const store = () =>
    new LocalFileOffsetStore({ consumerGroup: 'G', clientId: '127.0.0.1@c/1', baseDir: dir });

  it('starts empty and writes <clientId>/<group>/offsets.json', async () => {
    const s = store();
    await s.load();
    expect(await s.readOffset(q0, 'MEMORY_FIRST_THEN_STORE')).toBe(-1);
    s.updateOffset(q0, 5, false);
    s.updateOffset(q1, 9, false);
    await s.persistAll([q0, q1]);
    expect(s.storePath).toBe(path.join(dir, '127.0.0.1@c_1', 'G', 'offsets.json'));
    const json = JSON.parse(fs.readFileSync(s.storePath, 'utf8')) as unknown;
    expect(json).toEqual({
      offsetTable: [
        { topic: 'T', brokerName: 'broker-a', queueId: 0, offset: 5 },
        { topic: 'T', brokerName: 'broker-a', queueId: 1, offset: 9 },
      ],
    });
    expect(fs.readdirSync(path.dirname(s.storePath)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reads offsets back after a restart and keeps queues it did not persist', async () => {
    const first = store();
    first.updateOffset(q0, 5, false);
    first.updateOffset(q1, 9, false);
    await first.persistAll([q0, q1]);
    const second = store();
    await second.load();
    second.updateOffset(q0, 7, true);
    second.updateOffset(q0, 6, true); // increaseOnly: ignored
    await second.persist(q0);
    const third = store();
    await third.load();
    expect(await third.readOffset(q0, 'STORE')).toBe(7);
    expect(await third.readOffset(q1, 'MEMORY')).toBe(9);
  });

  it('falls back to the .bak copy when the main file is corrupt, and refuses when both are', async () => {
    const s = store();
    s.updateOffset(q0, 1, false);
    await s.persist(q0);
    s.updateOffset(q0, 2, false);
    await s.persist(q0);
    fs.writeFileSync(s.storePath, '{not json');
    const recovered = store();
    await recovered.load();
    expect(await recovered.readOffset(q0, 'MEMORY')).toBe(1);
    fs.writeFileSync(`${s.storePath}.bak`, '{"offsetTable":[{"topic":"T"}]}');
    await expect(store().load()).rejects.toThrow(/offset file .* is unreadable/);
  });
});

describe('RemoteBrokerOffsetStore', () => {
  function fakeBroker(stored: Map<number, number>) {
    const requests: RemotingCommand[] = [];
    const brokers: BrokerAccess = {
      brokerAddress: (brokerName) =>
        brokerName === 'broker-a'
          ? Promise.resolve('127.0.0.1:10911')
          : Promise.reject(new Error('unknown broker')),
      invoke: (_address, request) => {
        requests.push(request);
        const queueId = Number(request.extFields.queueId);
        if (request.code === RequestCode.UPDATE_CONSUMER_OFFSET) {
          stored.set(queueId, Number(request.extFields.commitOffset));
          return Promise.resolve(createResponse(request, ResponseCode.SUCCESS));
        }
        const offset = stored.get(queueId);
        if (offset === undefined)
          return Promise.resolve(createResponse(request, ResponseCode.QUERY_NOT_FOUND));
        return Promise.resolve(
          createResponse(request, ResponseCode.SUCCESS, { extFields: encodeHeader({ offset }) }),
        );
      },
    };
    return { brokers, requests };
  }

  it('queries the broker, -1 when it has nothing', async () => {
    const stored = new Map([[0, 42]]);
    const { brokers, requests } = fakeBroker(stored);
    const s = new RemoteBrokerOffsetStore({
      consumerGroup: 'G',
      brokers,
      requestTimeoutMillis: 1000,
      setZeroIfNotFound: false,
    });
    expect(await s.readOffset(q0, 'STORE')).toBe(42);
    expect(await s.readOffset(q1, 'MEMORY_FIRST_THEN_STORE')).toBe(-1);
    expect(requests[0]?.extFields).toMatchObject({
      consumerGroup: 'G',
      topic: 'T',
      queueId: '0',
      setZeroIfNotFound: 'false',
    });
    // Memory now holds q0.
    expect(await s.readOffset(q0, 'MEMORY')).toBe(42);
  });

  it('persists held queues and forgets the others', async () => {
    const stored = new Map<number, number>();
    const { brokers } = fakeBroker(stored);
    const s = new RemoteBrokerOffsetStore({ consumerGroup: 'G', brokers, requestTimeoutMillis: 1000 });
    s.updateOffset(q0, 3, false);
    s.updateOffset(q1, 4, false);
    await s.persistAll([q0]);
    expect([...stored]).toEqual([[0, 3]]);
    expect(await s.readOffset(q1, 'MEMORY')).toBe(-1);
  });

  it('reports a failing commit', async () => {
    const brokers: BrokerAccess = {
      brokerAddress: () => Promise.resolve('127.0.0.1:1'),
      invoke: (_a, request) =>
        Promise.resolve(createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: 'disk on fire' })),
    };
    const s = new RemoteBrokerOffsetStore({ consumerGroup: 'G', brokers, requestTimeoutMillis: 1000 });
    s.updateOffset(q0, 3, false);
    await expect(s.persist(q0)).rejects.toThrow(/disk on fire/);
    await expect(s.persistAll([q0])).rejects.toThrow(/1 of 1 offset commits failed/);
  });
});

describe('createConsumerOffsetStore', () => {
  const brokers = (requests: RemotingCommand[]): BrokerAccess => ({
    brokerAddress: () => Promise.resolve('127.0.0.1:10911'),
    invoke: (_address, request) => {
      requests.push(request);
      return Promise.resolve(createResponse(request, ResponseCode.QUERY_NOT_FOUND));
    },
  });

  it.each([
    ['LAST_OFFSET', 'false'],
    ['TIMESTAMP', 'false'],
    ['FIRST_OFFSET', undefined],
  ] as const)(
    'CLUSTERING keeps offsets on the brokers; starting from %s asks with setZeroIfNotFound=%s',
    async (consumeFromWhere, setZeroIfNotFound) => {
      const requests: RemotingCommand[] = [];
      const store = createConsumerOffsetStore(
        { messageModel: 'CLUSTERING', consumeFromWhere },
        { consumerGroup: 'G', clientId: 'c1', brokers: brokers(requests), requestTimeoutMillis: 1000 },
      );
      expect(store).toBeInstanceOf(RemoteBrokerOffsetStore);
      expect(await store.readOffset(q0, 'STORE')).toBe(-1);
      expect(requests[0]?.extFields.setZeroIfNotFound).toBe(setZeroIfNotFound);
    },
  );

  it('BROADCASTING keeps offsets in a local file per client, under the given directory', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'consumer-offset-store-'));
    try {
      const requests: RemotingCommand[] = [];
      const store = createConsumerOffsetStore(
        { messageModel: 'BROADCASTING', consumeFromWhere: 'LAST_OFFSET', localOffsetStoreDir: dir },
        { consumerGroup: 'G', clientId: 'c1', brokers: brokers(requests), requestTimeoutMillis: 1000 },
      );
      expect(store).toBeInstanceOf(LocalFileOffsetStore);
      store.updateOffset(q0, 7, false);
      await store.persistAll([q0]);
      expect(fs.existsSync(path.join(dir, 'c1', 'G', 'offsets.json'))).toBe(true);
      expect(requests).toHaveLength(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

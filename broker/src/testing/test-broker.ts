// Test helpers for broker unit tests: a broker built in memory (not started, no sockets), requests dispatched through
// its real processor table, and messages stored with the same fields a send would give them.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '@skyrocket/common';
import {
  createRequest,
  encodeHeader,
  encodeProperties,
  type Connection,
  type HeaderValue,
  type RemotingCommand,
} from '@skyrocket/remoting';
import { MemoryMessageStore, type AppendResult } from '@skyrocket/store';
import { FakeClock } from '../../../common/src/testing/fake-clock';
import { buildBroker, type Broker } from '../app';
import { BrokerConfigSchema, type BrokerConfig } from '../config';

export interface TestBroker {
  broker: Broker;
  clock: FakeClock;
  store: MemoryMessageStore;
  /** A connection stand-in for processors that only read the peer address or watch it close. */
  connection: Connection;
  request(
    code: number,
    header?: Record<string, HeaderValue>,
    body?: Buffer | string,
  ): Promise<RemotingCommand>;
  /** Stores a message as SEND_MESSAGE would, and returns where it went. */
  put(
    topic: string,
    queueId: number,
    properties?: Record<string, string>,
    body?: string,
  ): Promise<AppendResult>;
  close(): Promise<void>;
}

export async function startTestBroker(overrides: Partial<BrokerConfig> = {}): Promise<TestBroker> {
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-broker-unit-'));
  const clock = new FakeClock();
  const storeHost = { address: '127.0.0.1', port: 10911 };
  const store = new MemoryMessageStore({ storeHost, clock });
  await store.start();
  const config = BrokerConfigSchema.parse({
    brokerIP1: '127.0.0.1',
    namesrvAddr: '127.0.0.1:1',
    storePathRootDir: storeDir,
    ...overrides,
  });
  const broker = buildBroker(config, { store, clock, logger: silentLogger() });
  const connection = {
    remoteAddress: '10.0.0.8:51234',
    isOpen: true,
    onClose: () => undefined,
    close: () => undefined,
  } as unknown as Connection;
  return {
    broker,
    clock,
    store,
    connection,
    async request(code, header = {}, body) {
      const command = createRequest(code, {
        extFields: encodeHeader(header),
        body: body === undefined ? undefined : Buffer.from(body),
      });
      const response = await broker.remoting.dispatch(command, connection);
      if (!response) throw new Error(`no response to request code ${code}`);
      return response;
    },
    async put(topic, queueId, properties = {}, body = `a message to ${topic}`) {
      const result = await store.putMessage({
        topic,
        queueId,
        flag: 0,
        body: Buffer.from(body),
        properties: encodeProperties(properties),
        sysFlag: 0,
        bornTimestamp: clock.now(),
        bornHost: { address: '10.0.0.8', port: 51234 },
        reconsumeTimes: 0,
        preparedTransactionOffset: 0,
      });
      if (!result.append) throw new Error(`put failed: ${result.status}`);
      return result.append;
    },
    async close() {
      await store.shutdown();
      fs.rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

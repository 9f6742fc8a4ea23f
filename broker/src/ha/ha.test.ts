import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger, systemClock } from '@skyrocket/common';
import { encodeProperties, readSafeInt64 } from '@skyrocket/remoting/message';
import { FileMessageStore, type MessageStore, type MessageToStore } from '@skyrocket/store';
import { HaClient } from './ha-client';
import { encodeReport, encodeTransferHeader, TRANSFER_HEADER_SIZE } from './ha-protocol';
import { HaServer } from './ha-server';

/** The HA stream over loopback between real file stores (PROTOCOL.md §4.5). */

const SEGMENT = 64 * 1024;
const logger = silentLogger();
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Polls until `check` holds; a deadline, never a fixed sleep. */
async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function openStore(dir?: string): Promise<FileMessageStore> {
  const rootDir = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-ha-'));
  const store = new FileMessageStore({
    rootDir,
    storeHost: { address: '127.0.0.1', port: 10911 },
    flushDiskType: 'ASYNC_FLUSH',
    commitLogSegmentBytes: SEGMENT,
    logger,
  });
  await store.start();
  cleanups.push(async () => {
    await store.shutdown().catch(() => undefined);
    if (dir === undefined) fs.rmSync(rootDir, { recursive: true, force: true });
  });
  return store;
}

async function startServer(
  store: MessageStore,
  options: { heartbeatIntervalMs?: number; housekeepingMs?: number } = {},
): Promise<{ server: HaServer; address: string }> {
  const server = new HaServer({
    store,
    host: '127.0.0.1',
    port: 0,
    segmentBytes: SEGMENT,
    clock: systemClock,
    logger,
    ...options,
  });
  const port = await server.listen();
  cleanups.push(() => server.close());
  return { server, address: `127.0.0.1:${port}` };
}

function startClient(store: MessageStore, address: string): HaClient {
  const client = new HaClient({
    store,
    segmentBytes: SEGMENT,
    clock: systemClock,
    logger,
    reconnectDelayMs: 50,
  });
  client.start();
  client.setMasterAddress(address);
  cleanups.push(() => client.stop());
  return client;
}

function message(topic: string, queueId: number, index: number): MessageToStore {
  return {
    topic,
    queueId,
    flag: 0,
    body: Buffer.alloc(700 + (index % 300), index % 251),
    properties: encodeProperties({ TAGS: `tag${index % 3}`, KEYS: `key-${index}`, UNIQ_KEY: `U${index}` }),
    sysFlag: 0,
    bornTimestamp: 1_700_000_000_000 + index,
    bornHost: { address: '10.0.0.9', port: 40000 },
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
  };
}

async function putMany(store: MessageStore, topic: string, count: number, from = 0): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const result = await store.putMessage(message(topic, i % 2, i));
    expect(result.status).toBe('PUT_OK');
  }
}

/** Every commit-log byte from `from` to the max offset. */
function commitLogBytes(store: MessageStore, from: number): Buffer {
  const chunks: Buffer[] = [];
  for (let offset = from; offset < store.getMaxPhyOffset();) {
    const data = store.getCommitLogData(offset, 32 * 1024);
    if (!data || data.length === 0) throw new Error(`no data at ${offset}`);
    chunks.push(data);
    offset += data.length;
  }
  return Buffer.concat(chunks);
}

async function records(store: MessageStore, topic: string, queueId: number): Promise<Buffer[]> {
  const result = await store.getMessage(topic, queueId, store.getMinOffsetInQueue(topic, queueId), {
    maxMessages: 1000,
    maxBytes: 64 * 1024 * 1024,
  });
  return result.records;
}

/** A big-endian int64 offset (-1 if out of range). */
const readOffset = (buffer: Buffer, at: number) => readSafeInt64(buffer, at) ?? -1;

/** A raw TCP peer that collects what it receives. */
function collect(socket: net.Socket): { bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { bytes: () => Buffer.concat(chunks) };
}

/** The frames in a byte stream from the master: [phyOffset, body] pairs. */
function frames(stream: Buffer): Array<{ phyOffset: number; body: Buffer }> {
  const out: Array<{ phyOffset: number; body: Buffer }> = [];
  let at = 0;
  while (stream.length - at >= TRANSFER_HEADER_SIZE) {
    const size = stream.readInt32BE(at + 8);
    if (stream.length - at < TRANSFER_HEADER_SIZE + size) break;
    out.push({
      phyOffset: readOffset(stream, at),
      body: stream.subarray(at + TRANSFER_HEADER_SIZE, at + TRANSFER_HEADER_SIZE + size),
    });
    at += TRANSFER_HEADER_SIZE + size;
  }
  return out;
}

describe('HA replication between a master and a slave store', () => {
  it('copies the commit log byte for byte across segment rolls, and the slave serves the same records', async () => {
    const master = await openStore();
    const slave = await openStore();
    const { server, address } = await startServer(master);
    startClient(slave, address);
    await putMany(master, 'HaTopic', 300); // ~250 KiB: four 64 KiB segments, three end-of-segment blanks

    await until('the slave to catch up', () => slave.getMaxPhyOffset() === master.getMaxPhyOffset());
    expect(master.getMaxPhyOffset()).toBeGreaterThan(3 * SEGMENT);
    expect(commitLogBytes(slave, 0).equals(commitLogBytes(master, 0))).toBe(true);
    for (const queueId of [0, 1]) {
      expect(slave.getMaxOffsetInQueue('HaTopic', queueId)).toBe(150);
      const onSlave = await records(slave, 'HaTopic', queueId);
      expect(onSlave).toEqual(await records(master, 'HaTopic', queueId));
    }
    expect(await slave.queryMessage('HaTopic', 'key-17', 10, 0, Date.now() + 60_000)).toHaveLength(1);
    await until(
      'the slave to acknowledge everything',
      () => server.slaveAckOffset === master.getMaxPhyOffset(),
    );
  });

  it('keeps replicating what the master stores later, and a restarted slave continues from its own offset', async () => {
    const master = await openStore();
    const slaveDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-ha-slave-'));
    cleanups.push(() => fs.rmSync(slaveDir, { recursive: true, force: true }));
    const { address } = await startServer(master);
    let slave = await openStore(slaveDir);
    let client = startClient(slave, address);
    await putMany(master, 'HaLater', 40);
    await until('the first copy', () => slave.getMaxPhyOffset() === master.getMaxPhyOffset());

    await client.stop();
    await slave.shutdown();
    await putMany(master, 'HaLater', 120, 40);
    slave = await openStore(slaveDir);
    client = startClient(slave, address);
    await until(
      'the slave to catch up after its restart',
      () => slave.getMaxPhyOffset() === master.getMaxPhyOffset(),
    );
    expect(commitLogBytes(slave, 0).equals(commitLogBytes(master, 0))).toBe(true);
    expect(slave.getMaxOffsetInQueue('HaLater', 0)).toBe(80);
  });

  it('starts a new slave at the start of the master last segment', async () => {
    const master = await openStore();
    await putMany(master, 'HaNew', 200);
    const lastSegment = master.getMaxPhyOffset() - (master.getMaxPhyOffset() % SEGMENT);
    expect(lastSegment).toBeGreaterThan(0);
    const slave = await openStore();
    const { address } = await startServer(master);
    startClient(slave, address);

    await until('the slave to catch up', () => slave.getMaxPhyOffset() === master.getMaxPhyOffset());
    expect(slave.getMinPhyOffset()).toBe(lastSegment);
    expect(commitLogBytes(slave, lastSegment).equals(commitLogBytes(master, lastSegment))).toBe(true);
    const onSlave = await records(slave, 'HaNew', 0);
    expect(onSlave.length).toBeGreaterThan(0);
    const onMaster = await records(master, 'HaNew', 0);
    expect(onMaster.slice(onMaster.length - onSlave.length)).toEqual(onSlave);
  });
});

describe('HA server (master side), seen from a raw slave socket', () => {
  it('answers a first report of 0 with frames from the last segment, ≤ 32 KiB each, then heartbeats', async () => {
    const master = await openStore();
    await putMany(master, 'HaWire', 150);
    const { address } = await startServer(master, { heartbeatIntervalMs: 100 });
    const [host, port] = address.split(':');
    const socket = net.connect({ host, port: Number(port) });
    cleanups.push(() => void socket.destroy());
    const received = collect(socket);
    socket.write(encodeReport(0));

    const max = master.getMaxPhyOffset();
    const start = max - (max % SEGMENT);
    await until('a heartbeat after the data', () =>
      frames(received.bytes()).some((f) => f.body.length === 0 && f.phyOffset === max),
    );
    const data = frames(received.bytes()).filter((f) => f.body.length > 0);
    expect(data[0]?.phyOffset).toBe(start);
    let expected = start;
    for (const frame of data) {
      expect(frame.phyOffset).toBe(expected);
      expect(frame.body.length).toBeLessThanOrEqual(32 * 1024);
      expected += frame.body.length;
    }
    expect(expected).toBe(max);
    expect(Buffer.concat(data.map((f) => f.body)).equals(commitLogBytes(master, start))).toBe(true);
  });

  it('closes the connection of a slave that reports an offset beyond the master', async () => {
    const master = await openStore();
    await putMany(master, 'HaAhead', 3);
    const { address } = await startServer(master);
    const [host, port] = address.split(':');
    const socket = net.connect({ host, port: Number(port) });
    let closed = false;
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    socket.write(encodeReport(master.getMaxPhyOffset() + 1000));
    await until('the master to close the connection', () => closed);
  });

  it('makes SYNC_MASTER waits PUT_OK on acknowledgement, FLUSH_SLAVE_TIMEOUT without it, SLAVE_NOT_AVAILABLE alone', async () => {
    const master = await openStore();
    const { server, address } = await startServer(master);
    await putMany(master, 'HaSync', 2);
    const end = master.getMaxPhyOffset();
    expect(await server.waitForSlave(end, 200)).toBe('SLAVE_NOT_AVAILABLE');

    // A slave that reports once and then acknowledges nothing more.
    const [host, port] = address.split(':');
    const silent = net.connect({ host, port: Number(port) });
    silent.on('data', () => undefined);
    cleanups.push(() => void silent.destroy());
    silent.write(encodeReport(0));
    await until('the silent slave to count', () => server.slaveCount === 1);
    expect(await server.waitForSlave(end, 200)).toBe('FLUSH_SLAVE_TIMEOUT');

    const waiting = server.waitForSlave(end, 5000);
    silent.write(encodeReport(end));
    expect(await waiting).toBe('PUT_OK');
  });
});

describe('HA client (slave side), fed by a raw master socket', () => {
  /** A master played by hand: each accepted socket with everything the slave wrote to it. */
  interface Peer {
    socket: net.Socket;
    reports: () => Buffer;
  }
  async function fakeMaster(): Promise<{ address: string; connections: Peer[]; close: () => Promise<void> }> {
    const connections: Peer[] = [];
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      connections.push({ socket, reports: collect(socket).bytes });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as net.AddressInfo;
    const close = async () => {
      for (const peer of connections) peer.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
    cleanups.push(close);
    return { address: `127.0.0.1:${address.port}`, connections, close };
  }

  it('reports its offset, stores a record split across frames once whole, and reports the new offset', async () => {
    const source = await openStore();
    await putMany(source, 'HaSplit', 1);
    const record = commitLogBytes(source, 0);
    const slave = await openStore();
    const master = await fakeMaster();
    startClient(slave, master.address);
    await until('the slave to connect', () => master.connections.length === 1);
    const { socket: peer, reports } = master.connections[0] as Peer;
    await until('the first report', () => reports().length >= 8);
    expect(readOffset(reports(), 0)).toBe(0);

    peer.write(Buffer.concat([encodeTransferHeader(0, 100), record.subarray(0, 100)]));
    peer.write(Buffer.concat([encodeTransferHeader(100, record.length - 100), record.subarray(100)]));
    await until('the record to be stored', () => slave.getMaxPhyOffset() === record.length);
    await until('the new report', () => {
      const all = reports();
      return all.length >= 16 && readOffset(all, all.length - 8) === record.length;
    });
    expect(commitLogBytes(slave, 0).equals(record)).toBe(true);
  });

  it('stores a segment end and what follows it even when one frame holds both', async () => {
    const source = await openStore();
    await putMany(source, 'HaOneFrame', 80); // past the first 64 KiB segment
    expect(source.getMaxPhyOffset()).toBeGreaterThan(SEGMENT);
    const data = commitLogBytes(source, 0);
    const slave = await openStore();
    const master = await fakeMaster();
    startClient(slave, master.address);
    await until('the slave to connect', () => master.connections.length === 1);
    (master.connections[0] as Peer).socket.write(Buffer.concat([encodeTransferHeader(0, data.length), data]));
    await until('everything stored', () => slave.getMaxPhyOffset() === source.getMaxPhyOffset());
    expect(commitLogBytes(slave, 0).equals(data)).toBe(true);
    expect(slave.getMaxOffsetInQueue('HaOneFrame', 0)).toBe(40);
  });

  it('drops a connection whose frame does not continue where the slave stands, and reconnects', async () => {
    const source = await openStore();
    await putMany(source, 'HaGap', 2);
    const data = commitLogBytes(source, 0);
    const slave = await openStore();
    const master = await fakeMaster();
    startClient(slave, master.address);
    await until('the slave to connect', () => master.connections.length === 1);
    const first = (master.connections[0] as Peer).socket;
    let closed = false;
    first.on('close', () => (closed = true));
    const firstRecord = data.readInt32BE(0);
    first.write(Buffer.concat([encodeTransferHeader(0, firstRecord), data.subarray(0, firstRecord)]));
    await until('the first record', () => slave.getMaxPhyOffset() === firstRecord);
    // The next frame skips 8 bytes.
    first.write(
      Buffer.concat([
        encodeTransferHeader(firstRecord + 8, 8),
        data.subarray(firstRecord + 8, firstRecord + 16),
      ]),
    );
    await until('the slave to drop the connection', () => closed);
    await until('the slave to reconnect', () => master.connections.length === 2);
    expect(slave.getMaxPhyOffset()).toBe(firstRecord);
  });

  it('drops a connection carrying a corrupt record and stores nothing of it', async () => {
    const source = await openStore();
    await putMany(source, 'HaCorrupt', 1);
    const record = Buffer.from(commitLogBytes(source, 0));
    const bodyAt = 88; // the fixed part of a record with IPv4 hosts (PROTOCOL.md §3.1)
    record[bodyAt + 1] = (record[bodyAt + 1] ?? 0) ^ 0xff; // the body's CRC no longer matches
    const slave = await openStore();
    const master = await fakeMaster();
    startClient(slave, master.address);
    await until('the slave to connect', () => master.connections.length === 1);
    const peer = (master.connections[0] as Peer).socket;
    let closed = false;
    peer.on('close', () => (closed = true));
    peer.write(Buffer.concat([encodeTransferHeader(0, record.length), record]));
    await until('the slave to drop the connection', () => closed);
    expect(slave.getMaxPhyOffset()).toBe(0);
  });
});

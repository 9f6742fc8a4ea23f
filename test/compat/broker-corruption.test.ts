/**
 * A record damaged in the middle of the commit log (after it was written: a bit flip, a lost sector) makes the
 * broker refuse to start rather than serve garbage or silently drop the acknowledged records after it; the error
 * names the offset and the setting that accepts the loss, and with that setting the broker starts, serves every
 * record before the damage and appends again from there (the store issue's recovery rule, through the real path:
 * the built `skyrocket broker` process and Apache RocketMQ's Java producer and consumer).
 *
 * Recovery validates the log from the checkpoint on, as RocketMQ does, so the test removes the checkpoint after the
 * broker is killed: the whole log is then validated, as after a crash before the first checkpoint.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Admin } from '@skyrocket/client';
import type { NameServer } from '@skyrocket/nameserver';
import { CHECKPOINT_FILE, COMMITLOG_DIR } from '@skyrocket/store';
import { startNameServer } from '../harness/nameserver';
import { uniqueName } from '../harness/names';
import type { ServerProcess } from '../harness/server-process';
import { waitFor } from '../harness/wait-for';
import { numbered, spawnBrokerCli, startBrokerCli, storedCount } from './harness/broker-cli';
import {
  ensureCompatBuild,
  freeBrokerPorts,
  killAllJavaProcesses,
  produce,
  pushConsume,
} from './harness/java';

jest.setTimeout(300_000);

const BROKER_NAME = 'broker-corrupt';
const SENT = 200;
/** The message whose stored body gets a flipped bit. */
const DAMAGED = 120;

describe('a broker whose commit log has a corrupted record in the middle', () => {
  let workDir: string;
  let storeDir: string;
  let nameServer: NameServer;
  let namesrvAddr: string;
  let admin: Admin;
  let flags: string[];
  let broker: ServerProcess | undefined;

  beforeAll(async () => {
    await ensureCompatBuild();
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-broker-corrupt-'));
    storeDir = path.join(workDir, 'store');
    const started = await startNameServer();
    nameServer = started.nameServer;
    namesrvAddr = started.address;
    admin = new Admin({ namesrvAddr, clientIP: '127.0.0.1' });
    await admin.start();
    const ports = await freeBrokerPorts();
    flags = [
      ...['--listen-port', String(ports.listenPort), '--ha-listen-port', String(ports.haPort)],
      ...['--namesrv-addr', namesrvAddr, '--store-path-root-dir', storeDir],
    ];
  });

  afterAll(async () => {
    await broker?.stop('SIGKILL');
    await admin?.shutdown();
    await killAllJavaProcesses();
    await nameServer?.stop();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  /** Flips one bit of message `index`'s body ("msg-<index>") in the first commit-log segment. */
  function damageBody(index: number): number {
    const segment = path.join(storeDir, COMMITLOG_DIR, '0'.repeat(20));
    const bytes = fs.readFileSync(segment);
    // Bodies are followed by the topic's length byte, never by a digit, so the match is this message's body.
    const body = Buffer.from(`msg-${index}`);
    const at = bytes.indexOf(body);
    expect(at).toBeGreaterThan(0);
    expect(bytes.indexOf(body, at + 1)).toBe(-1);
    const fd = fs.openSync(segment, 'r+');
    try {
      fs.writeSync(
        fd,
        Buffer.from([(bytes[at + body.length - 1] as number) ^ 0x01]),
        0,
        1,
        at + body.length - 1,
      );
    } finally {
      fs.closeSync(fd);
    }
    return at;
  }

  it('refuses to start naming the offset and the setting, then starts from there when told', async () => {
    const topic = uniqueName('Corrupt');
    try {
      broker = await startBrokerCli(admin, BROKER_NAME, 0, flags);
      await admin.createTopic({ topic, readQueueNums: 4, writeQueueNums: 4 });
      const produced = await produce(namesrvAddr, topic, SENT);
      expect(produced.run.code).toBe(0);
      expect(produced.sends.filter((s) => s.status === 'SEND_OK')).toHaveLength(SENT);
      await broker.stop('SIGKILL');
      fs.rmSync(path.join(storeDir, CHECKPOINT_FILE));
      const bodyAt = damageBody(DAMAGED);

      // Refused: exit 1, one line naming the record's offset, the reason and how to accept the loss.
      broker = await spawnBrokerCli(BROKER_NAME, 0, flags);
      await waitFor('the broker to exit', () => broker?.child.exitCode !== null, { timeoutMs: 30_000 });
      expect(broker.child.exitCode).toBe(1);
      const refusal = broker.stderr();
      const match = /commit log record at offset (\d+) in \S+ is corrupted \(crc-mismatch/.exec(refusal);
      expect(match).not.toBeNull();
      const offset = Number(match?.[1]);
      expect(bodyAt - offset).toBeGreaterThan(0);
      expect(bodyAt - offset).toBeLessThan(512); // the damaged message's own record
      expect(refusal).toContain(`truncateCorruptedAt set to ${offset}`);
      expect(refusal).toContain(`--truncate-corrupted-at ${offset}`);
      expect(refusal).toContain('SKYROCKET_BROKER_TRUNCATE_CORRUPTED_AT');

      // Another offset is not accepted: only the one the error names.
      broker = await spawnBrokerCli(BROKER_NAME, 0, [
        ...flags,
        '--truncate-corrupted-at',
        String(offset + 1),
      ]);
      await waitFor('the broker to exit', () => broker?.child.exitCode !== null, { timeoutMs: 30_000 });
      expect(broker.child.exitCode).toBe(1);
      expect(broker.stderr()).toMatch(/not where the corruption is/);

      // Told: it starts, holds exactly the messages sent before the damaged one, and takes new ones.
      broker = await startBrokerCli(admin, BROKER_NAME, 0, [
        ...flags,
        ...['--truncate-corrupted-at', String(offset)],
      ]);
      expect(await storedCount(admin, topic)).toBe(DAMAGED);
      const consumed = await pushConsume(namesrvAddr, topic, uniqueName('CorruptGroup'), DAMAGED, 90);
      expect(consumed.done).toBe(true);
      expect(consumed.bodies).toEqual(numbered(DAMAGED));
      const more = await produce(namesrvAddr, topic, 5);
      expect(more.run.code).toBe(0);
      expect(await storedCount(admin, topic)).toBe(DAMAGED + 5);
    } catch (error) {
      throw new Error(`${String(error)}\n\nbroker stderr:\n${broker?.stderr().slice(-10_000) ?? ''}`);
    }
  });
});

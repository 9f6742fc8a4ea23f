import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeRecord } from '@skyrocket/remoting';
import { FileMessageStore } from '@skyrocket/store';
import { crashTestBody, CRASH_TOPIC } from './fixtures/crash-messages';

/**
 * Crash recovery through the real path: a child process appends in SYNC_FLUSH with 64 concurrent appenders and is
 * killed with SIGKILL at a random moment, round after round, on the same store directory. After every kill the
 * store is reopened (an abort marker is present: crash recovery) and every append the child reported durable must
 * be there byte for byte, at its queue offset, and every record in every queue must decode with a valid body CRC
 * (nothing half-written surfaces).
 */
const ROUNDS = 8;
const appender = path.join(__dirname, 'fixtures', 'store-appender.ts');

interface Ack {
  round: number;
  id: number;
  seq: number;
  queueId: number;
  queueOffset: number;
}

function runAndKill(dir: string, round: number, killAfterAcks: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', appender, dir, String(round)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acks: Ack[] = [];
    let partial = '';
    let stderr = '';
    let killed = false;
    const deadline = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const parsed = JSON.parse(line) as Partial<Ack> & { started?: boolean };
        if (parsed.started) continue;
        acks.push(parsed as Ack);
        if (!killed && acks.length >= killAfterAcks) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('exit', (_code, signal) => {
      clearTimeout(deadline);
      if (signal !== 'SIGKILL') reject(new Error(`appender exited without being killed: ${stderr}`));
      else resolve(acks);
    });
  });
}

describe('FileMessageStore crash recovery (SIGKILL during SYNC_FLUSH appends)', () => {
  it(`keeps every acknowledged message across ${ROUNDS} random kills, byte for byte`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-crash-'));
    const acknowledged: Ack[] = [];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        // Kill somewhere between 50 and 3,000 acknowledged appends into the round.
        acknowledged.push(...(await runAndKill(dir, round, 50 + Math.floor(random() * 2950))));
        expect(fs.existsSync(path.join(dir, 'abort'))).toBe(true);

        const store = new FileMessageStore({
          rootDir: dir,
          storeHost: { address: '127.0.0.1', port: 10911 },
          commitLogSegmentBytes: 1024 * 1024,
          consumeQueueEntriesPerSegment: 1000,
          indexHashSlots: 1024,
          indexMaxEntries: 4096,
        });
        await store.start();
        try {
          for (const ack of acknowledged) {
            const result = await store.getMessage(CRASH_TOPIC, ack.queueId, ack.queueOffset, {
              maxMessages: 1,
            });
            expect(result.status).toBe('FOUND');
            const record = decodeRecord(result.records[0] as Buffer, 0, { verifyBodyCRC: true });
            expect(record.body.equals(crashTestBody(ack.round, ack.id, ack.seq))).toBe(true);
          }
          for (const queueId of store.getQueueIds(CRASH_TOPIC)) {
            const max = store.getMaxOffsetInQueue(CRASH_TOPIC, queueId);
            for (let offset = 0; offset < max;) {
              const result = await store.getMessage(CRASH_TOPIC, queueId, offset, {
                maxMessages: 32,
                maxBytes: 1 << 20,
              });
              expect(result.status).toBe('FOUND');
              for (const bytes of result.records) {
                const record = decodeRecord(bytes, 0, { verifyBodyCRC: true });
                expect(record.topic).toBe(CRASH_TOPIC);
                expect(record.queueId).toBe(queueId);
              }
              offset = result.nextBeginOffset;
            }
          }
        } finally {
          await store.shutdown();
        }
      }
      expect(acknowledged.length).toBeGreaterThan(ROUNDS * 50);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

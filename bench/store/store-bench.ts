/**
 * Store benchmark (issue: Store). Each figure is printed next to what this machine's disk does in the same run.
 *
 *   npx tsx bench/store/store-bench.ts [--dir /path] [--gib 1] [--rssGib 4] [--seconds 10] [--rounds 3]
 *                                      [--only name,...]
 *
 * 1. raw:      sequential pwrite of --gib GiB in the blocks the store writes in the async fill (one turn's
 *              records, ~581 KB, not page-aligned), then fdatasync; and the raw fdatasync rate (1 KiB pwrite +
 *              fdatasync in a loop).
 * 2. async:    FileMessageStore ASYNC_FLUSH, 1 KiB bodies, --gib GiB of records, 512 puts in flight; MB/s vs raw.
 *              Raw and async alternate for --rounds rounds and each round's ratio is printed, then the medians: this
 *              machine's virtual disk swings between ~270 and ~490 MB/s from one minute to the next, so one raw
 *              sample next to one store sample says more about the disk than about the store. After each phase
 *              deletes its files, `sync` lets the filesystem finish (the root is mounted with `discard`, so a
 *              deleted GiB is trimmed at the next journal commit) before the next phase starts.
 * 2b. floor:   the least any JavaScript store could do for the async phase's workload, as a yardstick for the
 *              store's own cost: the same 512 puts in flight, each writing the record's fixed header fields, its
 *              body and the body's CRC into a buffer and answering at the end of the turn after one pwrite, a periodic
 *              fdatasync every 500 ms, and a final one; no validation, offsets per queue, msgIds, ConsumeQueue or
 *              index. One round, next to the median raw write and the async phase.
 * 3. sync:     SYNC_FLUSH, 64 concurrent appenders, 1 KiB bodies, --seconds: msg/s and p50/p99 put latency.
 * 4. read:     ConsumeQueue scan + record fetch of everything written by (2), from the page cache.
 * 5. recovery: a child writes --gib GiB and is SIGKILLed; time to reopen from the checkpoint, and with no
 *              checkpoint (every record validated).
 * 6. rss:      a child writes --rssGib GiB (ASYNC); its RSS is sampled every 250 ms: it must stay flat.
 * 7. peer:     Apache RocketMQ 5.3.3's own store (DefaultMessageStore, default config: ASYNC_FLUSH, mmap'd 1 GiB
 *              files) fed the same 1 KiB records by 2 putMessage threads (test/compat/java ApacheStoreBench), then
 *              one final flush: MB/s next to the raw write and to the async phase. Then the same store in SYNC_FLUSH
 *              (its GroupCommitService) with 64 putMessage threads for --seconds: msg/s and p50/p99 next to the
 *              sync phase's. Needs Java 17 + Maven.
 *
 * The last line is every figure as one JSON object.
 *
 * `npm run bench:store` runs tsx with tsconfig.base.json (no path mapping), so '@skyrocket/store' is the built
 * package, as a broker runs it: through the repo's tsconfig the store would be loaded from source, where tsx's module
 * interop turns every cross-module constant into a getter call and costs ~20 % of the append rate.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32 } from '@skyrocket/remoting/message';
import { FileMessageStore, type FlushDiskType, type MessageToStore } from '@skyrocket/store';
import { flags, percentile } from '../harness';
import { ensureCompatBuild, runJava } from '../../test/compat/harness/java';

const options = flags(process.argv.slice(2), {
  dir: '',
  gib: 1,
  rounds: 3,
  rssGib: 4,
  seconds: 10,
  only: '',
  child: '',
  childGib: 0,
});
const GiB = 1024 * 1024 * 1024;
const BODY = Buffer.alloc(1024, 0x61);
/** Puts in flight in the async, rss and recovery fills. */
const IN_FLIGHT = 512;
const baseDir = options.dir || fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-store-bench-'));
const figures: Record<string, unknown> = { benchmark: 'store', dir: baseDir };

function message(queueId: number): MessageToStore {
  return {
    topic: 'BenchTopic',
    queueId,
    flag: 0,
    body: BODY,
    properties: 'TAGS\u0001TagA\u0002',
    sysFlag: 0,
    bornTimestamp: Date.now(),
    bornHost: { address: '127.0.0.1', port: 50000 },
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
  };
}

function openStore(dir: string, flushDiskType: FlushDiskType): FileMessageStore {
  return new FileMessageStore({
    rootDir: dir,
    storeHost: { address: '127.0.0.1', port: 10911 },
    flushDiskType,
  });
}

const mb = (bytes: number, seconds: number) => Math.round(bytes / seconds / 1e6);
const median = (values: number[]) => percentile(Float64Array.from(values).sort(), 50);

/** Lets the filesystem finish with what the last phase wrote and deleted (see the header). */
function settle(): void {
  execFileSync('sync');
}
let writeBlock: Promise<{ bytes: number; recordBytes: number }> | undefined;
/**
 * The size of the commit log's writes in the async fill, which the raw comparator replays. The fill runs in lockstep:
 * each turn's IN_FLIGHT puts resolve together (ASYNC_FLUSH answers at the end of the turn) and their successors
 * arrive in the next turn, so each turn appends IN_FLIGHT records and writes them with one pwrite (measured: every
 * write of a 1 GiB fill was 512 × 1,135 = 581,120 bytes). One record's size comes from a probe store.
 */
function storeWriteBlock(): Promise<{ bytes: number; recordBytes: number }> {
  writeBlock ??= probeWriteBlock(); // probed once, for the raw and the floor phases
  return writeBlock;
}
async function probeWriteBlock(): Promise<{ bytes: number; recordBytes: number }> {
  const dir = fresh('probe');
  const store = openStore(dir, 'ASYNC_FLUSH');
  await store.start();
  const result = await store.putMessage(message(0));
  await store.shutdown();
  fs.rmSync(dir, { recursive: true, force: true });
  const recordBytes = result.append?.wroteBytes;
  if (recordBytes === undefined) throw new Error(`probe put failed: ${result.status} ${result.remark ?? ''}`);
  return { bytes: IN_FLIGHT * recordBytes, recordBytes };
}

const fresh = (name: string) => {
  const dir = path.join(baseDir, name);
  fs.rmSync(dir, { recursive: true, force: true });
  return dir;
};

/**
 * Appends `totalBytes` of 1 KiB messages with `inFlight` puts outstanding; resolves with messages written. Each
 * appender reuses one message object (the store copies what it stores and keeps no reference), so the figure is the
 * store's and not the load generator's allocations.
 */
async function fill(store: FileMessageStore, totalBytes: number, inFlight: number): Promise<number> {
  let written = 0;
  let count = 0;
  const worker = async (queueId: number) => {
    const next = message(queueId);
    while (written < totalBytes) {
      next.bornTimestamp = Date.now();
      const result = await store.putMessage(next);
      if (!result.append) throw new Error(`put failed: ${result.status} ${result.remark ?? ''}`);
      written += result.append.wroteBytes;
      count++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, (_, i) => worker(i % 8)));
  return count;
}

/**
 * Raw sequential write of --gib GiB in `blockBytes` writes, each starting where the last ended (so, like the
 * store's, not page-aligned); with `syncRate`, also the raw fdatasync rate. Returns the write MB/s.
 */
function raw(syncRate: boolean, blockBytes: number): number {
  const file = path.join(fresh('raw'), 'segment');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const total = options.gib * GiB;
  const fd = fs.openSync(file, 'w+');
  fs.ftruncateSync(fd, total);
  const block = Buffer.alloc(blockBytes, 0x62);
  let started = process.hrtime.bigint();
  for (let position = 0; position < total; position += block.length)
    fs.writeSync(fd, block, 0, Math.min(block.length, total - position), position);
  fs.fdatasyncSync(fd);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const writeMBps = mb(total, seconds);
  let syncRateText = '';
  if (syncRate) {
    const small = Buffer.alloc(1024, 0x63);
    let syncs = 0;
    started = process.hrtime.bigint();
    while (Number(process.hrtime.bigint() - started) < 3e9) {
      fs.writeSync(fd, small, 0, small.length, (syncs % 1024) * 1024);
      fs.fdatasyncSync(fd);
      syncs++;
    }
    figures.rawFdatasyncPerSecond = Math.round(syncs / (Number(process.hrtime.bigint() - started) / 1e9));
    syncRateText = `; fdatasync ${figures.rawFdatasyncPerSecond}/s`;
  }
  fs.closeSync(fd);
  fs.rmSync(file, { force: true });
  settle();
  console.log(
    `raw disk: sequential write ${writeMBps} MB/s (${blockBytes}-byte blocks, ${options.gib} GiB + fdatasync)` +
      syncRateText,
  );
  return writeMBps;
}

/** One ASYNC_FLUSH fill of --gib GiB; with `read`, then the read phase over what it wrote. Returns MB/s. */
async function asyncAppend(read: boolean): Promise<{ msgPerSecond: number; mbps: number }> {
  const dir = fresh('async');
  const store = openStore(dir, 'ASYNC_FLUSH');
  await store.start();
  const started = process.hrtime.bigint();
  const count = await fill(store, options.gib * GiB, IN_FLIGHT);
  await store.shutdown(); // includes the final flush
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const bytes = store.stats().commitLogMaxOffset;
  const result = { msgPerSecond: Math.round(count / seconds), mbps: mb(bytes, seconds) };
  if (read) await readAll(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  settle();
  return result;
}

async function readAll(dir: string): Promise<void> {
  const reader = openStore(dir, 'ASYNC_FLUSH');
  await reader.start();
  const readStarted = process.hrtime.bigint();
  let messages = 0;
  let readBytes = 0;
  for (const queueId of reader.getQueueIds('BenchTopic')) {
    for (let offset = 0; ;) {
      const result = await reader.getMessage('BenchTopic', queueId, offset, { maxMessages: 32 });
      if (result.status !== 'FOUND') break;
      messages += result.records.length;
      readBytes += result.totalBytes;
      offset = result.nextBeginOffset;
    }
  }
  const readSeconds = Number(process.hrtime.bigint() - readStarted) / 1e9;
  await reader.shutdown();
  figures.readMsgPerSecond = Math.round(messages / readSeconds);
  figures.readMBps = mb(readBytes, readSeconds);
  console.log(
    `read (ConsumeQueue scan + record fetch, page cache): ${figures.readMsgPerSecond} msg/s, ${figures.readMBps} MB/s`,
  );
}

/** Raw write and ASYNC_FLUSH append alternate for --rounds rounds; the medians are the figures. */
async function rawVersusAsync(withAsync: boolean): Promise<void> {
  const rounds = withAsync ? Math.max(1, options.rounds) : 1;
  const raws: number[] = [];
  const appends: Array<{ msgPerSecond: number; mbps: number }> = [];
  const block = await storeWriteBlock();
  figures.rawWriteBlockBytes = block.bytes;
  console.log(
    `raw writes replay the store's: ${block.bytes}-byte blocks (${IN_FLIGHT} records of ${block.recordBytes} bytes, ` +
      'one pwrite per turn)',
  );
  for (let round = 1; round <= rounds; round++) {
    raws.push(raw(round === 1, block.bytes));
    if (!withAsync) continue;
    const append = await asyncAppend(round === rounds);
    appends.push(append);
    console.log(
      `round ${round}/${rounds}: ASYNC_FLUSH append ${append.msgPerSecond} msg/s, ${append.mbps} MB/s ` +
        `(${(append.mbps / (raws.at(-1) ?? NaN)).toFixed(2)}× this round's raw write)`,
    );
  }
  figures.rawWriteMBps = Math.round(median(raws));
  figures.rawWriteMBpsRounds = raws;
  if (!withAsync) return;
  figures.asyncAppendMsgPerSecond = Math.round(median(appends.map((a) => a.msgPerSecond)));
  figures.asyncAppendMBps = Math.round(median(appends.map((a) => a.mbps)));
  figures.asyncAppendMBpsRounds = appends.map((a) => a.mbps);
  figures.asyncVsRaw = Number((Number(figures.asyncAppendMBps) / Number(figures.rawWriteMBps)).toFixed(2));
  // Also the median of each round's own ratio, which pairs every fill with the raw write just before it.
  figures.asyncVsRawMedianOfRounds = Number(
    median(appends.map((a, i) => a.mbps / (raws[i] ?? NaN))).toFixed(2),
  );
  console.log(
    `ASYNC_FLUSH append (median of ${rounds}): ${figures.asyncAppendMsgPerSecond} msg/s, ${figures.asyncAppendMBps} MB/s ` +
      `= ${figures.asyncVsRaw}× the median raw sequential write of ${figures.rawWriteMBps} MB/s (target ≥ 0.8); ` +
      `median of the rounds' ratios ${figures.asyncVsRawMedianOfRounds}×`,
  );
}

/** Runs ApacheStoreBench in a fresh directory and returns its summary line. */
async function runApacheStore<Summary>(args: string[]): Promise<Summary> {
  await ensureCompatBuild();
  const dir = fresh('peer');
  const run = await runJava('ApacheStoreBench', [dir, ...args], {
    timeoutMs: 600_000,
    heap: '1g',
    tuned: true,
  });
  fs.rmSync(dir, { recursive: true, force: true });
  settle();
  const summary = run.lines.find(
    (l) => typeof l === 'object' && l !== null && (l as { event?: string }).event === 'summary',
  );
  if (run.code !== 0 || !summary)
    throw new Error(`ApacheStoreBench failed (${run.code}): ${run.stderr.slice(-2000)}`);
  return summary as Summary;
}

/** The floor phase (see the header): a minimal writer of the async phase's records, in its write pattern. */
async function floor(): Promise<void> {
  const { recordBytes } = await storeWriteBlock();
  const file = path.join(fresh('floor'), 'segment');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const total = options.gib * GiB;
  const fd = fs.openSync(file, 'w+');
  fs.ftruncateSync(fd, total);
  const buffer = Buffer.allocUnsafeSlow(1024 * 1024);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.length);
  let length = 0;
  let position = 0;
  let turn: { promise: Promise<string>; resolve: (status: string) => void } | undefined;
  const endTurn = () => {
    fs.writeSync(fd, buffer, 0, length, position);
    position += length;
    length = 0;
    const ended = turn;
    turn = undefined;
    ended?.resolve('PUT_OK');
  };
  const put = (queueId: number, bornTimestamp: number) => {
    const at = length;
    view.setInt32(at, recordBytes);
    view.setInt32(at + 4, 0xdaa320a7 | 0);
    view.setInt32(at + 8, crc32(BODY));
    view.setInt32(at + 12, queueId);
    view.setFloat64(at + 28, position + at);
    view.setFloat64(at + 40, bornTimestamp);
    view.setFloat64(at + 56, Date.now());
    buffer.set(BODY, at + 100);
    length += recordBytes;
    const append = { wroteOffset: position + at, wroteBytes: recordBytes };
    if (turn === undefined) {
      let resolve: (status: string) => void = () => undefined;
      const promise = new Promise<string>((r) => (resolve = r));
      turn = { promise, resolve };
      setImmediate(endTurn);
    }
    return turn.promise.then((status) => ({ status, append }));
  };
  const flusher = setInterval(() => fs.fdatasync(fd, () => undefined), 500);
  let written = 0;
  let count = 0;
  const started = process.hrtime.bigint();
  // Stops a turn short of the file's end, as the store's last turn cannot overrun it either.
  const limit = total - IN_FLIGHT * recordBytes;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async (_, i) => {
      while (written < limit) {
        const result = await put(i % 8, Date.now());
        written += result.append.wroteBytes;
        count++;
      }
    }),
  );
  clearInterval(flusher);
  fs.fdatasyncSync(fd);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  fs.closeSync(fd);
  fs.rmSync(file, { force: true });
  settle();
  figures.floorMsgPerSecond = Math.round(count / seconds);
  figures.floorMBps = mb(written, seconds);
  const raw = Number(figures.rawWriteMBps);
  const ours = Number(figures.asyncAppendMBps);
  console.log(
    `floor (header + body + CRC per record, one pwrite per turn, nothing else): ${figures.floorMsgPerSecond} msg/s, ` +
      `${figures.floorMBps} MB/s` +
      (raw > 0 ? ` = ${(Number(figures.floorMBps) / raw).toFixed(2)}× the median raw write` : '') +
      (ours > 0
        ? `; the store's ASYNC_FLUSH append ${(ours / Number(figures.floorMBps)).toFixed(2)}× it`
        : ''),
  );
}

/** Apache RocketMQ's DefaultMessageStore on the same workloads (see the header). */
async function peer(): Promise<void> {
  const threads = 2;
  // Just under the target so the records stay in the first 1 GiB file, as the async phase's do.
  const bytes = options.gib * GiB - 4 * 1024 * 1024;
  const summary = await runApacheStore<{
    messages: number;
    bytes: number;
    fillSeconds: number;
    flushSeconds: number;
  }>([String(bytes), String(threads)]);
  const seconds = summary.fillSeconds + summary.flushSeconds;
  figures.peerAsyncMsgPerSecond = Math.round(summary.messages / seconds);
  figures.peerAsyncMBps = mb(summary.bytes, seconds);
  figures.peerFillSeconds = Number(summary.fillSeconds.toFixed(2));
  figures.peerFlushSeconds = Number(summary.flushSeconds.toFixed(2));
  const raw = Number(figures.rawWriteMBps);
  const ours = Number(figures.asyncAppendMBps);
  console.log(
    `peer: Apache RocketMQ DefaultMessageStore ASYNC_FLUSH, ${threads} putMessage threads: ` +
      `${figures.peerAsyncMsgPerSecond} msg/s, ${figures.peerAsyncMBps} MB/s (fill ${figures.peerFillSeconds} s + ` +
      `final flush ${figures.peerFlushSeconds} s)` +
      (raw > 0 ? ` = ${(Number(figures.peerAsyncMBps) / raw).toFixed(2)}× the median raw write` : '') +
      (ours > 0 ? `; Skyrocket's store ${(ours / Number(figures.peerAsyncMBps)).toFixed(2)}× it` : ''),
  );

  // SYNC_FLUSH: the same 64 appenders as the sync phase, one put at a time each; the byte cap only guards the run.
  const sync = await runApacheStore<{
    messages: number;
    seconds: number;
    p50Ms: number;
    p99Ms: number;
    flushTimeouts: number;
  }>([String(options.gib * GiB - 4 * 1024 * 1024), '64', String(options.seconds)]);
  figures.peerSyncMsgPerSecond = Math.round(sync.messages / sync.seconds);
  figures.peerSyncP50Ms = Number(sync.p50Ms.toFixed(2));
  figures.peerSyncP99Ms = Number(sync.p99Ms.toFixed(2));
  figures.peerSyncFlushTimeouts = sync.flushTimeouts;
  console.log(
    `peer: Apache RocketMQ DefaultMessageStore SYNC_FLUSH, 64 putMessage threads: ` +
      `${figures.peerSyncMsgPerSecond} msg/s, p50 ${figures.peerSyncP50Ms} ms, p99 ${figures.peerSyncP99Ms} ms, ` +
      `${sync.flushTimeouts} flush timeouts` +
      (figures.syncMsgPerSecond === undefined
        ? ''
        : `; Skyrocket's store ${(Number(figures.syncMsgPerSecond) / Number(figures.peerSyncMsgPerSecond)).toFixed(2)}× it`),
  );
}

async function syncAppend(): Promise<void> {
  const dir = fresh('sync');
  const store = openStore(dir, 'SYNC_FLUSH');
  await store.start();
  const latencies: number[] = [];
  let timeouts = 0;
  const end = Date.now() + options.seconds * 1000;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: 64 }, async (_, i) => {
      while (Date.now() < end) {
        const t0 = process.hrtime.bigint();
        const result = await store.putMessage(message(i % 8));
        if (result.status === 'FLUSH_DISK_TIMEOUT') timeouts++;
        else if (result.status !== 'PUT_OK') throw new Error(`put failed: ${result.status}`);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const { flushes: syncs, flushSeconds } = store.stats();
  await store.shutdown();
  const sorted = Float64Array.from(latencies).sort();
  figures.syncMsgPerSecond = Math.round(latencies.length / seconds);
  figures.syncP50Ms = Number(percentile(sorted, 50).toFixed(2));
  figures.syncP99Ms = Number(percentile(sorted, 99).toFixed(2));
  figures.syncFdatasyncPerSecond = Math.round(syncs / seconds);
  figures.syncFlushTimeouts = timeouts;
  // A round is one fdatasync plus the event loop's work for its waiters and their next appends: the mean fdatasync
  // next to the mean round says which of the two bounds the rate.
  figures.syncMeanFdatasyncMs = Number(((flushSeconds / Math.max(1, syncs)) * 1000).toFixed(2));
  figures.syncMeanRoundMs = Number(((seconds / Math.max(1, syncs)) * 1000).toFixed(2));
  const rawRate =
    figures.rawFdatasyncPerSecond === undefined ? '' : ` (raw ${String(figures.rawFdatasyncPerSecond)}/s)`;
  console.log(
    `SYNC_FLUSH, 64 appenders: ${figures.syncMsgPerSecond} msg/s (target ≥ 50,000), p50 ${figures.syncP50Ms} ms, ` +
      `p99 ${figures.syncP99Ms} ms, ${figures.syncFdatasyncPerSecond} fdatasync/s${rawRate}, ` +
      `mean fdatasync ${figures.syncMeanFdatasyncMs} ms of a ${figures.syncMeanRoundMs} ms round, ` +
      `${timeouts} flush timeouts`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Runs this script as a child that writes `gib` GiB; `kill` makes it SIGKILL itself when done (a crash). */
function child(mode: 'crash' | 'rss', dir: string, gib: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', __filename, '--child', mode, '--dir', dir, '--childGib', String(gib)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const samples: number[] = [];
    const timer = setInterval(() => {
      try {
        const status = fs.readFileSync(`/proc/${proc.pid}/status`, 'utf8');
        samples.push(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
      } catch {
        // the child is gone
      }
    }, 250);
    proc.on('exit', (code, signal) => {
      clearInterval(timer);
      if (mode === 'crash' ? signal === 'SIGKILL' : code === 0) resolve(samples);
      else reject(new Error(`child ${mode} ended with ${code ?? signal}`));
    });
  });
}

async function childMain(): Promise<void> {
  const store = openStore(options.dir, 'ASYNC_FLUSH');
  await store.start();
  await fill(store, options.childGib * GiB, IN_FLIGHT);
  if (options.child === 'crash') {
    // Let the periodic checkpoint catch up, as it would in a running broker, then die without shutting down.
    await new Promise((r) => setTimeout(r, 1500));
    process.kill(process.pid, 'SIGKILL');
  }
  await store.shutdown();
}

async function recovery(): Promise<void> {
  const dir = fresh('recovery');
  await child('crash', dir, options.gib);
  const time = async () => {
    const store = openStore(dir, 'ASYNC_FLUSH');
    const started = process.hrtime.bigint();
    await store.start();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const max = store.getMaxPhyOffset();
    // Leave it crashed again (no shutdown) so the second measurement is also a crash recovery.
    fs.writeFileSync(path.join(dir, 'lock'), '0');
    return { ms: Math.round(ms), max, store };
  };
  const fromCheckpoint = await time();
  await fromCheckpoint.store.shutdown();
  fs.writeFileSync(path.join(dir, 'abort'), '0');
  fs.rmSync(path.join(dir, 'checkpoint'));
  const full = await time();
  await full.store.shutdown();
  figures.recoveryFromCheckpointMs = fromCheckpoint.ms;
  figures.recoveryFullScanMs = full.ms;
  figures.recoveryCommitLogBytes = full.max;
  console.log(
    `recovery after SIGKILL with ${(full.max / GiB).toFixed(2)} GiB of commit log: ${fromCheckpoint.ms} ms from the checkpoint, ` +
      `${full.ms} ms validating every record (no checkpoint)`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
}

async function rss(): Promise<void> {
  const dir = fresh('rss');
  const samples = await child('rss', dir, options.rssGib);
  const quarter = (q: number) =>
    samples[Math.min(samples.length - 1, Math.floor((samples.length * q) / 4))] ?? NaN;
  figures.rssMiBAtQuarters = [1, 2, 3, 4].map((q) => Math.round(quarter(q - 0.01)));
  figures.rssPeakMiB = Math.round(Math.max(...samples));
  console.log(
    `RSS while writing ${options.rssGib} GiB: ${(figures.rssMiBAtQuarters as number[]).join(' / ')} MiB at each quarter, ` +
      `peak ${String(figures.rssPeakMiB)} MiB`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  if (options.child) return childMain();
  const selected = (name: string) => options.only === '' || options.only.split(',').includes(name);
  console.log(`store benchmark in ${baseDir} (${os.cpus().length} cores)`);
  if (selected('raw') || selected('async')) await rawVersusAsync(selected('async'));
  if (selected('floor')) await floor();
  if (selected('sync')) await syncAppend();
  if (selected('peer')) await peer();
  if (selected('recovery')) await recovery();
  if (selected('rss')) await rss();
  console.log(JSON.stringify(figures));
  if (!options.dir) fs.rmSync(baseDir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

/**
 * Offsets kept in a local file (Java `LocalFileOffsetStore`), for broadcasting consumers: every consumer reads every
 * queue, so its progress is its own.
 *
 * File: `<baseDir>/<clientId>/<group>/offsets.json` (baseDir default `~/.skyrocket/offsets`, like Java's
 * `~/.rocketmq_offsets`), written atomically: a temp file in the same directory, fsync, rename; the previous
 * version is kept as `offsets.json.bak` and read when the main file is missing or unreadable. Content:
 *
 *   {"offsetTable":[{"topic":"T","brokerName":"broker-a","queueId":0,"offset":42}, …]}
 *
 * Persisting merges: offsets of queues this process does not hold stay in the file as they were.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';

import { ClientError } from '../../errors';
import { messageQueue, messageQueueKey, type MessageQueue } from '../message-queue';
import type { OffsetStore, ReadOffsetType } from './offset-store';

export const DEFAULT_LOCAL_OFFSET_STORE_DIR = path.join(os.homedir(), '.skyrocket', 'offsets');

const OffsetFileSchema = z.object({
  offsetTable: z.array(
    z.object({
      topic: z.string().min(1),
      brokerName: z.string().min(1),
      queueId: z.number().int().min(0),
      offset: z.number().int().min(0),
    }),
  ),
});

export interface LocalFileOffsetStoreOptions {
  consumerGroup: string;
  clientId: string;
  /** Default DEFAULT_LOCAL_OFFSET_STORE_DIR. */
  baseDir?: string | undefined;
}

interface Entry {
  queue: MessageQueue;
  offset: number;
}

/** A path segment from a client id or group: path separators and other unsafe characters become "_". */
function safeSegment(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9@%|._-]/g, '_');
  return cleaned === '.' || cleaned === '..' ? '_' : cleaned;
}

export class LocalFileOffsetStore implements OffsetStore {
  readonly storePath: string;
  readonly #table = new Map<string, Entry>();
  /** Offsets read from the file at load, including queues not held now. */
  readonly #fromFile = new Map<string, Entry>();
  /** Serializes writes so that two persists never interleave their renames. */
  #writing: Promise<void> = Promise.resolve();
  #tempCounter = 0;

  constructor(options: LocalFileOffsetStoreOptions) {
    this.storePath = path.join(
      options.baseDir ?? DEFAULT_LOCAL_OFFSET_STORE_DIR,
      safeSegment(options.clientId),
      safeSegment(options.consumerGroup),
      'offsets.json',
    );
  }

  async load(): Promise<void> {
    const entries = await this.#readFile();
    this.#fromFile.clear();
    for (const entry of entries) {
      const key = messageQueueKey(entry.queue);
      this.#fromFile.set(key, entry);
      this.#table.set(key, { ...entry });
    }
  }

  updateOffset(queue: MessageQueue, offset: number, increaseOnly: boolean): void {
    const key = messageQueueKey(queue);
    const entry = this.#table.get(key);
    if (entry === undefined) this.#table.set(key, { queue, offset });
    else if (!increaseOnly || offset > entry.offset) entry.offset = offset;
  }

  async readOffset(queue: MessageQueue, type: ReadOffsetType): Promise<number> {
    const key = messageQueueKey(queue);
    if (type !== 'STORE') {
      const entry = this.#table.get(key);
      if (entry !== undefined) return entry.offset;
      if (type === 'MEMORY') return -1;
    }
    const entries = await this.#readFile();
    const stored = entries.find((e) => messageQueueKey(e.queue) === key);
    if (stored === undefined) return -1;
    this.updateOffset(queue, stored.offset, false);
    return stored.offset;
  }

  async persistAll(queues: readonly MessageQueue[]): Promise<void> {
    if (queues.length === 0) return;
    const keep = new Set(queues.map(messageQueueKey));
    for (const [key, entry] of this.#table) {
      if (keep.has(key)) this.#fromFile.set(key, { ...entry });
    }
    await this.#write();
  }

  async persist(queue: MessageQueue): Promise<void> {
    const key = messageQueueKey(queue);
    const entry = this.#table.get(key);
    if (entry === undefined) return;
    this.#fromFile.set(key, { ...entry });
    await this.#write();
  }

  removeOffset(queue: MessageQueue): void {
    this.#table.delete(messageQueueKey(queue));
  }

  offsets(): Map<MessageQueue, number> {
    return new Map([...this.#table.values()].map((e) => [e.queue, e.offset]));
  }

  #write(): Promise<void> {
    const content = `${JSON.stringify(
      {
        offsetTable: [...this.#fromFile.values()].map((e) => ({
          topic: e.queue.topic,
          brokerName: e.queue.brokerName,
          queueId: e.queue.queueId,
          offset: e.offset,
        })),
      },
      null,
      2,
    )}\n`;
    const run = this.#writing.then(() => this.#writeAtomically(content));
    this.#writing = run.catch(() => undefined);
    return run;
  }

  async #writeAtomically(content: string): Promise<void> {
    const dir = path.dirname(this.storePath);
    const temp = `${this.storePath}.${process.pid}.${this.#tempCounter++}.tmp`;
    try {
      await fs.mkdir(dir, { recursive: true });
      const handle = await fs.open(temp, 'w');
      try {
        await handle.writeFile(content, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.copyFile(this.storePath, `${this.storePath}.bak`).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      await fs.rename(temp, this.storePath);
      await syncDirectory(dir);
    } catch (error) {
      await fs.rm(temp, { force: true }).catch(() => undefined);
      throw new ClientError(
        'INVALID_CONFIG',
        `cannot write the offset file ${this.storePath}: ${(error as Error).message}`,
        {
          cause: error,
          retriable: true,
        },
      );
    }
  }

  /** The file's entries: the main file, else the .bak copy, else nothing (a first start). */
  async #readFile(): Promise<Entry[]> {
    const main = await readOffsetFile(this.storePath);
    if (main.kind === 'ok') return main.entries;
    const backup = await readOffsetFile(`${this.storePath}.bak`);
    if (backup.kind === 'ok') return backup.entries;
    if (main.kind === 'missing' && backup.kind === 'missing') return [];
    const problem = main.kind === 'bad' ? main.problem : backup.kind === 'bad' ? backup.problem : '';
    throw new ClientError(
      'INVALID_CONFIG',
      `the offset file ${this.storePath} is unreadable (${problem}); fix or delete it to start from consumeFromWhere`,
    );
  }
}

type ReadResult = { kind: 'ok'; entries: Entry[] } | { kind: 'missing' } | { kind: 'bad'; problem: string };

async function readOffsetFile(file: string): Promise<ReadResult> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'bad', problem: (error as Error).message };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { kind: 'bad', problem: `not JSON: ${(error as Error).message}` };
  }
  const parsed = OffsetFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: 'bad', problem: `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` };
  }
  return {
    kind: 'ok',
    entries: parsed.data.offsetTable.map((e) => ({
      queue: messageQueue(e.topic, e.brokerName, e.queueId),
      offset: e.offset,
    })),
  };
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes the rename durable; some filesystems refuse fsync on a directory, which is not worth failing for.
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

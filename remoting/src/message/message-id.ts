/**
 * The two message ids of RocketMQ (PROTOCOL.md §3.5).
 *
 * - The *offset msgId* the broker returns (`SendMessageResponseHeader.msgId`, `MessageExt.msgId` on the server):
 *   store-host IP bytes, port as int32, commit-log offset as int64, in uppercase hex
 *   (`MessageDecoder.createMessageId`, `UtilAll.bytes2string`): 32 characters for IPv4, 56 for IPv6. Clients decode
 *   it to reach the broker and the offset (VIEW_MESSAGE_BY_ID, END_TRANSACTION).
 * - The *UNIQ_KEY* a producer puts in the properties (`MessageClientIDSetter.createUniqID`): client IP bytes, pid as
 *   int16, a class-loader hash as int32, milliseconds since the start of the month as int32, and a counter as int16,
 *   also uppercase hex: 32 characters for an IPv4 client, 56 for IPv6.
 */
import * as os from 'node:os';

import { checkPort, formatIpAddress, ipAddressBytes, type HostAddress } from './host-address';
import { readSafeInt64, writeSafeInt64 } from './int64';

const HEX = /^[0-9A-Fa-f]*$/;

/** A decoded offset msgId (Java `MessageId`). */
export interface OffsetMessageId {
  storeHost: HostAddress;
  commitLogOffset: number;
}

/** `MessageDecoder.createMessageId(storeHost, commitLogOffset)`. */
export function createOffsetMessageId(storeHost: HostAddress, commitLogOffset: number): string {
  checkPort(storeHost.port, 'storeHost');
  const ip = ipAddressBytes(storeHost.address);
  const bytes = Buffer.allocUnsafe(ip.length + 12);
  bytes.set(ip, 0);
  bytes.writeInt32BE(storeHost.port, ip.length);
  writeSafeInt64(bytes, commitLogOffset, ip.length + 4, 'commitLogOffset');
  return bytes.toString('hex').toUpperCase();
}

/**
 * `MessageDecoder.decodeMessageId`. Java treats any length other than 32 as IPv6; this accepts exactly 32 or 56 hex
 * characters (either case) and throws RangeError otherwise, so a UNIQ_KEY passed by mistake is not read as an
 * address.
 */
export function decodeOffsetMessageId(msgId: string): OffsetMessageId {
  if ((msgId.length !== 32 && msgId.length !== 56) || !HEX.test(msgId)) {
    throw new RangeError(`an offset msgId is 32 or 56 hex characters, got ${JSON.stringify(msgId)}`);
  }
  const bytes = Buffer.from(msgId, 'hex');
  const ipLength = msgId.length === 32 ? 4 : 16;
  const commitLogOffset = readSafeInt64(bytes, ipLength + 4);
  if (commitLogOffset === undefined) {
    throw new RangeError(`offset msgId ${msgId} holds a commit-log offset beyond the safe-integer range`);
  }
  return {
    storeHost: { address: formatIpAddress(bytes.subarray(0, ipLength)), port: bytes.readInt32BE(ipLength) },
    commitLogOffset,
  };
}

/** The fields of a UNIQ_KEY. */
export interface UniqIdFields {
  ip: string;
  pid: number;
  classLoaderHash: number;
  /** Milliseconds since the start of the generator's month, as the unsigned 32 bits written. */
  millisSinceMonthStart: number;
  counter: number;
}

/**
 * Splits a UNIQ_KEY into its fields (`MessageClientIDSetter.getIPFromID`, `getPidFromID`). Only ids of 32 or 56 hex
 * characters have this layout; anything else throws RangeError.
 */
export function decodeUniqId(uniqId: string): UniqIdFields {
  if ((uniqId.length !== 32 && uniqId.length !== 56) || !HEX.test(uniqId)) {
    throw new RangeError(`a UNIQ_KEY is 32 or 56 hex characters, got ${JSON.stringify(uniqId)}`);
  }
  const bytes = Buffer.from(uniqId, 'hex');
  const ipLength = uniqId.length === 32 ? 4 : 16;
  return {
    ip: formatIpAddress(bytes.subarray(0, ipLength)),
    pid: bytes.readUInt16BE(ipLength),
    classLoaderHash: bytes.readInt32BE(ipLength + 2),
    millisSinceMonthStart: bytes.readUInt32BE(ipLength + 6),
    counter: bytes.readUInt16BE(ipLength + 10),
  };
}

/** The start of the month containing `epochMillis`, and the start of the next one. */
export type MonthStart = (epochMillis: number) => { start: number; next: number };

/** Month boundaries in the process's local time zone, as Java's `Calendar.getInstance()` gives them. */
export const localMonthStart: MonthStart = (epochMillis) => {
  const date = new Date(epochMillis);
  return {
    start: new Date(date.getFullYear(), date.getMonth(), 1).getTime(),
    next: new Date(date.getFullYear(), date.getMonth() + 1, 1).getTime(),
  };
};

/** Month boundaries in UTC, for tests and for hosts that want ids independent of the time zone. */
export const utcMonthStart: MonthStart = (epochMillis) => {
  const date = new Date(epochMillis);
  return {
    start: Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1),
    next: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1),
  };
};

/**
 * `MessageClientIDSetter.getNearlyTimeFromID`: the creation time of a UNIQ_KEY, assuming it was made in the month of
 * `now` or, if that would put it at or after `now`, in the month before.
 */
export function nearlyTimeFromUniqId(
  uniqId: string,
  now: number,
  monthStart: MonthStart = localMonthStart,
): number {
  const { millisSinceMonthStart } = decodeUniqId(uniqId);
  const { start } = monthStart(now);
  if (start + millisSinceMonthStart < now) return start + millisSinceMonthStart;
  return monthStart(start - 1).start + millisSinceMonthStart;
}

export interface MessageClientIdGeneratorOptions {
  /** The client IP written first. Default: the first usable interface address, chosen as `UtilAll.getIP` does. */
  ip?: string;
  /** Written as int16 (Java casts the pid to short). Default: process.pid. */
  pid?: number;
  /** Java writes the class loader's identity hash. Default: a random int32, which serves the same purpose. */
  classLoaderHash?: number;
  /** Epoch milliseconds. Default: Date.now. */
  clock?: () => number;
  /** Month boundaries. Default: local time, like Java. */
  monthStart?: MonthStart;
}

/**
 * Generates UNIQ_KEYs the way the Java client and broker do (`MessageClientIDSetter.createUniqID`): a fixed prefix
 * of IP, pid and class-loader hash, then the milliseconds since the start of the month and a 16-bit counter. The
 * broker uses it for messages that arrive without a UNIQ_KEY (ali-ons never sets one).
 */
export class MessageClientIdGenerator {
  readonly #prefix: string;
  readonly #clock: () => number;
  readonly #monthStart: MonthStart;
  #startTime: number;
  #nextStartTime: number;
  #counter = 0;

  constructor(options: MessageClientIdGeneratorOptions = {}) {
    const ip = options.ip !== undefined ? ipAddressBytes(options.ip) : defaultClientIp();
    const fixed = Buffer.allocUnsafe(ip.length + 6);
    fixed.set(ip, 0);
    fixed.writeUInt16BE((options.pid ?? process.pid) & 0xffff, ip.length);
    fixed.writeInt32BE(options.classLoaderHash ?? randomInt32(), ip.length + 2);
    this.#prefix = fixed.toString('hex').toUpperCase();
    this.#clock = options.clock ?? Date.now;
    this.#monthStart = options.monthStart ?? localMonthStart;
    const { start, next } = this.#monthStart(this.#clock());
    this.#startTime = start;
    this.#nextStartTime = next;
  }

  /** A new UNIQ_KEY. */
  createUniqId(): string {
    const now = this.#clock();
    if (now >= this.#nextStartTime) {
      const { start, next } = this.#monthStart(now);
      this.#startTime = start;
      this.#nextStartTime = next;
    }
    // Java: (int) (current - startTime), so past ~24.8 days the value wraps negative; only its 32 bits are written.
    let diff = (now - this.#startTime) | 0;
    // Java: a small negative difference comes from the clock stepping back (NTP) and is written as 0.
    if (diff < 0 && diff > -1_000_000) diff = 0;
    const counter = this.#counter;
    this.#counter = (this.#counter + 1) | 0;
    return this.#prefix + hex(diff >>> 0, 8) + hex(counter & 0xffff, 4);
  }
}

function hex(value: number, width: number): string {
  return value.toString(16).toUpperCase().padStart(width, '0');
}

function randomInt32(): number {
  return (Math.random() * 0x1_0000_0000) | 0;
}

/**
 * `UtilAll.getIP`: the first IPv4 address outside the private and loopback ranges, else the first global IPv6
 * address, else a private IPv4 address (preferring one outside 127/8); if there is none, 4 bytes taken from the clock
 * as `createFakeIP` does.
 */
function defaultClientIp(): Buffer {
  let internal: Buffer | undefined;
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const info of addresses ?? []) {
      if (info.family === 'IPv4') {
        const bytes = ipAddressBytes(info.address);
        if (bytes[0] === 0 || bytes.every((b) => b === 0xff)) continue;
        if (!isInternalIpv4(bytes)) return bytes;
        if (internal === undefined || internal[0] === 127) internal = bytes;
      } else if (!info.internal && !info.address.toLowerCase().startsWith('fe80')) {
        const bytes = ipAddressBytes(info.address);
        if (bytes.length === 16) return bytes;
      }
    }
  }
  if (internal !== undefined) return internal;
  const fake = Buffer.allocUnsafe(4);
  fake.writeUInt32BE(Date.now() % 0x1_0000_0000);
  return fake;
}

function isInternalIpv4(bytes: Buffer): boolean {
  const [a = 0, b = 0] = bytes;
  return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

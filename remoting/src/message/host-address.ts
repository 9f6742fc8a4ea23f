/**
 * Socket addresses as message records and message ids carry them: the raw IP bytes (4 for IPv4, 16 for IPv6) and
 * then the port as an int32 (`MessageExt.socketAddress2ByteBuffer`).
 */

/** A born host or store host: an IP address in text form and a port. */
export interface HostAddress {
  readonly address: string;
  readonly port: number;
}

/** The on-wire size of an IPv4 host (4-byte IP + int32 port) and of an IPv6 host (16-byte IP + int32 port). */
export const IPV4_HOST_LENGTH = 8;
export const IPV6_HOST_LENGTH = 20;

const IPV4_MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] as const;

/**
 * The raw bytes of an IP address: 4 for IPv4, 16 for IPv6. An IPv4-mapped IPv6 address ("::ffff:10.0.0.1", which
 * Node reports for IPv4 peers of a dual-stack socket) gives 4 bytes, because Java's `InetAddress.getByAddress` turns
 * such an address into an Inet4Address and the broker then writes it as IPv4. Brackets ("[::1]") and a zone
 * ("fe80::1%eth0") are accepted and dropped. Throws RangeError for anything that is not an IP address.
 */
export function ipAddressBytes(address: string): Buffer {
  // Every record encodes two hosts and a broker sees few distinct ones: parsing each time was ~8 % of an append.
  const cached = parsedAddresses.get(address);
  if (cached) return Buffer.from(cached);
  const bytes = parseIpAddress(address);
  if (parsedAddresses.size >= PARSED_ADDRESS_CACHE_SIZE) parsedAddresses.clear();
  parsedAddresses.set(address, Buffer.from(bytes));
  return bytes;
}

/** Bounded: cleared when full, so a stream of distinct addresses cannot grow it. */
const PARSED_ADDRESS_CACHE_SIZE = 4096;
const parsedAddresses = new Map<string, Buffer>();

function parseIpAddress(address: string): Buffer {
  const text = stripBracketsAndZone(address);
  const ipv4 = parseIpv4(text);
  if (ipv4 !== undefined) return ipv4;
  const ipv6 = parseIpv6(text);
  if (ipv6 === undefined) throw new RangeError(`not an IP address: ${JSON.stringify(address)}`);
  return isIpv4Mapped(ipv6) ? ipv6.subarray(12) : ipv6;
}

/** Whether the address is written as 16 bytes (so the record's *_V6 sysFlag bit must be set). */
export function isIpv6HostAddress(address: string): boolean {
  return ipAddressBytes(address).length === 16;
}

/**
 * The text form of 4 or 16 IP bytes: dotted quad, or RFC 5952 IPv6 ("2001:db8::1"), the form Node uses.
 * Java prints IPv6 unabbreviated ("2001:db8:0:0:0:0:0:1"); the address is the same. 16 bytes holding an
 * IPv4-mapped address are shown as IPv4, as Java does.
 */
export function formatIpAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.length !== 16) throw new RangeError(`an IP address has 4 or 16 bytes, got ${bytes.length}`);
  if (isIpv4Mapped(bytes)) return formatIpAddress(bytes.subarray(12));
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  const [runStart, runLength] = longestZeroRun(groups);
  if (runLength < 2) return groups.map((g) => g.toString(16)).join(':');
  const head = groups.slice(0, runStart).map((g) => g.toString(16));
  const tail = groups.slice(runStart + runLength).map((g) => g.toString(16));
  return `${head.join(':')}::${tail.join(':')}`;
}

/** Writes IP bytes and the port as int32 at `offset`; returns the offset after them. */
export function writeHostAddress(target: Buffer, offset: number, ipBytes: Uint8Array, port: number): number {
  target.set(ipBytes, offset);
  return target.writeInt32BE(port, offset + ipBytes.length);
}

/** Reads a host of 4 or 16 IP bytes plus an int32 port at `offset`. The caller checks the bounds. */
export function readHostAddress(source: Buffer, offset: number, ipLength: 4 | 16): HostAddress {
  return {
    address: formatIpAddress(source.subarray(offset, offset + ipLength)),
    port: source.readInt32BE(offset + ipLength),
  };
}

/** Checks that a port fits the record's int32 field and a TCP port; throws RangeError otherwise. */
export function checkPort(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw new RangeError(`${what} port must be an integer in [0, 65535], got ${port}`);
  }
}

function stripBracketsAndZone(address: string): string {
  let text = address;
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  return zone >= 0 ? text.slice(0, zone) : text;
}

function parseIpv4(text: string): Buffer | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i] ?? '';
    // Decimal only, no leading zeros (which some parsers read as octal).
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    bytes[i] = value;
  }
  return bytes;
}

function parseIpv6(text: string): Buffer | undefined {
  const doubleColon = text.indexOf('::');
  if (doubleColon !== text.lastIndexOf('::')) return undefined;
  const headText = doubleColon >= 0 ? text.slice(0, doubleColon) : text;
  const tailText = doubleColon >= 0 ? text.slice(doubleColon + 2) : '';
  const head = headText === '' ? [] : headText.split(':');
  const tail = tailText === '' ? [] : tailText.split(':');
  const groups = parseGroups(doubleColon >= 0 ? tail : head);
  const leading = doubleColon >= 0 ? parseGroups(head, false) : [];
  if (groups === undefined || leading === undefined) return undefined;
  const total = leading.length + groups.length;
  if (doubleColon >= 0 ? total > 7 : total !== 8) return undefined;
  const all = [...leading, ...new Array<number>(8 - total).fill(0), ...groups];
  const bytes = Buffer.alloc(16);
  all.forEach((group, i) => bytes.writeUInt16BE(group, i * 2));
  return bytes;
}

/** Parses hex groups; the last one may be a dotted IPv4 tail ("::ffff:1.2.3.4"), which counts as two groups. */
function parseGroups(parts: string[], allowIpv4Tail = true): number[] | undefined {
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (allowIpv4Tail && i === parts.length - 1 && part.includes('.')) {
      const ipv4 = parseIpv4(part);
      if (ipv4 === undefined) return undefined;
      groups.push(ipv4.readUInt16BE(0), ipv4.readUInt16BE(2));
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return undefined;
      groups.push(parseInt(part, 16));
    }
  }
  return groups;
}

function isIpv4Mapped(bytes: Uint8Array): boolean {
  return bytes.length === 16 && IPV4_MAPPED_PREFIX.every((b, i) => bytes[i] === b);
}

/** [start, length] of the first longest run of zero groups (RFC 5952 §4.2.3). */
function longestZeroRun(groups: readonly number[]): [number, number] {
  let bestStart = 0;
  let bestLength = 0;
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  return [bestStart, bestLength];
}

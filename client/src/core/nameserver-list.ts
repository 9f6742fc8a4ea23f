/**
 * The NameServers a client talks to, and which one it uses now. Like the Java client (NettyRemotingClient
 * .getAndCreateNameserverChannel), a client sticks to one NameServer, chosen at random at start so that clients
 * spread over the list, and moves to the next one when a request to it fails at the transport level.
 *
 * The list is static (`namesrvAddr`) or comes from an address server (`nameServerDomain`): the body of
 * `GET http://<domain>:8080/rocketmq/nsaddr` is `host:port;host:port` (TopAddressing.fetchNSAddr), fetched at start
 * and every two minutes.
 */
import { addressListProblems, splitAddressList, type Logger } from '@skyrocket/common';
import { ClientError } from '../errors';

export class NameServerList {
  #addresses: string[] = [];
  #index = 0;
  readonly #logger: Logger;

  constructor(addresses: readonly string[], logger: Logger, random: () => number = Math.random) {
    this.#logger = logger;
    this.update(addresses, random);
  }

  get addresses(): readonly string[] {
    return this.#addresses;
  }

  /** The NameServer to use now. */
  current(): string | undefined {
    return this.#addresses[this.#index % Math.max(1, this.#addresses.length)];
  }

  /** Moves past `failed` (if it is still the current one) to the next NameServer. */
  failover(failed: string): void {
    if (this.current() === failed && this.#addresses.length > 1) {
      this.#index = (this.#index + 1) % this.#addresses.length;
      this.#logger.warn({ failed, next: this.current() }, 'NameServer unreachable; using the next one');
    }
  }

  /** Replaces the list; keeps the current NameServer when it is still listed. Returns whether the list changed. */
  update(addresses: readonly string[], random: () => number = Math.random): boolean {
    const next = [...new Set(addresses)];
    if (next.length === this.#addresses.length && next.every((a, i) => a === this.#addresses[i]))
      return false;
    const current = this.current();
    this.#addresses = next;
    const kept = current === undefined ? -1 : next.indexOf(current);
    this.#index = kept >= 0 ? kept : Math.floor(random() * Math.max(1, next.length));
    return true;
  }
}

/** The address-server URL for a `nameServerDomain` setting (Java MixAll.getWSAddr: port 8080, path /rocketmq/nsaddr). */
export function addressServerUrl(domain: string): string {
  if (/^https?:\/\//.test(domain)) return domain;
  const hostPort = /:\d+$/.test(domain) ? domain : `${domain}:8080`;
  return `http://${hostPort}/rocketmq/nsaddr`;
}

/** Fetches and validates a NameServer list from an address server. */
export async function fetchNameServerList(url: string, timeoutMillis: number): Promise<string[]> {
  let text: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMillis) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    text = (await response.text()).trim();
  } catch (error) {
    throw new ClientError(
      'NAMESERVER_UNAVAILABLE',
      `address server ${url} failed: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const problems = addressListProblems('nsaddr', text);
  const addresses = splitAddressList(text);
  if (problems.length > 0 || addresses.length === 0) {
    throw new ClientError(
      'NAMESERVER_UNAVAILABLE',
      `address server ${url} returned no usable NameServer list (${JSON.stringify(text.slice(0, 200))})`,
    );
  }
  return addresses;
}

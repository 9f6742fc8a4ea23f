import { lookup } from 'node:dns/promises';

/**
 * Address lists in RocketMQ's notation, shared by the NameServer (/rocketmq/nsaddr), the broker (registration) and
 * clients: a static "host:port;host:port" list, or "dns:<name>:<port>", where every A/AAAA record of the name is one
 * address (a Kubernetes headless Service gives one record per ready pod, so members that come and go are followed
 * without restarts).
 */
export type AddressListSetting = string;

const HOST_PORT = /^[^:;\s[\]]+:\d{1,5}$/;
const IPV6_PORT = /^\[[0-9a-fA-F:.]+\]:\d{1,5}$/;
const DNS_FORM = /^dns:([^:\s;]+):(\d{1,5})$/;

/** The entries of a static list, trimmed, empties dropped. */
export function splitAddressList(setting: AddressListSetting): string[] {
  return setting
    .split(';')
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

/** Human-readable problems with a setting (empty when valid); `field` names it in the messages. */
export function addressListProblems(field: string, setting: AddressListSetting): string[] {
  if (setting.startsWith('dns:')) {
    const match = DNS_FORM.exec(setting);
    return match && Number(match[2]) <= 65535
      ? []
      : [`${field}: "${setting}" must look like dns:<name>:<port>`];
  }
  return splitAddressList(setting)
    .filter(
      (a) => !(HOST_PORT.test(a) || IPV6_PORT.test(a)) || Number(a.slice(a.lastIndexOf(':') + 1)) > 65535,
    )
    .map((a) => `${field}: "${a}" is not host:port`);
}

/**
 * The addresses a setting stands for now: a static list as written, a dns: name resolved through getaddrinfo (so
 * /etc/hosts and the cluster resolver both apply), sorted and de-duplicated. A name that does not resolve gives [];
 * `onLookupError` hears why.
 */
export async function resolveAddressList(
  setting: AddressListSetting,
  onLookupError?: (name: string, error: unknown) => void,
): Promise<string[]> {
  if (!setting.startsWith('dns:')) return splitAddressList(setting);
  const match = DNS_FORM.exec(setting);
  const name = match?.[1];
  const port = match?.[2];
  if (!name || !port) return [];
  try {
    const records = await lookup(name, { all: true });
    const addresses = records.map((r) =>
      r.family === 6 ? `[${r.address}]:${port}` : `${r.address}:${port}`,
    );
    return [...new Set(addresses)].sort();
  } catch (error) {
    onLookupError?.(name, error);
    return [];
  }
}

/**
 * Namespaced key/value configuration (PUT/GET/DELETE_KV_CONFIG, GET_KVLIST_BY_NAMESPACE), e.g. the
 * ORDER_TOPIC_CONFIG namespace RocketMQ uses for ordered-topic layouts. Kept in memory only: Skyrocket NameServers
 * are stateless, and whoever sets KV config (an admin tool, the operator) sets it on every NameServer.
 */
export class KvConfigManager {
  readonly #namespaces = new Map<string, Map<string, string>>();

  put(namespace: string, key: string, value: string): void {
    let table = this.#namespaces.get(namespace);
    if (!table) {
      table = new Map();
      this.#namespaces.set(namespace, table);
    }
    table.set(key, value);
  }

  get(namespace: string, key: string): string | undefined {
    return this.#namespaces.get(namespace)?.get(key);
  }

  delete(namespace: string, key: string): void {
    const table = this.#namespaces.get(namespace);
    table?.delete(key);
    if (table && table.size === 0) this.#namespaces.delete(namespace);
  }

  list(namespace: string): Record<string, string> | undefined {
    const table = this.#namespaces.get(namespace);
    return table ? Object.fromEntries(table) : undefined;
  }
}

/** KVConfigManager's namespace for ordered-topic configuration, returned to registering brokers. */
export const ORDER_TOPIC_CONFIG_NAMESPACE = 'ORDER_TOPIC_CONFIG';

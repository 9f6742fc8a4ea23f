import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import type { KubeConnection } from './kubeconfig';
import { resourcePath, type ResourceType } from './resources';
import type { KubeObject, KubeList } from './types';

/** The field manager of every server-side apply the operator makes: one owner for every field it sets. */
export const FIELD_MANAGER = 'skyrocket-operator';

/** A non-2xx answer from the apiserver, with its Status reason ("NotFound", "Conflict", "AlreadyExists", …). */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 404;
}

export function isConflict(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 409;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchHandle {
  /** Ends the watch; `onEnd` is called with no error. */
  abort(): void;
}

/**
 * A small REST client for any resource type over one connection (client certificates, tokens, CA).
 * Why not client-node's typed APIs: 1.x is an ES module (see kubeconfig.ts), its models parse timestamps into
 * Dates and need per-kind classes, and 1.4 needs middleware to send the apply-patch content type. A generic JSON
 * client keeps apply, status writes and watches in one place and the same for custom resources.
 */
export class KubeClient {
  readonly #connection: KubeConnection;
  readonly #agent: http.Agent;

  constructor(connection: KubeConnection) {
    this.#connection = connection;
    this.#agent =
      connection.server.protocol === 'http:'
        ? new http.Agent({ keepAlive: true })
        : new https.Agent({
            keepAlive: true,
            ...(connection.ca ? { ca: connection.ca } : {}),
            ...(connection.cert ? { cert: connection.cert } : {}),
            ...(connection.key ? { key: connection.key } : {}),
            ...(connection.tlsServerName ? { servername: connection.tlsServerName } : {}),
            rejectUnauthorized: connection.insecureSkipTlsVerify !== true,
          });
  }

  get connection(): KubeConnection {
    return this.#connection;
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.#agent.destroy();
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const { status, text } = await this.#send(method, path, options);
    if (status < 200 || status >= 300) throw toApiError(method, path, status, text);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  async get<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): Promise<T> {
    return this.request<T>('GET', resourcePath(type, namespace, name));
  }

  /** The object, or undefined when it does not exist. */
  async find<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): Promise<T | undefined> {
    try {
      return await this.get<T>(type, namespace, name);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async list<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    query: RequestOptions['query'] = {},
  ): Promise<KubeList<T>> {
    return this.request<KubeList<T>>('GET', resourcePath(type, namespace), { query });
  }

  /**
   * Server-side apply (PATCH application/apply-patch+yaml; JSON is YAML) with the operator's field manager, forcing
   * ownership of conflicting fields: the operator is the one writer of its children's spec.
   */
  async apply<T extends KubeObject>(type: ResourceType, object: T, subresource?: 'status'): Promise<T> {
    const name = object.metadata.name;
    const path = resourcePath(type, object.metadata.namespace, name) + (subresource ? `/${subresource}` : '');
    return this.request<T>('PATCH', path, {
      query: { fieldManager: FIELD_MANAGER, force: true },
      body: object,
      contentType: 'application/apply-patch+yaml',
    });
  }

  async mergePatch<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    subresource?: 'status',
  ): Promise<T> {
    const path = resourcePath(type, namespace, name) + (subresource ? `/${subresource}` : '');
    return this.request<T>('PATCH', path, { body: patch, contentType: 'application/merge-patch+json' });
  }

  async create<T extends KubeObject>(type: ResourceType, object: T): Promise<T> {
    return this.request<T>('POST', resourcePath(type, object.metadata.namespace), { body: object });
  }

  async replace<T extends KubeObject>(type: ResourceType, object: T): Promise<T> {
    return this.request<T>('PUT', resourcePath(type, object.metadata.namespace, object.metadata.name), {
      body: object,
    });
  }

  /**
   * Deletes; a missing object counts as deleted. Background propagation (the default) lets the garbage collector
   * remove pods; Orphan leaves them running.
   */
  async delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: { uid?: string; propagationPolicy?: 'Background' | 'Orphan' | 'Foreground' } = {},
  ): Promise<boolean> {
    try {
      await this.request('DELETE', resourcePath(type, namespace, name), {
        body: {
          propagationPolicy: options.propagationPolicy ?? 'Background',
          // A precondition on the uid: never delete a newer object of the same name than the one looked at.
          ...(options.uid ? { preconditions: { uid: options.uid } } : {}),
        },
      });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /**
   * Streams watch events of a collection from `resourceVersion`. `onEnd` is called once: with no error when the
   * server closed the stream (its timeout) or abort() was called, with the error when it failed.
   */
  watch<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    query: RequestOptions['query'],
    onEvent: (type: WatchEventType, object: T) => void,
    onEnd: (error?: Error) => void,
  ): WatchHandle {
    let ended = false;
    const end = (error?: Error) => {
      if (ended) return;
      ended = true;
      onEnd(error);
    };
    let request: http.ClientRequest | undefined;
    let aborted = false;
    void this.#open('GET', resourcePath(type, namespace), {
      query: { ...query, watch: true, allowWatchBookmarks: true },
    }).then(
      ({ req, response }) => {
        request = req;
        if (aborted) {
          req.destroy();
          end();
          return;
        }
        response.then(
          (res) => {
            if ((res.statusCode ?? 0) !== 200) {
              collect(res).then(
                (text) => end(toApiError('WATCH', resourcePath(type, namespace), res.statusCode ?? 0, text)),
                (error: Error) => end(error),
              );
              return;
            }
            const lines = createInterface({ input: res });
            lines.on('line', (line) => {
              if (line.trim() === '') return;
              try {
                const event = JSON.parse(line) as { type: WatchEventType; object: T };
                onEvent(event.type, event.object);
              } catch (error) {
                end(error instanceof Error ? error : new Error(String(error)));
                req.destroy();
              }
            });
            // readline re-emits the input's errors ('aborted' when the stream is cut): handled here, once.
            lines.on('error', (error) => end(aborted ? undefined : error));
            res.on('error', (error) => end(aborted ? undefined : error));
            res.on('close', () => end());
          },
          (error: Error) => end(aborted ? undefined : error),
        );
      },
      (error: Error) => end(error),
    );
    return {
      abort: () => {
        aborted = true;
        request?.destroy();
        if (request) end();
      },
    };
  }

  async #send(
    method: string,
    path: string,
    options: RequestOptions,
  ): Promise<{ status: number; text: string }> {
    const { response } = await this.#open(method, path, options);
    const res = await response;
    return { status: res.statusCode ?? 0, text: await collect(res) };
  }

  async #open(
    method: string,
    path: string,
    options: RequestOptions,
  ): Promise<{ req: http.ClientRequest; response: Promise<http.IncomingMessage> }> {
    const server = this.#connection.server;
    const url = new URL(server.pathname.replace(/\/$/, '') + path, server);
    for (const [key, value] of Object.entries(options.query ?? {}))
      if (value !== undefined) url.searchParams.set(key, String(value));
    const headers: http.OutgoingHttpHeaders = { Accept: 'application/json' };
    const token = this.#connection.token?.();
    if (token) headers['Authorization'] = `Bearer ${token}`;
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (body !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const transport = url.protocol === 'http:' ? http : https;
    const req = transport.request(url, { method, headers, agent: this.#agent });
    const response = new Promise<http.IncomingMessage>((resolve, reject) => {
      req.on('response', resolve);
      req.on('error', reject);
    });
    req.end(body);
    return { req, response };
  }
}

function collect(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function toApiError(method: string, path: string, status: number, text: string): KubeApiError {
  let reason = 'Unknown';
  let message = text.slice(0, 500);
  try {
    const parsed = JSON.parse(text) as { reason?: string; message?: string };
    reason = parsed.reason ?? reason;
    message = parsed.message ?? message;
  } catch {
    // not a Status object; keep the raw text
  }
  return new KubeApiError(status, reason, `${method} ${path}: ${status} ${reason}: ${message}`);
}

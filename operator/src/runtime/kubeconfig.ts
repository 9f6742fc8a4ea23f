import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SkyrocketError } from '@skyrocket/common';

/** Where and how to reach the apiserver: what a kubeconfig context or a pod's service account says. */
export interface KubeConnection {
  server: URL;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Read per request: a projected service-account token is rotated on disk. */
  token?: () => string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  /** The context's namespace (kubeconfig) or the pod's own namespace (in cluster). */
  namespace?: string;
}

type Entry = Record<string, unknown>;

interface KubeconfigFile {
  'current-context'?: string;
  clusters?: Array<{ name: string; cluster?: Entry }>;
  users?: Array<{ name: string; user?: Entry }>;
  contexts?: Array<{ name: string; context?: Entry }>;
}

function invalid(message: string): SkyrocketError {
  return new SkyrocketError('INVALID_CONFIG', message);
}

/**
 * Reads a kubeconfig file: the current (or named) context's cluster and user, with certificates and keys inline
 * (`*-data`, base64) or as file paths relative to the kubeconfig, bearer tokens and token files.
 * Why not client-node's KubeConfig: @kubernetes/client-node 1.x is an ES module, which CommonJS code can load only
 * through require(esm) — jest's module runtime cannot — and these few fields are all the operator needs. Exec
 * credential plugins and auth-providers are not supported; the error says so.
 */
export function loadKubeconfig(path: string, contextName?: string): KubeConnection {
  let file: KubeconfigFile;
  try {
    file = (parse(readFileSync(path, 'utf8')) ?? {}) as KubeconfigFile;
  } catch (error) {
    throw new SkyrocketError('INVALID_CONFIG', `cannot read kubeconfig ${path}: ${String(error)}`, {
      cause: error,
    });
  }
  const name = contextName ?? file['current-context'];
  if (!name) throw invalid(`kubeconfig ${path} has no current-context and no context was named`);
  const context = file.contexts?.find((c) => c.name === name)?.context;
  if (!context) throw invalid(`kubeconfig ${path} has no context ${name}`);
  const cluster = file.clusters?.find((c) => c.name === context['cluster'])?.cluster;
  if (!cluster || typeof cluster['server'] !== 'string')
    throw invalid(`kubeconfig ${path}: context ${name} names no cluster with a server`);
  const user = file.users?.find((u) => u.name === context['user'])?.user ?? {};
  if (user['exec'] || user['auth-provider'])
    throw invalid(
      `kubeconfig ${path}: exec and auth-provider credentials are not supported; use a token or certs`,
    );
  const base = join(path, '..');
  const material = (entry: Entry, field: string): Buffer | undefined => {
    const data = entry[`${field}-data`];
    if (typeof data === 'string') return Buffer.from(data, 'base64');
    const file = entry[field];
    if (typeof file === 'string') return readFileSync(file.startsWith('/') ? file : join(base, file));
    return undefined;
  };
  const token = user['token'];
  const tokenFile = user['tokenFile'];
  const connection: KubeConnection = { server: new URL(cluster['server']) };
  const ca = material(cluster, 'certificate-authority');
  const cert = material(user, 'client-certificate');
  const key = material(user, 'client-key');
  if (ca) connection.ca = ca;
  if (cert) connection.cert = cert;
  if (key) connection.key = key;
  if (typeof token === 'string') connection.token = () => token;
  else if (typeof tokenFile === 'string') connection.token = () => readFileSync(tokenFile, 'utf8').trim();
  if (cluster['insecure-skip-tls-verify'] === true) connection.insecureSkipTlsVerify = true;
  if (typeof cluster['tls-server-name'] === 'string') connection.tlsServerName = cluster['tls-server-name'];
  if (typeof context['namespace'] === 'string') connection.namespace = context['namespace'];
  return connection;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The pod's service account: KUBERNETES_SERVICE_HOST/PORT, its token (re-read per request), CA and namespace. */
export function inClusterConnection(
  env: Record<string, string | undefined> = process.env,
  dir = SERVICE_ACCOUNT_DIR,
): KubeConnection {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port)
    throw invalid('not running in a cluster (KUBERNETES_SERVICE_HOST/PORT unset); set kubeconfig instead');
  const hostPart = host.includes(':') ? `[${host}]` : host;
  let namespace: string | undefined;
  try {
    namespace = readFileSync(join(dir, 'namespace'), 'utf8').trim();
  } catch {
    namespace = undefined;
  }
  return {
    server: new URL(`https://${hostPart}:${port}`),
    ca: readFileSync(join(dir, 'ca.crt')),
    token: () => readFileSync(join(dir, 'token'), 'utf8').trim(),
    ...(namespace ? { namespace } : {}),
  };
}

/**
 * A real Kubernetes control plane for tests, started on loopback the way controller-runtime's envtest does:
 * etcd, kube-apiserver and, when a test needs Pods, kube-controller-manager. No kubelet or scheduler runs, so Pods
 * are created (by Deployments, StatefulSets, ...) but never scheduled or started.
 *
 * - `ensureK8sBinaries()` returns the paths of the binaries built by `npm run k8s:build` (scripts/k8s/build.ts), or
 *   throws naming that command. Tests never build: a build takes far longer than any test timeout.
 * - `loadClientNode()` returns the @kubernetes/client-node module (for API classes such as CoreV1Api to pass to
 *   `kubeConfig().makeApiClient`), loaded the same way as `kubeConfig()`.
 * - `startControlPlane()` generates a CA, a serving certificate, a service-account signing key and an admin client
 *   certificate (user `skyrocket-admin`, group `system:masters`), starts etcd on free loopback ports with a temp data
 *   dir, then kube-apiserver (RBAC + Node authorization) and optionally kube-controller-manager, writes a kubeconfig
 *   and resolves once /readyz answers ok and the system namespaces exist.
 * - Every component runs in its own process group with its output in `<tmpDir>/<component>.log`; when startup
 *   fails, the error carries each log's tail. `stop()` sends SIGTERM (controller-manager, apiserver, then etcd),
 *   SIGKILL after a grace period, and removes the temp dir. A small reaper process per control plane kills the
 *   components if the test process dies without stopping them (even by SIGKILL: the reaper sees its stdin close),
 *   and an 'exit' hook kills them on a normal exit; no component outlives the test run.
 *
 * Decisions:
 * - Without the controller-manager nothing creates each namespace's `default` ServiceAccount, so the
 *   ServiceAccount admission plugin (which refuses Pods whose ServiceAccount does not exist) is disabled then;
 *   with the controller-manager it is on, as in a real cluster. Namespaces are never finalized without the
 *   controller-manager (they stay Terminating), as in envtest.
 * - EC P-256 keys (fast to generate); certificates are signed with the openssl CLI (node:crypto cannot issue
 *   X.509 certificates).
 * - etcd runs with --unsafe-no-fsync: the data dir is thrown away, and fsync on a shared 2-core machine is slow.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import nodeModule from 'node:module';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { stringify as toYaml } from 'yaml';
import { resolveK8sBinaries, type K8sBinaries } from '../../../scripts/k8s/binaries';

export type { K8sBinaries } from '../../../scripts/k8s/binaries';

export const SERVICE_CLUSTER_IP_RANGE = '10.0.0.0/24';
/** The first address of the service range: the `kubernetes` Service's ClusterIP. */
const KUBERNETES_SERVICE_IP = '10.0.0.1';
export const ADMIN_USER = 'skyrocket-admin';
export const CONTEXT_NAME = 'skyrocket-test';

/**
 * The controller-manager's controllers: what Deployments, StatefulSets, PDBs, garbage collection, namespaces and
 * service accounts need. Left out: node, pod-GC (it deletes Pods bound to unknown nodes, which a test pod runner may
 * set), cloud, CSR signing, volume attach/expand (no kubelet, no CSI).
 */
export const CONTROLLERS = [
  'deployment-controller',
  'replicaset-controller',
  'statefulset-controller',
  'job-controller',
  'cronjob-controller',
  'disruption-controller',
  'garbage-collector-controller',
  'namespace-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller',
  'endpoints-controller',
  'endpointslice-controller',
  'endpointslice-mirroring-controller',
  'resourcequota-controller',
  'persistentvolume-binder-controller',
  'persistentvolumeclaim-protection-controller',
  'persistentvolume-protection-controller',
  'clusterrole-aggregation-controller',
  'ttl-after-finished-controller',
] as const;

const DEFAULT_START_TIMEOUT_MS = 180_000;
const STOP_GRACE_MS = 15_000;
const KILL_WAIT_MS = 5_000;
const START_ATTEMPTS = 3;
const LOG_TAIL_LINES = 40;
const PROBE_TIMEOUT_MS = 3_000;

export interface ControlPlaneOptions {
  /** Also start kube-controller-manager (needed when a test wants Pods created from workloads). Default false. */
  controllerManager?: boolean;
  /** Deadline for the whole startup. Default 180 s (a first start on a busy 2-core machine is slow). */
  startTimeoutMs?: number;
}

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  readonly server: string;
  /** A kubeconfig for the admin user (group system:masters), context `skyrocket-test`. */
  readonly kubeconfigPath: string;
  /** A fresh @kubernetes/client-node KubeConfig loaded from `kubeconfigPath`. */
  kubeConfig(): KubeConfig;
  /** Certificates, keys, component logs and the etcd data dir; removed by stop(). */
  readonly tmpDir: string;
  readonly binaries: K8sBinaries;
  /** http://127.0.0.1:<port> */
  readonly etcdEndpoint: string;
  /** PEM files: the cluster CA (also the client CA) and the admin client certificate and key. */
  readonly certs: { readonly ca: string; readonly adminCert: string; readonly adminKey: string };
  /** Runs the built kubectl against this control plane (`--kubeconfig` is added); never rejects on exit code. */
  kubectl(args: readonly string[], options?: { input?: string; timeoutMs?: number }): Promise<CommandResult>;
  /** The component processes started so far (name, pid, and whether it is still running). */
  processes(): { name: string; pid: number; running: boolean }[];
  /** Stops the components (SIGTERM, then SIGKILL after a grace period) and removes tmpDir. Idempotent. */
  stop(): Promise<void>;
}

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The binaries built by `npm run k8s:build`; rejects naming that command when any is missing or stale. */
export async function ensureK8sBinaries(): Promise<K8sBinaries> {
  return resolveK8sBinaries();
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binaries = await ensureK8sBinaries();
  const deadline = Date.now() + (options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  for (let attempt = 1; ; attempt++) {
    const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-k8s-'));
    const running = new RunningControlPlane(binaries, tmpDir);
    try {
      await running.start(options, deadline);
      return running;
    } catch (error) {
      const portClash = running.logsMention(/address already in use/i);
      await running.stop();
      // Free ports are picked by binding port 0 and closing it; another process can take one in between.
      if (portClash && attempt < START_ATTEMPTS && Date.now() < deadline) continue;
      throw error;
    }
  }
}

/** Runs a command to completion (bounded by timeoutMs), capturing its output. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      [...args],
      {
        encoding: 'utf8',
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
        env: options.env ?? process.env,
        cwd: options.cwd,
      },
      (error, stdout, stderr) => {
        if (!error) resolve({ code: 0, stdout, stderr });
        else if (typeof error.code === 'number') resolve({ code: error.code, stdout, stderr });
        else if (error.killed) reject(new Error(`${command} ${args.join(' ')} timed out\n${stderr}`));
        else if (typeof error.code === 'string') {
          reject(new Error(`${command} ${args.join(' ')} failed to run: ${error.message}`));
        } else resolve({ code: null, stdout, stderr }); // ended by a signal
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

// ---------------------------------------------------------------------------------------------------------------

interface Component {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logPath: string;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  readonly exited: Promise<void>;
}

/** Process groups of every component of every live control plane, for the 'exit' hook. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
  });
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/**
 * The reaper: a detached node process that reads "+pid"/"-pid" lines on stdin and, when stdin closes (its parent
 * exited, however it died), SIGTERMs the process groups still listed, SIGKILLs those left after 5 s, removes the
 * control plane's temp dir (its argument) and exits. On a clean stop() the list is empty by then.
 */
const REAPER_SOURCE = `
const fs = require('node:fs');
const tmpDir = process.argv[1];
const groups = new Set();
let buffer = '';
const alive = (g) => { try { process.kill(-g, 0); return true; } catch { return false; } };
const kill = (signal) => { for (const g of groups) { try { process.kill(-g, signal); } catch {} } };
const finish = () => {
  kill('SIGKILL');
  try { if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true }); } catch {}
  process.exit(0);
};
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  let newline;
  while ((newline = buffer.indexOf('\\n')) >= 0) {
    const line = buffer.slice(0, newline);
    buffer = buffer.slice(newline + 1);
    const pid = Number(line.slice(1));
    if (line[0] === '+') groups.add(pid); else if (line[0] === '-') groups.delete(pid);
  }
});
process.stdin.on('end', () => {
  kill('SIGTERM');
  const deadline = Date.now() + 5000;
  const poll = () => ([...groups].some(alive) && Date.now() < deadline ? setTimeout(poll, 100) : finish());
  poll();
});
`;

class RunningControlPlane implements ControlPlane {
  server = '';
  kubeconfigPath = '';
  etcdEndpoint = '';
  readonly certs: ControlPlane['certs'];
  readonly #components: Component[] = [];
  #reaper?: ChildProcess;
  #stopping?: Promise<void>;

  constructor(
    readonly binaries: K8sBinaries,
    readonly tmpDir: string,
  ) {
    this.certs = {
      ca: path.join(tmpDir, 'pki', 'ca.crt'),
      adminCert: path.join(tmpDir, 'pki', 'admin.crt'),
      adminKey: path.join(tmpDir, 'pki', 'admin.key'),
    };
  }

  kubeConfig(): KubeConfig {
    const config = new (loadClientNode().KubeConfig)();
    config.loadFromFile(this.kubeconfigPath);
    return config;
  }

  kubectl(
    args: readonly string[],
    options: { input?: string; timeoutMs?: number } = {},
  ): Promise<CommandResult> {
    return runCommand(this.binaries.kubectl, ['--kubeconfig', this.kubeconfigPath, ...args], options);
  }

  async start(options: ControlPlaneOptions, deadline: number): Promise<void> {
    installExitHook();
    this.#startReaper();
    const pki = path.join(this.tmpDir, 'pki');
    await generatePki(pki);

    const [etcdClientPort, etcdPeerPort, apiserverPort, controllerManagerPort] = await freePorts(4);
    this.etcdEndpoint = `http://127.0.0.1:${etcdClientPort}`;
    const etcdPeer = `http://127.0.0.1:${etcdPeerPort}`;
    const etcd = this.#spawn('etcd', this.binaries.etcd, [
      '--name=default',
      `--data-dir=${path.join(this.tmpDir, 'etcd-data')}`,
      `--listen-client-urls=${this.etcdEndpoint}`,
      `--advertise-client-urls=${this.etcdEndpoint}`,
      `--listen-peer-urls=${etcdPeer}`,
      `--initial-advertise-peer-urls=${etcdPeer}`,
      `--initial-cluster=default=${etcdPeer}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ]);
    await this.#waitUntil(etcd, 'etcd /health', deadline, async () => {
      const body = await httpGet(`${this.etcdEndpoint}/health`);
      return body.status === 200 && /"health":\s*"true"/.test(body.text);
    });

    this.server = `https://127.0.0.1:${apiserverPort}`;
    const apiserver = this.#spawn('kube-apiserver', this.binaries.kubeApiserver, [
      `--etcd-servers=${this.etcdEndpoint}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiserverPort}`,
      `--cert-dir=${path.join(this.tmpDir, 'apiserver-certs')}`,
      `--tls-cert-file=${path.join(pki, 'apiserver.crt')}`,
      `--tls-private-key-file=${path.join(pki, 'apiserver.key')}`,
      `--client-ca-file=${this.certs.ca}`,
      // The verification key file wants public keys; the signing key file the private one.
      `--service-account-key-file=${path.join(pki, 'service-account.pub')}`,
      `--service-account-signing-key-file=${path.join(pki, 'service-account.key')}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
      '--authorization-mode=Node,RBAC',
      '--allow-privileged=true',
      '--profiling=false',
      ...(options.controllerManager ? [] : ['--disable-admission-plugins=ServiceAccount']),
    ]);
    const readyz = (): Promise<boolean> =>
      this.#apiGet('/readyz').then((r) => r.status === 200 && r.text.trim() === 'ok');
    await this.#waitUntil(apiserver, 'kube-apiserver /readyz', deadline, readyz);
    // The system namespaces are created by a post-start controller that /readyz does not wait for.
    await this.#waitUntil(apiserver, 'the default and kube-system namespaces', deadline, async () => {
      const [first, second] = await Promise.all([
        this.#apiGet('/api/v1/namespaces/default'),
        this.#apiGet('/api/v1/namespaces/kube-system'),
      ]);
      return first.status === 200 && second.status === 200;
    });

    this.kubeconfigPath = path.join(this.tmpDir, 'kubeconfig');
    fs.writeFileSync(this.kubeconfigPath, kubeconfigYaml(this.server, pki), { mode: 0o600 });

    if (options.controllerManager) {
      const controllerManager = this.#spawn('kube-controller-manager', this.binaries.kubeControllerManager, [
        `--kubeconfig=${this.kubeconfigPath}`,
        `--authentication-kubeconfig=${this.kubeconfigPath}`,
        `--authorization-kubeconfig=${this.kubeconfigPath}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${controllerManagerPort}`,
        `--cert-dir=${path.join(this.tmpDir, 'controller-manager-certs')}`,
        '--leader-elect=false',
        `--controllers=${CONTROLLERS.join(',')}`,
        `--service-account-private-key-file=${path.join(pki, 'service-account.key')}`,
        `--root-ca-file=${this.certs.ca}`,
        `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
        '--profiling=false',
      ]);
      await this.#waitUntil(controllerManager, 'kube-controller-manager /healthz', deadline, async () => {
        // Its serving certificate is self-signed (generated into --cert-dir); /healthz needs no credentials.
        const response = await httpGet(`https://127.0.0.1:${controllerManagerPort}/healthz`, {
          rejectUnauthorized: false,
        });
        return response.status === 200 && response.text.trim() === 'ok';
      });
    }
  }

  processes(): { name: string; pid: number; running: boolean }[] {
    return this.#components.map((c) => ({ name: c.name, pid: c.child.pid ?? -1, running: !c.exit }));
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    // Reverse start order: the controller-manager and apiserver still talk to etcd while they shut down.
    for (const component of [...this.#components].reverse()) {
      await stopComponent(component);
      liveGroups.delete(component.child.pid ?? -1);
      this.#reaper?.stdin?.write(`-${component.child.pid}\n`);
    }
    if (this.#reaper) {
      const reaper = this.#reaper;
      const gone = new Promise<void>((resolve) => {
        if (reaper.exitCode !== null || reaper.signalCode !== null) resolve();
        else reaper.once('exit', () => resolve());
      });
      reaper.stdin?.end();
      await withTimeout(gone, KILL_WAIT_MS).catch(() => reaper.kill('SIGKILL'));
    }
    fs.rmSync(this.tmpDir, { recursive: true, force: true, maxRetries: 3 });
  }

  /** True when any component log matches (used to retry a startup that lost a port race). */
  logsMention(pattern: RegExp): boolean {
    return this.#components.some((c) => pattern.test(readTail(c.logPath, LOG_TAIL_LINES * 4)));
  }

  #startReaper(): void {
    const reaper = spawn(process.execPath, ['-e', REAPER_SOURCE, this.tmpDir], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    // The reaper must not keep a test process alive on its own; the pipe is ended by stop().
    reaper.unref();
    reaper.on('error', () => undefined);
    reaper.stdin?.on('error', () => undefined);
    this.#reaper = reaper;
  }

  #spawn(name: string, binary: string, args: string[]): Component {
    const logPath = path.join(this.tmpDir, `${name}.log`);
    const fd = fs.openSync(logPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn(binary, args, { cwd: this.tmpDir, detached: true, stdio: ['ignore', fd, fd] });
    } finally {
      fs.closeSync(fd);
    }
    const component: Component = {
      name,
      child,
      logPath,
      exited: new Promise<void>((resolve) => {
        child.once('exit', (code, signal) => {
          component.exit = { code, signal };
          liveGroups.delete(child.pid ?? -1);
          resolve();
        });
        child.once('error', (error) => {
          fs.appendFileSync(logPath, `\n[harness] failed to start ${binary}: ${error.message}\n`);
          component.exit ??= { code: null, signal: null };
          resolve();
        });
      }),
    };
    if (child.pid !== undefined) {
      liveGroups.add(child.pid);
      this.#reaper?.stdin?.write(`+${child.pid}\n`);
    }
    this.#components.push(component);
    return component;
  }

  /** Polls `check` until true; fails early (with every log's tail) if the component exits or the deadline passes. */
  async #waitUntil(component: Component, what: string, deadline: number, check: () => Promise<boolean>) {
    let lastError = '';
    for (;;) {
      if (component.exit) {
        const { code, signal } = component.exit;
        throw this.#startupError(`${component.name} exited (code ${code}, signal ${signal}) before ${what}`);
      }
      try {
        if (await check()) return;
        lastError = '';
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      }
      if (Date.now() > deadline) {
        throw this.#startupError(
          `timed out waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}`,
        );
      }
      await Promise.race([component.exited, new Promise((resolve) => setTimeout(resolve, 200))]);
    }
  }

  #startupError(message: string): Error {
    const tails = this.#components.map(
      (c) =>
        `--- ${c.name} (${c.logPath}), last ${LOG_TAIL_LINES} lines ---\n${readTail(c.logPath, LOG_TAIL_LINES)}`,
    );
    return new Error(`control plane failed to start: ${message}\n${tails.join('\n')}`);
  }

  #apiGet(urlPath: string): Promise<{ status: number; text: string }> {
    return httpGet(`${this.server}${urlPath}`, {
      ca: fs.readFileSync(this.certs.ca),
      cert: fs.readFileSync(this.certs.adminCert),
      key: fs.readFileSync(this.certs.adminKey),
    });
  }
}

async function stopComponent(component: Component): Promise<void> {
  const pid = component.child.pid;
  if (component.exit || pid === undefined) return;
  signalGroup(pid, 'SIGTERM');
  try {
    await withTimeout(component.exited, STOP_GRACE_MS);
  } catch {
    signalGroup(pid, 'SIGKILL');
    await withTimeout(component.exited, KILL_WAIT_MS).catch(() => undefined);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function readTail(file: string, lines: number): string {
  try {
    const stat = fs.statSync(file);
    const length = Math.min(stat.size, 256 * 1024);
    const buffer = Buffer.alloc(length);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, buffer, 0, length, stat.size - length);
    } finally {
      fs.closeSync(fd);
    }
    return buffer.toString('utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function httpGet(url: string, tls: https.RequestOptions = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    const request = get(url, { ...tls, timeout: PROBE_TIMEOUT_MS }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
  });
}

/** `count` distinct free loopback ports (bound together, then released). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

// --- certificates ------------------------------------------------------------------------------------------------

/** An EC P-256 private key (PKCS#8 PEM) in `<name>.key` and its public key (SPKI PEM) in `<name>.pub`. */
function writeEcKey(dir: string, name: string): void {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  fs.writeFileSync(path.join(dir, `${name}.key`), privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
  });
  fs.writeFileSync(path.join(dir, `${name}.pub`), publicKey.export({ type: 'spki', format: 'pem' }));
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const result = await runCommand('openssl', args, { cwd, timeoutMs: 30_000 }).catch((error: Error) => {
    throw new Error(`openssl is required to generate the test certificates: ${error.message}`);
  });
  if (result.code !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${result.stderr}`);
}

/** A throwaway CA, the apiserver's serving certificate, the admin client certificate and the SA signing key. */
async function generatePki(dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // A minimal config so the system openssl.cnf (which differs between distributions) plays no part.
  fs.writeFileSync(
    path.join(dir, 'openssl.cnf'),
    [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      '[dn]',
      'CN = skyrocket-test-ca',
      '[v3_ca]',
      'basicConstraints = critical,CA:TRUE',
      'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
      'subjectKeyIdentifier = hash',
      '',
    ].join('\n'),
  );
  const config = ['-config', 'openssl.cnf'];
  for (const key of ['ca', 'apiserver', 'admin', 'service-account']) writeEcKey(dir, key);
  await openssl(
    [
      'req',
      '-x509',
      '-new',
      ...config,
      '-extensions',
      'v3_ca',
      '-key',
      'ca.key',
      '-days',
      '3650',
      '-out',
      'ca.crt',
    ],
    dir,
  );

  const leaf = async (name: string, subject: string, extensions: string[]): Promise<void> => {
    fs.writeFileSync(path.join(dir, `${name}.ext`), extensions.join('\n') + '\n');
    await openssl(
      ['req', '-new', ...config, '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`],
      dir,
    );
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-set_serial',
        `0x${randomBytes(16).toString('hex')}`,
        '-days',
        '3650',
        '-extfile',
        `${name}.ext`,
        '-out',
        `${name}.crt`,
      ],
      dir,
    );
  };
  await leaf('apiserver', '/CN=kube-apiserver', [
    'basicConstraints = CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage = serverAuth',
    `subjectAltName = IP:127.0.0.1,IP:${KUBERNETES_SERVICE_IP},DNS:localhost,DNS:kubernetes,` +
      'DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
  ]);
  await leaf('admin', `/O=system:masters/CN=${ADMIN_USER}`, [
    'basicConstraints = CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage = clientAuth',
  ]);
}

function kubeconfigYaml(server: string, pki: string): string {
  const base64 = (file: string): string => fs.readFileSync(path.join(pki, file)).toString('base64');
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CONTEXT_NAME, cluster: { server, 'certificate-authority-data': base64('ca.crt') } }],
    users: [
      {
        name: ADMIN_USER,
        user: { 'client-certificate-data': base64('admin.crt'), 'client-key-data': base64('admin.key') },
      },
    ],
    contexts: [
      { name: CONTEXT_NAME, context: { cluster: CONTEXT_NAME, user: ADMIN_USER, namespace: 'default' } },
    ],
    'current-context': CONTEXT_NAME,
  });
}

// --- @kubernetes/client-node ------------------------------------------------------------------------------------

type ClientNode = typeof import('@kubernetes/client-node', { with: { 'resolution-mode': 'import' } });
let clientNode: ClientNode | undefined;

/**
 * @kubernetes/client-node 1.x is ESM-only. Jest's CommonJS module runtime cannot load it unless jest.config.js
 * transforms it (transformIgnorePatterns must let @kubernetes/client-node, openid-client, oauth4webapi and jose
 * through). When that is not configured, load it with Node's own CommonJS loader (`Module._load`), which loads ES
 * modules natively since Node 20.19; jest wraps `createRequire` and `process.getBuiltinModule`, but not `_load`.
 * Loaded that way the classes come from outside jest's module registry, which only matters for `instanceof` checks
 * against classes a test imports itself: take API classes from `loadClientNode()` instead.
 */
export function loadClientNode(): ClientNode {
  if (clientNode) return clientNode;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: only tests that ask for it load it
    clientNode = require('@kubernetes/client-node') as ClientNode;
  } catch {
    const loader = nodeModule as unknown as {
      _load(request: string, parent: null, isMain: boolean): unknown;
    };
    clientNode = loader._load(require.resolve('@kubernetes/client-node'), null, false) as ClientNode;
  }
  return clientNode;
}

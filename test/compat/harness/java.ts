/**
 * Compatibility harness: runs Apache RocketMQ's own Java programs (NameServer, broker, client, admin) from the
 * artifacts on Maven Central, so tests can check Skyrocket against the real thing.
 *
 * - `ensureCompatBuild()` builds test/compat/java once (Maven) and returns the runtime classpath.
 * - `startApacheNameServer()` / `startApacheBroker()` start NamesrvStartup / BrokerStartup as child JVMs with a
 *   generated config, home and log directory under the caller's workDir, and resolve once they listen.
 * - `runJava()` runs one of the helper programs of test/compat/java (Produce, PushConsume, AdminDump,
 *   CreateTopic) and parses the JSON lines it prints; `produce()`, `pushConsume()`, `adminDump()`,
 *   `createTopic()` and `waitForBroker()` are typed wrappers around it.
 * - Every JVM started here is tracked; `killAllJavaProcesses()` (call it in afterAll) and a process 'exit' hook
 *   SIGKILL whatever is left, so no JVM outlives the test run.
 *
 * Liveness facts from the Apache RocketMQ 5.3.3 source (rocketmq-all-5.3.3), for tests about broker expiry:
 *
 * - REGISTER_BROKER carries `heartbeatTimeoutMillis` ONLY when the broker runs with
 *   `enableSlaveActingMaster=true`. BrokerController.doRegisterBrokerAll passes
 *   `brokerConfig.isEnableSlaveActingMaster() ? brokerConfig.getBrokerNotActiveTimeoutMillis() : null`, and
 *   BrokerOuterAPI.registerBrokerAll sets the header only when that is non-null. So the broker config that controls
 *   it is `brokerNotActiveTimeoutMillis` (long, default 10000), and it takes effect only together with
 *   `enableSlaveActingMaster=true` (which also sets the `enableActingMaster=true` register header). With the
 *   default config the header is absent and the Apache NameServer uses DEFAULT_BROKER_CHANNEL_EXPIRED_TIME =
 *   120000 ms (RouteInfoManager).
 * - With `enableSlaveActingMaster=true` the broker also, every `brokerHeartbeatInterval` (default 1000 ms), sends
 *   a oneway liveness ping: QUERY_DATA_VERSION (322, body = its DataVersion) while `compatibleWithOldNameSrv=true`
 *   (the default), or BROKER_HEARTBEAT (904) when `compatibleWithOldNameSrv=false`. Both only refresh
 *   lastUpdateTimestamp on the NameServer. It also polls its broker member group every
 *   `syncBrokerMemberGroupPeriod` (1000 ms): GET_ROUTEINFO_BY_TOPIC for `rmq_sys_SYNC_BROKER_MEMBER_<brokerName>`
 *   when compatibleWithOldNameSrv, else GET_BROKER_MEMBER_GROUP (901). A NameServer under test must answer these.
 * - Full re-registration runs every `registerNameServerPeriod`, clamped to [10000, 60000] ms, first 10 s after start.
 * - The Apache NameServer scans for expired brokers every `scanNotActiveBrokerInterval` (NamesrvConfig, 5000 ms).
 * - A broker killed with SIGKILL closes its TCP connections (the kernel does), and the NameServer unregisters it
 *   on channel close at once (BrokerHousekeepingService -> onChannelDestroy), whatever the timeout. To exercise the
 *   heartbeat-timeout path instead, freeze the broker with `handle.signal('SIGSTOP')`: its sockets stay open.
 *   Startup config for a quick drop: `extraConfig: { enableSlaveActingMaster: 'true', brokerNotActiveTimeoutMillis:
 *   '3000' }` on startApacheBroker.
 *
 * Ports: a broker listening on P also opens its "fast"/VIP remoting port P-2 (BrokerController
 * .initializeRemotingServer, same bind address) and its HA port (default P+1, bound on all interfaces by
 * DefaultHAService). `freeBrokerPorts()` picks a P for which all three are free.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** The Apache RocketMQ version the harness runs (keep in step with <rocketmq.version> in java/pom.xml). */
export const ROCKETMQ_VERSION = '5.3.3';

/** test/compat/java: the Maven project of the helper programs. */
export const COMPAT_JAVA_DIR = path.resolve(__dirname, '..', 'java');

const TARGET_DIR = path.join(COMPAT_JAVA_DIR, 'target');
const CLASSES_DIR = path.join(TARGET_DIR, 'classes');
const CLASSPATH_FILE = path.join(TARGET_DIR, 'classpath.txt');
const BUILD_STAMP = path.join(TARGET_DIR, '.compat-build-stamp');
const BUILD_LOCK = path.join(TARGET_DIR, '.compat-build-lock');
const SOURCE_DIR = path.join(COMPAT_JAVA_DIR, 'src', 'main', 'java', 'dev', 'skyrocket', 'compat');

const MAVEN_TIMEOUT_MS = 20 * 60_000;
const LOCK_STALE_MS = 25 * 60_000;
const DEFAULT_START_TIMEOUT_MS = 90_000;
const DEFAULT_RUN_TIMEOUT_MS = 120_000;
const DEFAULT_STOP_GRACE_MS = 30_000;
const MAX_CAPTURE_CHARS = 2_000_000;

const INSTALL_HINT =
  'The compatibility tests run Apache RocketMQ from Maven Central and need a JDK (11+, 17 recommended) and ' +
  'Maven (3.6+) on PATH, e.g. `apt-get install -y openjdk-17-jdk-headless maven`.';

/** JVM flags for every process: small heaps, serial GC and C1 only (quick start on 2 cores). */
const COMMON_JVM_FLAGS = [
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-XX:-OmitStackTraceInFastThrow',
  // RocketMQ ships a shaded logback; this keeps its internal status chatter off stdout.
  '-Dlogback.statusListenerClass=org.apache.rocketmq.logging.ch.qos.logback.core.status.NopStatusListener',
];

// ---------------------------------------------------------------------------------------------------------------
// Build
// ---------------------------------------------------------------------------------------------------------------

export interface CompatBuild {
  /** Runtime classpath: the helper classes followed by every RocketMQ jar and its dependencies. */
  classpath: string;
}

let buildPromise: Promise<CompatBuild> | undefined;

/**
 * Builds test/compat/java with Maven unless the last build is newer than pom.xml and every source file (and all
 * the jars it listed still exist). Concurrent jest workers serialize on a lock directory in target/.
 */
export function ensureCompatBuild(): Promise<CompatBuild> {
  buildPromise ??= buildOnce().catch((err: unknown) => {
    buildPromise = undefined;
    throw err;
  });
  return buildPromise;
}

async function buildOnce(): Promise<CompatBuild> {
  requireTool('java', ['-version']);
  if (!isBuildFresh()) {
    fs.mkdirSync(TARGET_DIR, { recursive: true });
    await withBuildLock(async () => {
      if (isBuildFresh()) return;
      requireTool('mvn', ['-v']);
      await runMaven();
      fs.writeFileSync(BUILD_STAMP, `${new Date().toISOString()}\n`);
      if (!isBuildFresh()) {
        throw new Error(`Maven succeeded in ${COMPAT_JAVA_DIR} but the build outputs are incomplete`);
      }
    });
  }
  return { classpath: readClasspath() };
}

function readClasspath(): string {
  const deps = fs.readFileSync(CLASSPATH_FILE, 'utf8').trim();
  return [CLASSES_DIR, deps].filter((p) => p.length > 0).join(path.delimiter);
}

function javaSources(): string[] {
  return fs
    .readdirSync(SOURCE_DIR)
    .filter((f) => f.endsWith('.java'))
    .map((f) => path.join(SOURCE_DIR, f));
}

function mtimeMs(file: string): number | undefined {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function isBuildFresh(): boolean {
  const stamp = mtimeMs(BUILD_STAMP);
  const classpathFile = mtimeMs(CLASSPATH_FILE);
  if (stamp === undefined || classpathFile === undefined) return false;
  const sources = javaSources();
  const inputs = [path.join(COMPAT_JAVA_DIR, 'pom.xml'), ...sources].map((f) => mtimeMs(f) ?? Infinity);
  if (inputs.some((t) => t > stamp)) return false;
  for (const src of sources) {
    const cls = path.join(CLASSES_DIR, 'dev', 'skyrocket', 'compat', path.basename(src, '.java') + '.class');
    if (!fs.existsSync(cls)) return false;
  }
  const jars = fs.readFileSync(CLASSPATH_FILE, 'utf8').trim().split(path.delimiter);
  return jars.length > 0 && jars.every((jar) => jar.length > 0 && fs.existsSync(jar));
}

function requireTool(command: string, versionArgs: string[]): void {
  const probe = spawnSync(command, versionArgs, { encoding: 'utf8', timeout: 60_000 });
  if (probe.error) {
    const code = (probe.error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? `\`${command}\` was not found on PATH`
        : `\`${command}\` failed: ${probe.error.message}`;
    throw new Error(`${why}. ${INSTALL_HINT}`);
  }
  if (probe.status !== 0) {
    throw new Error(
      `\`${command} ${versionArgs.join(' ')}\` exited ${probe.status}: ${probe.stderr}\n${INSTALL_HINT}`,
    );
  }
  if (command === 'java') {
    const m = /version "(\d+)(?:\.(\d+))?/.exec(`${probe.stderr}${probe.stdout}`);
    const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : NaN;
    if (Number.isFinite(major) && major < 11) {
      throw new Error(`Java ${major} is too old for the compatibility harness. ${INSTALL_HINT}`);
    }
  }
}

async function withBuildLock(fn: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + MAVEN_TIMEOUT_MS + 60_000;
  for (;;) {
    try {
      fs.mkdirSync(BUILD_LOCK);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - (mtimeMs(BUILD_LOCK) ?? Date.now());
      if (age > LOCK_STALE_MS) {
        fs.rmSync(BUILD_LOCK, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for another compat build (${BUILD_LOCK})`);
      await sleep(500);
    }
  }
  try {
    await fn();
  } finally {
    fs.rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

async function runMaven(): Promise<void> {
  const args = [
    '-B',
    '-q',
    'compile',
    'dependency:build-classpath',
    `-Dmdep.outputFile=${CLASSPATH_FILE}`,
    '-Dmdep.includeScope=runtime',
  ];
  const result = await runProcess('mvn', args, { cwd: COMPAT_JAVA_DIR, timeoutMs: MAVEN_TIMEOUT_MS });
  if (result.code !== 0) {
    const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-60).join('\n');
    throw new Error(
      `Maven build of ${COMPAT_JAVA_DIR} failed (exit ${result.code}${result.timedOut ? ', timed out' : ''}).\n` +
        `It needs Maven Central (or a populated ~/.m2) for org.apache.rocketmq:*:${ROCKETMQ_VERSION}.\n${tail}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Child process bookkeeping
// ---------------------------------------------------------------------------------------------------------------

const liveChildren = new Set<ChildProcess>();

// Last resort if a test forgot afterAll or failed before it: no JVM may outlive the test process. Installed only
// while children are alive, so that jest workers running many files do not pile up 'exit' listeners.
const killLeftovers = (): void => {
  for (const c of liveChildren) c.kill('SIGKILL');
};

function track(child: ChildProcess): void {
  if (liveChildren.size === 0) process.on('exit', killLeftovers);
  liveChildren.add(child);
  const untrack = (): void => {
    if (liveChildren.delete(child) && liveChildren.size === 0) process.off('exit', killLeftovers);
  };
  child.once('exit', untrack);
  child.once('error', untrack);
}

/** SIGKILLs every JVM this module started that is still running, and waits for them to exit. */
export async function killAllJavaProcesses(): Promise<void> {
  const waits = [...liveChildren].map(
    (c) =>
      new Promise<void>((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null) return resolve();
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      }),
  );
  await Promise.all(waits);
}

/** Captures a stream's text, keeping only the last MAX_CAPTURE_CHARS characters. */
class Capture {
  private text = '';
  append(chunk: Buffer | string): void {
    this.text += chunk.toString();
    if (this.text.length > MAX_CAPTURE_CHARS) this.text = this.text.slice(-MAX_CAPTURE_CHARS);
  }
  toString(): string {
    return this.text;
  }
}

interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

function runProcess(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    track(child);
    const stdout = new Capture();
    const stderr = new Capture();
    child.stdout?.on('data', (c: Buffer) => stdout.append(c));
    child.stderr?.on('data', (c: Buffer) => stderr.append(c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      stderr.append(`\nfailed to start ${command}: ${err.message}\n`);
      resolve({ code: null, signal: null, stdout: stdout.toString(), stderr: stderr.toString(), timedOut });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: stdout.toString(), stderr: stderr.toString(), timedOut });
    });
  });
}

function jvmArgs(opts: {
  heap: string;
  userHome: string;
  logbackConfig: string;
  extra?: string[];
  /** Benchmarks: full JIT and the default (G1) collector with a fixed heap, instead of the quick-start flags. */
  tuned?: boolean;
}): string[] {
  return [
    ...(opts.tuned
      ? [`-Xms${opts.heap}`, `-Xmx${opts.heap}`, ...COMMON_JVM_FLAGS.filter((f) => !f.startsWith('-XX:'))]
      : ['-Xms32m', `-Xmx${opts.heap}`, ...COMMON_JVM_FLAGS]),
    // RocketMQ writes its logs to ${user.home}/logs/rocketmqlogs and some state to ${user.home}; keep both here.
    `-Duser.home=${opts.userHome}`,
    // Marks the JVM as ours: after an interrupted run, `pgrep -af skyrocket.compat.owner=` finds leftovers.
    `-Dskyrocket.compat.owner=${process.pid}`,
    `-Drmq.logback.configurationFile=${opts.logbackConfig}`,
    ...(opts.extra ?? []),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Servers: Apache NameServer and broker
// ---------------------------------------------------------------------------------------------------------------

/** A running Apache NameServer or broker JVM. */
export interface JavaServerHandle {
  /** "namesrv" or the broker name. */
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** "127.0.0.1:<port>" */
  readonly addr: string;
  readonly workDir: string;
  /** ${workDir}/logs/rocketmqlogs: RocketMQ's log files. */
  readonly logDir: string;
  /** The generated .properties file passed with -c. */
  readonly configFile: string;
  /** Resolves with the exit code (null when ended by a signal) once the JVM is gone. */
  readonly exited: Promise<number | null>;
  /** Sends `signal` (default SIGTERM: orderly shutdown, the broker unregisters) and waits for the exit; SIGKILL after graceMs. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
  /** SIGKILL, then waits for the exit. Works on a SIGSTOPped process too. */
  kill(): Promise<number | null>;
  /** Sends a signal without waiting, e.g. SIGSTOP / SIGCONT to freeze a broker while its sockets stay open. */
  signal(signal: NodeJS.Signals): void;
  /** Captured stdout/stderr plus the tails of the RocketMQ log files, for failure messages. */
  output(): string;
}

export interface NameServerOptions {
  port: number;
  /** Benchmarks: full JIT, G1, fixed heap (see jvmArgs). */
  tuned?: boolean;
  workDir: string;
  /** More NamesrvConfig / NettyServerConfig properties (e.g. scanNotActiveBrokerInterval). */
  extraConfig?: Record<string, string>;
  /** Default 256m. */
  heap?: string;
  startTimeoutMs?: number;
}

export interface BrokerOptions {
  namesrvAddr: string;
  /** Benchmarks: full JIT, G1, fixed heap (see jvmArgs). */
  tuned?: boolean;
  brokerName: string;
  clusterName: string;
  listenPort: number;
  /** Default listenPort + 1 (as BrokerStartup). */
  haPort?: number;
  /** 0 (default) = master (brokerRole ASYNC_MASTER); > 0 = slave (brokerRole SLAVE). */
  brokerId?: number;
  workDir: string;
  /** More BrokerConfig / MessageStoreConfig / Netty properties; they override the generated ones. */
  extraConfig?: Record<string, string>;
  /** Default 512m. */
  heap?: string;
  startTimeoutMs?: number;
}

/** Starts org.apache.rocketmq.namesrv.NamesrvStartup on 127.0.0.1:port and waits until it serves. */
export async function startApacheNameServer(opts: NameServerOptions): Promise<JavaServerHandle> {
  const { classpath } = await ensureCompatBuild();
  const workDir = path.resolve(opts.workDir);
  const home = prepareHome(workDir);
  const configFile = path.join(workDir, 'namesrv.properties');
  writeProperties(configFile, {
    listenPort: String(opts.port),
    bindAddress: '127.0.0.1',
    kvConfigPath: path.join(workDir, 'namesrv', 'kvConfig.json'),
    ...opts.extraConfig,
  });
  const args = [
    ...jvmArgs({
      heap: opts.heap ?? '256m',
      userHome: workDir,
      logbackConfig: 'rmq.namesrv.logback.xml',
      ...(opts.tuned ? { tuned: true } : {}),
    }),
    `-Drocketmq.home.dir=${home}`,
    '-cp',
    classpath,
    'org.apache.rocketmq.namesrv.NamesrvStartup',
    '-c',
    configFile,
  ];
  return startServer({
    name: 'namesrv',
    args,
    workDir,
    home,
    port: opts.port,
    configFile,
    startTimeoutMs: opts.startTimeoutMs,
  });
}

/** Starts org.apache.rocketmq.broker.BrokerStartup and waits until it listens and has made its first registration. */
export async function startApacheBroker(opts: BrokerOptions): Promise<JavaServerHandle> {
  const { classpath } = await ensureCompatBuild();
  const workDir = path.resolve(opts.workDir);
  const home = prepareHome(workDir);
  const store = path.join(workDir, 'store');
  const brokerId = opts.brokerId ?? 0;
  const configFile = path.join(workDir, 'broker.properties');
  writeProperties(configFile, {
    brokerClusterName: opts.clusterName,
    brokerName: opts.brokerName,
    brokerId: String(brokerId),
    // BrokerStartup forces brokerId 0 for master roles, so a slave id needs the SLAVE role.
    brokerRole: brokerId > 0 ? 'SLAVE' : 'ASYNC_MASTER',
    flushDiskType: 'ASYNC_FLUSH',
    namesrvAddr: opts.namesrvAddr,
    listenPort: String(opts.listenPort),
    haListenPort: String(opts.haPort ?? opts.listenPort + 1),
    bindAddress: '127.0.0.1',
    brokerIP1: '127.0.0.1',
    brokerIP2: '127.0.0.1',
    storePathRootDir: store,
    storePathCommitLog: path.join(store, 'commitlog'),
    // Small files: 64 MiB commit log segments, 30,000-entry consume queue files, a 4 MiB index file.
    mappedFileSizeCommitLog: '67108864',
    mappedFileSizeConsumeQueue: '600000',
    maxHashSlotNum: '50000',
    maxIndexNum: '200000',
    autoCreateTopicEnable: 'true',
    autoCreateSubscriptionGroup: 'true',
    // The minimum the broker accepts (it clamps to [10 s, 60 s]).
    registerNameServerPeriod: '10000',
    // A loaded 2-core CI machine must not turn into "broker busy" answers.
    waitTimeMillsInSendQueue: '3000',
    osPageCacheBusyTimeOutMills: '5000',
    ...opts.extraConfig,
  });
  const args = [
    ...jvmArgs({
      heap: opts.heap ?? '512m',
      userHome: workDir,
      logbackConfig: 'rmq.broker.logback.xml',
      ...(opts.tuned ? { tuned: true } : {}),
    }),
    '-XX:MaxDirectMemorySize=256m',
    `-Drocketmq.home.dir=${home}`,
    '-cp',
    classpath,
    'org.apache.rocketmq.broker.BrokerStartup',
    '-c',
    configFile,
  ];
  return startServer({
    name: opts.brokerName,
    args,
    workDir,
    home,
    port: opts.listenPort,
    configFile,
    startTimeoutMs: opts.startTimeoutMs,
  });
}

/** ROCKETMQ_HOME for the startups: they only require that it is set (and look for conf/ under it). */
function prepareHome(workDir: string): string {
  const home = path.join(workDir, 'rocketmq-home');
  fs.mkdirSync(path.join(home, 'conf'), { recursive: true });
  return home;
}

function writeProperties(file: string, props: Record<string, string>): void {
  const escape = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  const lines = Object.entries(props).map(([k, v]) => `${k}=${escape(v)}`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `# generated by test/compat/harness/java.ts\n${lines.join('\n')}\n`);
}

async function startServer(spec: {
  name: string;
  args: string[];
  workDir: string;
  home: string;
  port: number;
  configFile: string;
  startTimeoutMs: number | undefined;
}): Promise<JavaServerHandle> {
  const logDir = path.join(spec.workDir, 'logs', 'rocketmqlogs');
  const child = spawn('java', spec.args, {
    cwd: spec.workDir,
    env: { ...process.env, ROCKETMQ_HOME: spec.home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  const captured = new Capture();
  child.stdout?.on('data', (c: Buffer) => captured.append(c));
  child.stderr?.on('data', (c: Buffer) => captured.append(c));
  let spawnError: Error | undefined;
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (err) => {
      spawnError = err;
      exitCode = null;
      resolve(null);
    });
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    });
  });
  const hasExited = (): boolean => exitCode !== undefined;

  const output = (): string => {
    const status = hasExited() ? `exited ${String(exitCode)}` : 'running';
    const parts = [
      `=== ${spec.name} pid ${child.pid ?? '?'} port ${spec.port} (${status}) workDir ${spec.workDir} ===`,
    ];
    if (spawnError) parts.push(`spawn error: ${spawnError.message}`);
    parts.push('--- stdout/stderr ---', captured.toString().trimEnd());
    parts.push(logTails(logDir));
    return parts.join('\n');
  };

  const kill = async (): Promise<number | null> => {
    if (!hasExited()) child.kill('SIGKILL');
    return exited;
  };
  const stop = async (
    signal: NodeJS.Signals = 'SIGTERM',
    graceMs = DEFAULT_STOP_GRACE_MS,
  ): Promise<number | null> => {
    if (hasExited()) return exited;
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const first = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    return first === 'timeout' ? kill() : first;
  };

  const handle: JavaServerHandle = {
    name: spec.name,
    pid: child.pid ?? -1,
    port: spec.port,
    addr: `127.0.0.1:${spec.port}`,
    workDir: spec.workDir,
    logDir,
    configFile: spec.configFile,
    exited,
    stop,
    kill,
    signal: (signal) => {
      if (!hasExited()) child.kill(signal);
    },
    output,
  };

  // Ready = the startup printed "... boot success ..." (for a broker that comes after its first REGISTER_BROKER
  // round) AND the port accepts connections. The first guards against some other process owning the port.
  const deadline = Date.now() + (spec.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  try {
    for (;;) {
      if (hasExited()) throw new Error(`${spec.name} exited (code ${String(exitCode)}) before it was ready`);
      if (captured.toString().includes('boot success') && (await canConnect(spec.port))) break;
      if (Date.now() > deadline)
        throw new Error(`${spec.name} was not listening on 127.0.0.1:${spec.port} in time`);
      await sleep(100);
    }
  } catch (err) {
    await kill();
    throw new Error(`${(err as Error).message}\n${output()}`);
  }
  return handle;
}

function logTails(logDir: string, linesPerFile = 60, maxChars = 60_000): string {
  let files: string[];
  try {
    files = fs.readdirSync(logDir).filter((f) => f.endsWith('.log'));
  } catch {
    return `--- no log directory ${logDir} ---`;
  }
  const priority = (f: string): number =>
    ['namesrv.log', 'broker.log', 'rocketmq_client.log', 'store.log', 'remoting.log'].indexOf(f) >>> 0;
  files.sort((a, b) => priority(a) - priority(b) || a.localeCompare(b));
  const parts: string[] = [];
  let total = 0;
  for (const f of files) {
    let text: string;
    try {
      text = fs.readFileSync(path.join(logDir, f), 'utf8');
    } catch {
      continue;
    }
    if (text.trim().length === 0) continue;
    const tail = text.trimEnd().split('\n').slice(-linesPerFile).join('\n');
    const part = `--- ${path.join(logDir, f)} (last ${linesPerFile} lines) ---\n${tail}`;
    if (total + part.length > maxChars) {
      parts.push(`--- (more logs in ${logDir}) ---`);
      break;
    }
    parts.push(part);
    total += part.length;
  }
  return parts.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Ports and waiting
// ---------------------------------------------------------------------------------------------------------------

/** A TCP port that was free on 127.0.0.1 a moment ago (the kernel's pick for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    if (port <= 0 || port > 65535) return resolve(false);
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Ports for a broker: listenPort P with P-2 (fast remoting) and P+1 (HA, all interfaces) free as well. */
export async function freeBrokerPorts(): Promise<{ listenPort: number; haPort: number }> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const p = await freePort();
    if ((await canListen(p - 2, '127.0.0.1')) && (await canListen(p + 1, '0.0.0.0'))) {
      return { listenPort: p, haPort: p + 1 };
    }
  }
  throw new Error('could not find free broker ports (P-2, P, P+1)');
}

function canConnect(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a value other than undefined/false, or throws after timeoutMs. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${opts.timeoutMs ?? 60_000} ms waiting for ${what}${why}`);
    }
    await sleep(opts.intervalMs ?? 500);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Helper programs
// ---------------------------------------------------------------------------------------------------------------

export interface RunJavaOptions {
  /** Kill the JVM after this long (default 120 s); the programs also have their own watchdogs. */
  timeoutMs?: number;
  /** user.home of the JVM (client logs go to <workDir>/logs/rocketmqlogs); default a shared temp directory. */
  workDir?: string;
  /** Default 256m. */
  heap?: string;
  /** Extra -D system properties. */
  systemProperties?: Record<string, string>;
  /** Benchmarks: full JIT and G1 with a fixed heap instead of the quick-start flags (see jvmArgs). */
  tuned?: boolean;
}

export interface RunJavaResult {
  /** Exit code; null when the JVM was killed (see timedOut). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Every stdout line that parsed as JSON, in order. */
  lines: unknown[];
  timedOut: boolean;
}

/** Runs `mainClass` (a short name like "Produce" means dev.skyrocket.compat.Produce) on the compat classpath. */
export async function runJava(
  mainClass: string,
  args: string[],
  opts: RunJavaOptions = {},
): Promise<RunJavaResult> {
  const { classpath } = await ensureCompatBuild();
  const userHome = path.resolve(opts.workDir ?? path.join(os.tmpdir(), 'skyrocket-compat-clients'));
  fs.mkdirSync(userHome, { recursive: true });
  const fqcn = mainClass.includes('.') ? mainClass : `dev.skyrocket.compat.${mainClass}`;
  const props = Object.entries(opts.systemProperties ?? {}).map(([k, v]) => `-D${k}=${v}`);
  const javaArgs = [
    ...jvmArgs({
      heap: opts.heap ?? '256m',
      userHome,
      logbackConfig: 'rmq.client.logback.xml',
      extra: props,
      ...(opts.tuned ? { tuned: true } : {}),
    }),
    '-cp',
    classpath,
    fqcn,
    ...args,
  ];
  const r = await runProcess('java', javaArgs, {
    cwd: userHome,
    timeoutMs: opts.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS,
  });
  return {
    code: r.code,
    stdout: r.stdout,
    stderr: r.stderr,
    lines: parseJsonLines(r.stdout),
    timedOut: r.timedOut,
  };
}

function parseJsonLines(stdout: string): unknown[] {
  const out: unknown[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // not one of ours (a JVM warning that happens to start with '{')
    }
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function eventsOf(result: RunJavaResult, event: string): Record<string, unknown>[] {
  return result.lines.filter((l): l is Record<string, unknown> => isRecord(l) && l.event === event);
}

function describeRun(program: string, r: RunJavaResult): string {
  return `${program} exited ${String(r.code)}${r.timedOut ? ' (killed: timeout)' : ''}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr.slice(-20_000)}`;
}

// Shapes printed by the helper programs (see the Java sources for the exact meaning).

export interface SendLine {
  event: 'send';
  index: number;
  body: string;
  status: string;
  msgId: string;
  offsetMsgId: string;
  brokerName: string;
  queueId: number;
  queueOffset: number;
}

export interface ProduceSummary {
  event: 'summary';
  count: number;
  sent: number;
  ok: number;
  notOk: number;
}

export interface ProduceResult {
  run: RunJavaResult;
  sends: SendLine[];
  summary: ProduceSummary | undefined;
}

/** Produce namesrvAddr topic count [tag] — does not throw on failure: check run.code. */
export async function produce(
  namesrvAddr: string,
  topic: string,
  count: number,
  opts: RunJavaOptions & { tag?: string } = {},
): Promise<ProduceResult> {
  const args = [namesrvAddr, topic, String(count), ...(opts.tag !== undefined ? [opts.tag] : [])];
  const run = await runJava('Produce', args, opts);
  return {
    run,
    sends: eventsOf(run, 'send') as unknown as SendLine[],
    summary: eventsOf(run, 'summary')[0] as unknown as ProduceSummary | undefined,
  };
}

export interface MessageLine {
  event: 'message';
  body: string;
  msgId: string;
  tags: string | null;
  brokerName: string;
  queueId: number;
  queueOffset: number;
  reconsumeTimes: number;
}

export interface ConsumeResult {
  run: RunJavaResult;
  messages: MessageLine[];
  /** Distinct bodies received, sorted. */
  bodies: string[];
  /** True when the program reported "done" (expectedCount distinct bodies arrived). */
  done: boolean;
}

/** PushConsume namesrvAddr topic group expectedCount timeoutSeconds [subExpression] — does not throw on failure. */
export async function pushConsume(
  namesrvAddr: string,
  topic: string,
  group: string,
  expectedCount: number,
  timeoutSeconds: number,
  opts: RunJavaOptions & { subExpression?: string } = {},
): Promise<ConsumeResult> {
  const args = [namesrvAddr, topic, group, String(expectedCount), String(timeoutSeconds)];
  if (opts.subExpression !== undefined) args.push(opts.subExpression);
  const run = await runJava('PushConsume', args, {
    ...opts,
    timeoutMs: opts.timeoutMs ?? timeoutSeconds * 1000 + 60_000,
  });
  const messages = eventsOf(run, 'message') as unknown as MessageLine[];
  return {
    run,
    messages,
    bodies: [...new Set(messages.map((m) => m.body))].sort(),
    done: eventsOf(run, 'done').length > 0,
  };
}

export interface BrokerDataJson {
  brokerAddrs: Record<string, string>;
  brokerName: string;
  cluster: string;
  enableActingMaster: boolean;
  zoneName: string | null;
}

export interface ClusterInfoJson {
  brokerAddrTable: Record<string, BrokerDataJson>;
  clusterAddrTable: Record<string, string[]>;
}

export interface QueueDataJson {
  brokerName: string;
  perm: number;
  readQueueNums: number;
  topicSysFlag: number;
  writeQueueNums: number;
}

export interface TopicRouteJson {
  brokerDatas: BrokerDataJson[];
  filterServerTable: Record<string, string[]>;
  orderTopicConf: string | null;
  queueDatas: QueueDataJson[];
  topicQueueMappingByBroker: Record<string, unknown> | null;
}

/**
 * AdminDump's answer: what DefaultMQAdminExt decoded, re-serialized as RocketMQ's wire JSON and canonicalized
 * (sorted keys, sorted arrays, nulls kept, nothing dropped), so two NameServers' answers compare with toEqual.
 */
export interface AdminDumpResult {
  event: 'dump';
  namesrvAddr: string;
  topic: string | null;
  clusterInfo: ClusterInfoJson;
  topicRoute: TopicRouteJson | null;
  /** Set when examineTopicRouteInfo failed with a response code, e.g. {code: 17} for TOPIC_NOT_EXIST. */
  topicRouteError: { code: number; message: string } | null;
}

/** AdminDump namesrvAddr [topic]; throws with the program's output when it fails. */
export async function adminDump(
  namesrvAddr: string,
  topic?: string,
  opts: RunJavaOptions = {},
): Promise<AdminDumpResult> {
  const run = await runJava('AdminDump', topic === undefined ? [namesrvAddr] : [namesrvAddr, topic], opts);
  const dump = eventsOf(run, 'dump')[0];
  if (run.code !== 0 || dump === undefined) throw new Error(describeRun('AdminDump', run));
  return dump as unknown as AdminDumpResult;
}

/** CreateTopic namesrvAddr clusterName topic queueNums [perm]; throws with the program's output when it fails. */
export async function createTopic(
  namesrvAddr: string,
  clusterName: string,
  topic: string,
  queueNums: number,
  opts: RunJavaOptions & { perm?: number } = {},
): Promise<RunJavaResult> {
  const args = [namesrvAddr, clusterName, topic, String(queueNums)];
  if (opts.perm !== undefined) args.push(String(opts.perm));
  const run = await runJava('CreateTopic', args, opts);
  if (run.code !== 0) throw new Error(describeRun('CreateTopic', run));
  return run;
}

/**
 * Polls AdminDump until `brokerName` shows in the NameServer's cluster info (with `brokerId`, default 0, when
 * given), and returns that dump.
 */
export function waitForBroker(
  namesrvAddr: string,
  brokerName: string,
  opts: { brokerId?: number; timeoutMs?: number; topic?: string } = {},
): Promise<AdminDumpResult> {
  const id = String(opts.brokerId ?? 0);
  return waitUntil(
    `broker ${brokerName} (id ${id}) in the cluster info of ${namesrvAddr}`,
    async () => {
      const dump = await adminDump(namesrvAddr, opts.topic);
      return dump.clusterInfo.brokerAddrTable[brokerName]?.brokerAddrs[id] !== undefined ? dump : undefined;
    },
    { timeoutMs: opts.timeoutMs ?? 60_000, intervalMs: 250 },
  );
}

/**
 * Runs `fn`; if it throws, rethrows with the output of every given process appended, so a failing test shows
 * what the JVMs said.
 */
export async function withDiagnostics<T>(
  handles: readonly JavaServerHandle[],
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const diag = handles.map((h) => h.output()).join('\n\n');
    const base = err instanceof Error ? (err.stack ?? err.message) : String(err);
    const wrapped = new Error(`${base}\n\n${diag}`);
    throw wrapped;
  }
}

/**
 * `npm run k8s:build`: builds etcd, kube-apiserver, kube-controller-manager, kubectl and helm with the machine's Go
 * from the Go module proxy, through the wrapper modules under scripts/k8s/build/, into the cache folder of
 * scripts/k8s/binaries.ts. Idempotent: a binary whose stamp is current is not rebuilt, so after the first run this
 * takes a second. Two runs at once (two terminals, two test runs) take turns through a lock folder.
 *
 * Options: --force rebuilds everything; --print-dir prints the binaries folder and exits.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  WRAPPER_MODULES_DIR,
  binaryStates,
  expectedStamp,
  k8sBinDir,
  kubernetesVersion,
  ldflags,
  wrapperModuleVersion,
  type BinaryState,
  type WrapperModule,
} from './binaries';

const MIN_GO = [1, 24] as const;
const LOCK_WAIT_MS = 90 * 60_000;
const PROGRESS_EVERY_MS = 30_000;

function log(line: string): void {
  console.log(`[k8s:build] ${line}`);
}

function fail(message: string): never {
  console.error(`[k8s:build] ${message}`);
  process.exit(1);
}

function checkGo(): string {
  const result = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    fail(
      'Go 1.24+ is required to build the Kubernetes control plane and helm for the k8s tests: install Go ' +
        '(https://go.dev/doc/install) and make sure `go` is on PATH.',
    );
  }
  const match = /go(\d+)\.(\d+)/.exec(result.stdout);
  const [major, minor] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (major < MIN_GO[0] || (major === MIN_GO[0] && minor < MIN_GO[1])) {
    fail(`Go ${MIN_GO.join('.')}+ is required (found ${result.stdout.trim()}): install a newer Go.`);
  }
  return result.stdout.trim();
}

function formatElapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** Holds a lock folder while building; waits (bounded) for another live build to finish first. */
async function withLock<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const lock = path.join(dir, '.build-lock');
  const deadline = Date.now() + LOCK_WAIT_MS;
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readOr(path.join(lock, 'pid'), '0'));
      if (!holder || !isAlive(holder)) {
        // A build that died (Ctrl-C, crash) leaves its lock; nothing else can hold it.
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!announced) log(`another build (pid ${holder}) is running; waiting for it to finish`);
      announced = true;
      if (Date.now() > deadline) fail(`gave up waiting for the build lock ${lock} held by pid ${holder}`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
  try {
    return await body();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return fallback;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The file name `go build -o <dir>/` gives a main package: its last path element, or the one before a /vN suffix. */
function goExecName(pkg: string): string {
  const parts = pkg.split('/');
  const last = parts[parts.length - 1] ?? pkg;
  return /^v\d+$/.test(last) && parts.length > 1 ? (parts[parts.length - 2] ?? last) : last;
}

/** Runs `go build` for some programs of one wrapper module into a temp folder, then moves them into place. */
async function buildModule(module: WrapperModule, wanted: BinaryState[], binDir: string): Promise<void> {
  const version = wrapperModuleVersion(module);
  const names = wanted.map((b) => b.name).join(', ');
  log(`building ${names} from ${module.sourceModule} ${version} ...`);
  const outDir = fs.mkdtempSync(path.join(binDir, '.tmp-'));
  const started = Date.now();
  const args = ['build', '-v', '-trimpath', `-ldflags=${ldflags(module)}`, '-o', `${outDir}/`];
  args.push(...wanted.map((b) => b.pkg));
  const child = spawn('go', args, {
    cwd: path.join(WRAPPER_MODULES_DIR, module.dir),
    env: {
      ...process.env,
      // The machine's Go, never a downloaded toolchain; the wrapper go.mod + go.sum are complete, so the build
      // reads them and never rewrites them.
      GOTOOLCHAIN: 'local',
      GOFLAGS: '-mod=readonly -buildvcs=false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let compiled = 0;
  const tail: string[] = [];
  const onLines = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      // `go build -v` prints each package it compiles; anything else (errors) is kept for the failure message.
      if (/^[\w.-]+(\/[\w.~+-]+)*$/.test(line)) compiled++;
      else tail.push(line);
      if (tail.length > 60) tail.shift();
    }
  };
  child.stdout.on('data', onLines);
  child.stderr.on('data', onLines);
  const progress = setInterval(
    () => log(`  ... ${compiled} packages compiled, ${formatElapsed(Date.now() - started)} elapsed`),
    PROGRESS_EVERY_MS,
  );
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(progress);
  if (code !== 0) {
    fs.rmSync(outDir, { recursive: true, force: true });
    fail(`go build failed for ${names} (exit ${code}):\n${tail.join('\n')}`);
  }
  try {
    for (const binary of wanted) {
      // Rename (atomic) so a test starting meanwhile never sees half a binary; the stamp goes last.
      fs.renameSync(path.join(outDir, goExecName(binary.pkg)), binary.path);
      fs.writeFileSync(`${binary.path}.stamp`, expectedStamp(module, binary.pkg));
    }
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
  log(`built ${names} in ${formatElapsed(Date.now() - started)} (${compiled} packages compiled)`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const binDir = k8sBinDir();
  if (argv.includes('--print-dir')) {
    console.log(binDir);
    return;
  }
  const force = argv.includes('--force');
  fs.mkdirSync(binDir, { recursive: true });
  const initial = binaryStates();
  if (!force && initial.every((b) => !b.problem)) {
    log(`Kubernetes ${kubernetesVersion()} binaries are current in ${binDir}`);
    return;
  }
  log(`Go: ${checkGo()}`);
  const started = Date.now();
  await withLock(binDir, async () => {
    // Re-read after taking the lock: a concurrent build may have just finished them.
    const states = binaryStates();
    for (const module of new Set(states.map((s) => s.module))) {
      const wanted = states.filter((s) => s.module === module && (force || s.problem));
      if (wanted.length > 0) await buildModule(module, wanted, binDir);
    }
  });
  const remaining = binaryStates().filter((b) => b.problem);
  if (remaining.length > 0) fail(`still not current: ${remaining.map((b) => b.name).join(', ')}`);
  log(`done in ${formatElapsed(Date.now() - started)}; binaries in ${binDir}`);
}

main().catch((error: unknown) =>
  fail(error instanceof Error ? (error.stack ?? error.message) : String(error)),
);

/**
 * The Node.js the container image runs on, for running the product here on that runtime without Docker.
 *
 * The Dockerfile's `ARG NODE_IMAGE=node:<major>-...` picks the image's Node major version, which is not the Node
 * that runs the tests (20 on this machine). The official Linux builds of Node are published on the npm registry as
 * `node-linux-<arch>` (the binary package behind npm's `node` package), so `npm run image:build`
 * (scripts/image/build.ts) first fetches the newest `<major>.x` of it with `npm pack` and caches it under
 * `${SKYROCKET_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/skyrocket}/node/<major>/`; later runs take a second.
 * The image built without Docker (image.ts) runs on it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { skyrocketCacheDir } from '../k8s/binaries';
import { imageNodeMajor, parseDockerfile } from './dockerfile';

const ROOT = path.resolve(__dirname, '..', '..');

export interface NodeRuntime {
  readonly major: number;
  /** e.g. v22.23.5 */
  readonly version: string;
  /** The folder holding bin/node. */
  readonly dir: string;
  readonly node: string;
}

/** The Node.js major version the Dockerfile's images use. */
export function dockerfileNodeMajor(dockerfile = path.join(ROOT, 'Dockerfile')): number {
  return imageNodeMajor(parseDockerfile(fs.readFileSync(dockerfile, 'utf8')));
}

export function nodeRuntimeDir(major: number, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(skyrocketCacheDir(env), 'node', String(major));
}

/** The version `node -v` prints, or undefined when the binary is missing or does not run. */
function versionOf(node: string): string | undefined {
  if (!fs.existsSync(node)) return undefined;
  const result = spawnSync(node, ['-v'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** The cached runtime of `major`, or undefined when `npm run image:build` has not fetched it. */
export function cachedNodeRuntime(
  major: number,
  env: NodeJS.ProcessEnv = process.env,
): NodeRuntime | undefined {
  const dir = nodeRuntimeDir(major, env);
  const node = path.join(dir, 'bin', 'node');
  const version = versionOf(node);
  return version?.startsWith(`v${major}.`) ? { major, version, dir, node } : undefined;
}

/** The image's runtime; throws naming the command that fetches it when it is not cached. */
export function resolveImageNodeRuntime(env: NodeJS.ProcessEnv = process.env): NodeRuntime {
  const major = dockerfileNodeMajor();
  const runtime = cachedNodeRuntime(major, env);
  if (!runtime) {
    throw new Error(
      `Node.js ${major} (the container image's runtime, NODE_IMAGE in the Dockerfile) is not in ` +
        `${nodeRuntimeDir(major, env)}: run \`npm run image:build\` (npm test does) to fetch it from the npm registry`,
    );
  }
  return runtime;
}

/** The npm package holding this platform's official Node.js build. */
function nodePackageName(platform: string = process.platform, arch: string = process.arch): string {
  if (platform !== 'linux' && platform !== 'darwin') {
    throw new Error(`no node-${platform}-${arch} package on the npm registry: run the image's Node by hand`);
  }
  return `node-${platform}-${arch}`;
}

/**
 * Fetches the newest `<major>.x` of the platform's Node package with `npm pack` (the registry npm ci uses) and
 * unpacks it into the cache folder, replacing what was there. Returns the runtime.
 */
export function fetchNodeRuntime(major: number, env: NodeJS.ProcessEnv = process.env): NodeRuntime {
  const dir = nodeRuntimeDir(major, env);
  const parent = path.dirname(dir);
  fs.mkdirSync(parent, { recursive: true });
  const work = fs.mkdtempSync(path.join(parent, `.fetch-${major}-`));
  try {
    const spec = `${nodePackageName()}@${major}`;
    const packed = spawnSync('npm', ['pack', spec, '--json', '--pack-destination', work], {
      encoding: 'utf8',
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (packed.status !== 0) {
      throw new Error(`npm pack ${spec} failed (${packed.status ?? packed.signal}): ${packed.stderr.trim()}`);
    }
    const [info] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
    if (!info) throw new Error(`npm pack ${spec} printed no package`);
    const untar = spawnSync('tar', ['-xzf', path.join(work, info.filename), '-C', work], {
      encoding: 'utf8',
    });
    if (untar.status !== 0) throw new Error(`unpacking ${info.filename} failed: ${untar.stderr.trim()}`);
    const unpacked = path.join(work, 'package');
    const version = versionOf(path.join(unpacked, 'bin', 'node'));
    if (!version?.startsWith(`v${major}.`)) {
      throw new Error(
        `${info.filename} holds no runnable Node.js ${major} (bin/node -v: ${String(version)})`,
      );
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(unpacked, dir);
    return { major, version, dir, node: path.join(dir, 'bin', 'node') };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

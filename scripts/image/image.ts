/**
 * The container image built without Docker (rootfs.ts) and cached, so the integration and k8s tests run the same
 * build: `npm run image:build` (scripts/image/build.ts; npm test runs it) builds the Dockerfile's stages on the
 * image's Node.js (node-runtime.ts) and keeps the last stage's files under
 * `${SKYROCKET_CACHE_DIR:-~/.cache/skyrocket}/image/<hash>/rootfs`, with the image's settings in `image.json`.
 * The hash covers the Dockerfile, .dockerignore, every file of the build context, this builder's sources and the
 * Node.js version, so any change to what the image would hold builds it again; tests that find no current build name the command.
 *
 * Containers never write into the cached files: each run maps the image's VOLUME paths (its WORKDIR,
 * /var/lib/skyrocket, among them) to a folder of its own, as Docker gives each container a fresh volume.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { skyrocketCacheDir } from '../k8s/binaries';
import { dockerignoreMatchers } from './dockerfile';
import type { NodeRuntime } from './node-runtime';
import { buildImageRootfs } from './rootfs';

const ROOT = path.resolve(__dirname, '..', '..');
/** Builds kept besides the current one (other checkouts, other branches). */
const KEEP_BUILDS = 3;

/** The image's settings, saved beside its files. */
export interface ImageManifest {
  readonly hash: string;
  readonly nodeVersion: string;
  readonly entrypoint: readonly string[];
  readonly workdir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly volumes: readonly string[];
  /** RUN instructions the build did not run (they need root on the host). */
  readonly skipped: readonly string[];
}

export interface BuiltImage extends ImageManifest {
  /** The folder standing for the image's `/`. */
  readonly root: string;
}

export function imageCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(skyrocketCacheDir(env), 'image');
}

/** The build context's files (the repository minus .dockerignore), relative, sorted. */
function contextFiles(context: string): string[] {
  const ignored = dockerignoreMatchers(fs.readFileSync(path.join(context, '.dockerignore'), 'utf8'));
  const walk = (relative: string): string[] =>
    fs.readdirSync(path.join(context, relative), { withFileTypes: true }).flatMap((entry) => {
      const file = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (ignored.some((re) => re.test(file))) return [];
      return entry.isDirectory() ? walk(file) : [file];
    });
  return walk('').sort();
}

/** What the image's contents depend on: the Dockerfile, .dockerignore, every context file and the Node version. */
export function imageHash(node: NodeRuntime, context = ROOT): string {
  const hash = createHash('sha256');
  hash.update(`node ${node.version}\n`);
  // The builder itself too: a change to how the stages run can change the result.
  const builder = ['dockerfile.ts', 'rootfs.ts', 'image.ts'].map((f) =>
    path.relative(context, path.join(__dirname, f)),
  );
  for (const file of ['Dockerfile', '.dockerignore', ...builder, ...contextFiles(context)]) {
    hash.update(`${file}\n`);
    hash.update(fs.readFileSync(path.join(context, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

function load(dir: string): BuiltImage | undefined {
  const manifest = path.join(dir, 'image.json');
  if (!fs.existsSync(manifest)) return undefined;
  return {
    ...(JSON.parse(fs.readFileSync(manifest, 'utf8')) as ImageManifest),
    root: path.join(dir, 'rootfs'),
  };
}

/** The cached build of this checkout's image, or undefined. */
export function cachedImage(node: NodeRuntime, env: NodeJS.ProcessEnv = process.env): BuiltImage | undefined {
  return load(path.join(imageCacheDir(env), imageHash(node)));
}

/** The cached build of this checkout's image; throws naming the command that builds it. */
export function resolveBuiltImage(node: NodeRuntime, env: NodeJS.ProcessEnv = process.env): BuiltImage {
  const image = cachedImage(node, env);
  if (!image) {
    throw new Error(
      `the container image of this checkout is not built (or sources changed since): run \`npm run image:build\` ` +
        `(npm test does) to build it without Docker into ${imageCacheDir(env)}`,
    );
  }
  return image;
}

/** Builds this checkout's image into the cache (see the header) and returns it; `log` gets progress lines. */
export async function buildImage(
  node: NodeRuntime,
  log: (line: string) => void = () => undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<BuiltImage> {
  const cache = imageCacheDir(env);
  const hash = imageHash(node);
  const final = path.join(cache, hash);
  fs.mkdirSync(cache, { recursive: true });
  const work = fs.mkdtempSync(path.join(cache, `.build-${hash}-`));
  try {
    const built = await buildImageRootfs({ context: ROOT, out: path.join(work, 'stages'), node, log });
    // Only the image (the last stage) is kept.
    fs.renameSync(built.image.root, path.join(work, 'rootfs'));
    fs.rmSync(path.join(work, 'stages'), { recursive: true, force: true });
    const manifest: ImageManifest = {
      hash,
      nodeVersion: node.version,
      entrypoint: built.entrypoint,
      workdir: built.image.workdir,
      env: built.image.env,
      volumes: built.volumes,
      skipped: built.skipped,
    };
    fs.writeFileSync(path.join(work, 'image.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    // A build of the same hash that finished meanwhile (another test run) holds the same files and may be in use:
    // keep it.
    if (!fs.existsSync(final)) fs.renameSync(work, final);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  pruneBuilds(cache, hash);
  return load(final) as BuiltImage;
}

/** Keeps the newest KEEP_BUILDS builds besides `current`. */
function pruneBuilds(cache: string, current: string): void {
  const builds = fs
    .readdirSync(cache, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== current)
    .map((e) => ({ name: e.name, mtime: fs.statSync(path.join(cache, e.name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const old of builds.slice(KEEP_BUILDS))
    fs.rmSync(path.join(cache, old.name), { recursive: true, force: true });
}

/**
 * How to run the image's entrypoint with `args` here, as `docker run image args...`: `node` is the image's Node,
 * absolute paths inside the image map into its root folder, and each VOLUME path (the WORKDIR among them) is a
 * folder under `volumesDir`, which the caller owns.
 */
export function containerCommand(
  image: BuiltImage,
  node: NodeRuntime,
  args: readonly string[],
  volumesDir: string,
): { command: string; args: string[]; cwd: string; env: Record<string, string> } {
  const [program, ...rest] = image.entrypoint;
  if (program !== 'node') throw new Error(`the entrypoint runs ${String(program)}, not node`);
  const volume = image.volumes.find((v) => image.workdir === v || image.workdir.startsWith(`${v}/`));
  const cwd = volume
    ? path.join(volumesDir, volume, path.posix.relative(volume, image.workdir))
    : path.join(image.root, image.workdir);
  for (const v of image.volumes) fs.mkdirSync(path.join(volumesDir, v), { recursive: true });
  fs.mkdirSync(cwd, { recursive: true });
  return {
    command: node.node,
    args: [...rest.map((word) => (word.startsWith('/') ? path.join(image.root, word) : word)), ...args],
    cwd,
    env: { ...image.env },
  };
}

/**
 * Builds the container image's file system from the Dockerfile without a Docker engine, so a test can run what the
 * image would run. Each stage gets a root folder under `out`; the instructions run in order:
 *
 * - FROM starts a stage (the base image's own files are not there: the image's Node comes from
 *   scripts/image/node-runtime.ts and is put first on PATH, so RUN's `npm` runs on it);
 * - WORKDIR, ENV and ARG set the stage's state; `${NAME}` takes ARG defaults;
 * - COPY copies from the build context (the repository minus .dockerignore) or, with --from, from an earlier stage,
 *   with Docker's rules: a folder source copies its contents, symbolic links stay links;
 * - RUN runs the commands that only use npm (the build: `npm ci`, `npm run build && npm prune --omit=dev`) in the
 *   stage's WORKDIR; any other RUN (the runtime stage's groupadd/useradd/chown) changes the host's users and is
 *   recorded in `skipped` instead;
 * - ENTRYPOINT and VOLUME of the last stage are recorded (VOLUME's paths are then a folder per container, see
 *   image.ts); USER, CMD, LABEL and EXPOSE change nothing here (dockerfile.test.ts checks them).
 *
 * Paths inside the image map to `<stage root>/<path>`.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  argDefaults,
  dockerignoreMatchers,
  parseCopy,
  parseDockerfile,
  parseEnv,
  type Instruction,
} from './dockerfile';
import type { NodeRuntime } from './node-runtime';

export interface ImageStage {
  readonly name: string;
  /** The folder standing for the stage's `/`. */
  readonly root: string;
  workdir: string;
  readonly env: Record<string, string>;
}

export interface ImageRootfs {
  /** The last stage: the image. */
  readonly image: ImageStage;
  readonly entrypoint: readonly string[];
  /** The last stage's VOLUME paths. */
  readonly volumes: readonly string[];
  /** RUN instructions not run here (they need root on the host), as written. */
  readonly skipped: readonly string[];
}

export interface BuildOptions {
  /** The build context (the repository root). */
  readonly context: string;
  readonly out: string;
  readonly node: NodeRuntime;
  readonly log?: (line: string) => void;
  /** Ends a RUN that takes longer. Default 15 minutes. */
  readonly runTimeoutMs?: number;
}

/** A path inside a stage, resolved against its WORKDIR, as a host path. */
function inStage(stage: ImageStage, imagePath: string): string {
  return path.join(stage.root, path.posix.resolve(stage.workdir, imagePath));
}

function substitute(text: string, args: ReadonlyMap<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced, bare) => {
    const value = args.get(String(braced ?? bare));
    return value ?? whole;
  });
}

/** An exec-form (JSON array) ENTRYPOINT or CMD; the shell form is not used by the Dockerfile. */
function execForm(keyword: string, args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((w) => typeof w === 'string')) {
    throw new Error(`${keyword} ${args}: only the exec form (a JSON array of strings) is handled`);
  }
  return parsed;
}

/** Copies a file, a folder's contents or a link, keeping links as links; `keep` filters context paths. */
function copyInto(source: string, destination: string, keep: (file: string) => boolean): void {
  const stat = fs.lstatSync(source);
  if (stat.isDirectory()) {
    fs.mkdirSync(destination, { recursive: true });
    for (const entry of fs.readdirSync(source)) {
      const from = path.join(source, entry);
      if (keep(from)) copyInto(from, path.join(destination, entry), keep);
    }
    return;
  }
  fs.mkdirSync(path.dirname(destination), { recursive: true });
  fs.rmSync(destination, { force: true });
  if (stat.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(source), destination);
  else fs.copyFileSync(source, destination);
}

function run(command: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`RUN ${command} failed (${code ?? signal}) in ${cwd}:\n${output}`));
    });
  });
}

/** Only npm commands joined by && run on the host (see the header). */
const runsHere = (command: string): boolean =>
  command.split('&&').every((part) => /^npm(\s|$)/.test(part.trim()));

export async function buildImageRootfs(options: BuildOptions): Promise<ImageRootfs> {
  const log = options.log ?? (() => undefined);
  const instructions: Instruction[] = parseDockerfile(
    fs.readFileSync(path.join(options.context, 'Dockerfile'), 'utf8'),
  );
  const args = argDefaults(instructions);
  const ignored = dockerignoreMatchers(fs.readFileSync(path.join(options.context, '.dockerignore'), 'utf8'));
  const inContext = (file: string): boolean => {
    const relative = path.relative(options.context, file).split(path.sep).join('/');
    return relative === '' || !ignored.some((re) => re.test(relative));
  };
  const everything = () => true;

  fs.mkdirSync(options.out, { recursive: true });
  const stages: ImageStage[] = [];
  const skipped: string[] = [];
  let entrypoint: string[] = [];
  let volumes: string[] = [];
  let stage: ImageStage | undefined;
  for (const instruction of instructions) {
    const text = substitute(instruction.args, args);
    if (instruction.keyword === 'FROM') {
      const name = /\sAS\s+(\S+)$/i.exec(text)?.[1] ?? String(stages.length);
      stage = { name, root: path.join(options.out, `${stages.length}-${name}`), workdir: '/', env: {} };
      fs.rmSync(stage.root, { recursive: true, force: true });
      fs.mkdirSync(stage.root, { recursive: true });
      stages.push(stage);
      // What describes the image is the last stage's.
      [entrypoint, volumes] = [[], []];
      log(`FROM ${text}`);
      continue;
    }
    if (instruction.keyword === 'ARG') continue; // defaults were read up front
    if (!stage) throw new Error(`${instruction.keyword} before FROM is not handled`);
    switch (instruction.keyword) {
      case 'WORKDIR':
        stage.workdir = path.posix.resolve(stage.workdir, text);
        fs.mkdirSync(inStage(stage, '.'), { recursive: true });
        break;
      case 'ENV':
        for (const [name, value] of parseEnv(text)) stage.env[name] = value;
        break;
      case 'COPY': {
        const copy = parseCopy(text);
        const from = copy.from === undefined ? undefined : stages.find((s) => s.name === copy.from);
        if (copy.from !== undefined && !from) throw new Error(`COPY --from=${copy.from}: no such stage`);
        const toFolder = copy.destination.endsWith('/') || copy.sources.length > 1;
        for (const source of copy.sources) {
          const hostSource = from
            ? path.join(from.root, path.posix.resolve(from.workdir, source))
            : path.join(options.context, source);
          if (!fs.existsSync(hostSource) || (!from && !inContext(hostSource))) {
            throw new Error(
              `COPY ${text}: ${source} is not in the ${from ? `stage ${from.name}` : 'build context'}`,
            );
          }
          const isFolder = fs.lstatSync(hostSource).isDirectory();
          const destination =
            toFolder && !isFolder
              ? path.join(inStage(stage, copy.destination), path.basename(hostSource))
              : inStage(stage, copy.destination);
          copyInto(hostSource, destination, from ? everything : inContext);
        }
        break;
      }
      case 'RUN': {
        if (!runsHere(text)) {
          skipped.push(text);
          log(`RUN (skipped, needs root on the host) ${text}`);
          break;
        }
        log(`RUN ${text}`);
        const started = Date.now();
        await run(
          text,
          inStage(stage, '.'),
          {
            ...process.env,
            ...stage.env,
            PATH: `${path.join(options.node.dir, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
          },
          options.runTimeoutMs ?? 15 * 60_000,
        );
        log(`RUN took ${((Date.now() - started) / 1000).toFixed(1)} s`);
        break;
      }
      case 'ENTRYPOINT':
        entrypoint = execForm('ENTRYPOINT', text);
        break;
      case 'VOLUME':
        volumes = [...volumes, ...execForm('VOLUME', text)];
        break;
      // The user is created by the skipped RUN; CMD, labels and ports do not change what runs here.
      case 'USER':
      case 'CMD':
      case 'LABEL':
      case 'EXPOSE':
        break;
      default:
        throw new Error(
          `Dockerfile instruction ${instruction.keyword} is not handled by scripts/image/rootfs.ts`,
        );
    }
  }
  const image = stages[stages.length - 1];
  if (!image) throw new Error('the Dockerfile has no FROM');
  return { image, entrypoint, volumes, skipped };
}

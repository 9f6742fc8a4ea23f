/**
 * The subset of Dockerfile and .dockerignore syntax the repository's Dockerfile uses, parsed for the tests that keep
 * the image working without a Docker engine (test/integration/dockerfile.test.ts checks its facts,
 * test/integration/image.test.ts builds and runs it with scripts/image/rootfs.ts).
 */

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  /** The index of the instruction's stage (FROM starts the next one). */
  readonly stage: number;
}

/** Instructions in order (continuation lines joined, comments dropped), each with the index of its stage. */
export function parseDockerfile(text: string): Instruction[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  let stage = -1;
  return logical.map((line) => {
    const match = /^(\S+)\s*(.*)$/.exec(line);
    const keyword = (match?.[1] ?? '').toUpperCase();
    if (keyword === 'FROM') stage++;
    return { keyword, args: match?.[2] ?? '', stage };
  });
}

/** `ENV a=b c=d` (unquoted values) or `ENV a b`. */
export function parseEnv(args: string): Array<[string, string]> {
  if (!args.includes('=')) {
    const [name, ...rest] = args.split(/\s+/);
    return name ? [[name, rest.join(' ')]] : [];
  }
  return args
    .split(/\s+/)
    .filter((word) => word !== '')
    .map((word) => {
      const at = word.indexOf('=');
      if (at <= 0) throw new Error(`ENV ${args}: only name=value pairs without spaces are handled`);
      return [word.slice(0, at), word.slice(at + 1)];
    });
}

/** COPY's flags and its sources and destination. */
export function parseCopy(args: string): { from?: string; sources: string[]; destination: string } {
  const words = args.split(/\s+/).filter((w) => w !== '');
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const destination = paths.pop() ?? '';
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { ...(from ? { from } : {}), sources: paths, destination };
}

/** `ARG name=default` instructions before the first FROM and in each stage, as name → default. */
export function argDefaults(instructions: readonly Instruction[]): Map<string, string> {
  const defaults = new Map<string, string>();
  for (const instruction of instructions) {
    if (instruction.keyword !== 'ARG') continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(\S*)$/.exec(instruction.args);
    if (match?.[1] !== undefined && match[2] !== undefined) defaults.set(match[1], match[2]);
  }
  return defaults;
}

/** The Node.js major version of the image's `ARG NODE_IMAGE=node:<major>-...` (the build and runtime base). */
export function imageNodeMajor(instructions: readonly Instruction[]): number {
  const image = argDefaults(instructions).get('NODE_IMAGE');
  const match = image === undefined ? null : /^node:(\d+)(?:[.-]|$)/.exec(image);
  if (!match?.[1])
    throw new Error(`the Dockerfile's NODE_IMAGE (${String(image)}) does not name a node:<major> image`);
  return Number(match[1]);
}

/** .dockerignore patterns as regular expressions over context-relative paths (the subset of syntax used). */
export function dockerignoreMatchers(text: string): RegExp[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((pattern) => {
      if (pattern.startsWith('!'))
        throw new Error(`negated .dockerignore patterns are not handled: ${pattern}`);
      const body = pattern
        .replace(/\/$/, '')
        .split('/')
        .map((part) =>
          part === '**'
            ? '(?:.*/)?'
            : `${part
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]')}/`,
        )
        .join('')
        .replace(/\/$/, '');
      // A pattern matches the path itself or anything under it.
      return new RegExp(`^${body}(?:/.*)?$`);
    });
}

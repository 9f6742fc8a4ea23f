/**
 * The Dockerfile cannot be built here (no Docker engine), so this test checks the facts that make it work against
 * the repository, and fails when they drift: what it copies exists and is not excluded by .dockerignore, every
 * workspace is built and shipped, the entrypoint is the file `npm run build` produces for the CLI, the exposed ports
 * are the components' default ports, and it runs as the non-root user the Helm chart expects.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BrokerConfigSchema } from '@skyrocket/broker';
import { NameServerConfigSchema } from '@skyrocket/nameserver';
import { OperatorConfigSchema } from '../../operator/src/config';
import {
  dockerignoreMatchers,
  parseCopy,
  parseDockerfile,
  type Instruction,
} from '../../scripts/image/dockerfile';

const ROOT = path.resolve(__dirname, '..', '..');

const dockerfile = parseDockerfile(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const ignored = dockerignoreMatchers(fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8'));
const finalStage = Math.max(...dockerfile.map((i) => i.stage));
const inFinal = (keyword: string): Instruction[] =>
  dockerfile.filter((i) => i.stage === finalStage && i.keyword === keyword);
const workspaces = (
  JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }
).workspaces;

function listFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    return entry.isDirectory() ? listFiles(relative) : [relative];
  });
}

describe('Dockerfile', () => {
  test('has a build stage and a runtime stage from the same Node LTS image', () => {
    const froms = dockerfile.filter((i) => i.keyword === 'FROM');
    expect(froms.map((i) => i.args)).toEqual(['${NODE_IMAGE} AS build', '${NODE_IMAGE} AS runtime']);
    const nodeImage = dockerfile.find((i) => i.keyword === 'ARG' && i.args.startsWith('NODE_IMAGE='));
    // Node 22 or newer (even, LTS) slim image; the repo's engines field asks for >= 20.19.
    expect(nodeImage?.args).toMatch(/^NODE_IMAGE=node:(2[2-9]|[3-9]\d)-[a-z]+-slim$/);
  });

  test('every COPY from the build context exists in the repository and is not excluded by .dockerignore', () => {
    const copies = dockerfile.filter((i) => i.keyword === 'COPY').map((i) => parseCopy(i.args));
    const fromContext = copies.filter((c) => c.from === undefined);
    expect(fromContext.length).toBeGreaterThan(0);
    for (const copy of fromContext) {
      for (const source of copy.sources) {
        const relative = source.replace(/\/$/, '');
        expect({ source, exists: fs.existsSync(path.join(ROOT, relative)) }).toEqual({
          source,
          exists: true,
        });
        expect({ source, ignored: ignored.some((re) => re.test(relative)) }).toEqual({
          source,
          ignored: false,
        });
      }
    }
    // What a build needs from each workspace's source tree survives .dockerignore: its package.json, tsconfig
    // and the non-test sources under src/.
    for (const workspace of workspaces) {
      const needed = [`${workspace}/package.json`, `${workspace}/tsconfig.json`].concat(
        listFiles(`${workspace}/src`).filter((f) => f.endsWith('.ts') && !/\.test\.ts$|\/testing\//.test(f)),
      );
      for (const file of needed) {
        expect({ file, ignored: ignored.some((re) => re.test(file)) }).toEqual({ file, ignored: false });
      }
    }
  });

  test('the build and runtime stages copy every workspace listed in package.json, and only those', () => {
    const copies = dockerfile.filter((i) => i.keyword === 'COPY').map((i) => parseCopy(i.args));
    const built = copies
      .filter((c) => c.from === undefined)
      .flatMap((c) => c.sources)
      .filter((s) => s.endsWith('/') && !s.includes('.'))
      .map((s) => s.replace(/\/$/, ''));
    expect(built.sort()).toEqual([...workspaces].sort());
    const shipped = copies
      .filter((c) => c.from === 'build')
      .flatMap((c) => c.sources)
      .map((s) => /^\/app\/([a-z-]+)\/dist\/$/.exec(s)?.[1])
      .filter((s): s is string => s !== undefined);
    expect(shipped.sort()).toEqual([...workspaces].sort());
    for (const workspace of workspaces) {
      const tsconfig = JSON.parse(fs.readFileSync(path.join(ROOT, workspace, 'tsconfig.json'), 'utf8')) as {
        compilerOptions: { outDir: string };
      };
      expect({ workspace, outDir: tsconfig.compilerOptions.outDir }).toEqual({ workspace, outDir: 'dist' });
    }
    const runs = dockerfile.filter((i) => i.keyword === 'RUN' && i.stage === 0).map((i) => i.args);
    expect(runs).toEqual(['npm ci', 'npm run build && npm prune --omit=dev']);
  });

  test('the entrypoint runs the file `npm run build` produces for the skyrocket CLI', () => {
    const [entrypoint] = inFinal('ENTRYPOINT');
    expect(JSON.parse(entrypoint?.args ?? 'null')).toEqual(['node', '/app/cli/dist/main.js']);
    const cliPackage = JSON.parse(fs.readFileSync(path.join(ROOT, 'cli', 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(cliPackage.bin.skyrocket).toBe('dist/main.js');
    const cliTsconfig = JSON.parse(fs.readFileSync(path.join(ROOT, 'cli', 'tsconfig.json'), 'utf8')) as {
      compilerOptions: { rootDir: string; outDir: string };
    };
    expect(cliTsconfig.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    expect(fs.existsSync(path.join(ROOT, 'cli', 'src', 'main.ts'))).toBe(true);
    const buildReferences = (
      JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
        references: { path: string }[];
      }
    ).references.map((r) => r.path);
    expect(buildReferences).toContain('cli');
  });

  test('EXPOSE lists exactly the default ports of the NameServer, the broker and the operator', () => {
    const exposed = inFinal('EXPOSE')
      .flatMap((i) => i.args.split(/\s+/))
      .map(Number)
      .sort((a, b) => a - b);
    const nameServer = NameServerConfigSchema.parse({});
    const broker = BrokerConfigSchema.parse({});
    const operator = OperatorConfigSchema.parse({});
    const defaults = new Set([
      nameServer.listenPort,
      nameServer.httpPort,
      broker.listenPort,
      broker.listenPort - 2, // the VIP channel
      broker.haListenPort,
      broker.httpPort,
      operator.httpPort,
    ]);
    expect(exposed).toEqual([...defaults].sort((a, b) => a - b));
  });

  test('runs as the non-root user the Helm chart expects, with data on a volume and no HEALTHCHECK', () => {
    const users = inFinal('USER');
    const user = users[users.length - 1]?.args ?? 'root';
    const [uid, gid] = user.split(':');
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    const values = parseYaml(
      fs.readFileSync(path.join(ROOT, 'charts', 'skyrocket', 'values.yaml'), 'utf8'),
    ) as {
      podSecurityContext: { runAsUser: number; runAsGroup: number; runAsNonRoot: boolean };
    };
    expect(values.podSecurityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: Number(uid),
      runAsGroup: Number(gid),
    });
    const volumes = inFinal('VOLUME').flatMap((i) => JSON.parse(i.args) as string[]);
    expect(volumes).toEqual(['/var/lib/skyrocket']);
    const workdirs = inFinal('WORKDIR');
    expect(workdirs[workdirs.length - 1]?.args).toBe('/var/lib/skyrocket');
    expect(dockerfile.some((i) => i.keyword === 'HEALTHCHECK')).toBe(false);
    expect(
      inFinal('LABEL')
        .map((i) => i.args)
        .join(' '),
    ).toContain('org.opencontainers.image.source=');
  });
});

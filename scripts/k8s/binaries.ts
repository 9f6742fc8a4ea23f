/**
 * Where the control-plane binaries for the k8s tests live and whether they are current.
 *
 * Five Go programs are built from the Go module proxy by `npm run k8s:build` (scripts/k8s/build.ts) through the
 * wrapper modules under scripts/k8s/build/<module>/ (each one's go.mod pins the version and its go.sum the
 * checksums), and cached per Kubernetes version under
 * `${SKYROCKET_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/skyrocket}/k8s/<kubernetes version>/`.
 *
 * Every binary has a `<name>.stamp` beside it naming the package, version and a hash of its wrapper module's
 * go.mod + go.sum + build flags; a binary whose stamp differs from the one computed from the checkout is stale, so
 * bumping a version in a go.mod rebuilds exactly the programs of that module.
 *
 * kubectl is built too (from the same k8s.io/kubernetes version as the apiserver) because kubectl supports only
 * one minor version of skew and the machine's /usr/bin/kubectl is older.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** scripts/k8s/build: one wrapper Go module per source module. */
export const WRAPPER_MODULES_DIR = path.resolve(__dirname, 'build');

export type K8sBinaryName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kubectl' | 'helm';

export interface WrapperModule {
  /** Folder under scripts/k8s/build. */
  readonly dir: 'kubernetes' | 'etcd' | 'helm';
  /** The module whose programs it builds (its version is read from the wrapper's go.mod). */
  readonly sourceModule: string;
  readonly binaries: readonly { readonly name: K8sBinaryName; readonly pkg: string }[];
  /** -ldflags -X settings beyond `-s -w`, given the source module's version and the wrapper's go.mod text. */
  versionFlags(version: string, goMod: string): string[];
}

export const WRAPPER_MODULES: readonly WrapperModule[] = [
  {
    dir: 'kubernetes',
    sourceModule: 'k8s.io/kubernetes',
    binaries: [
      { name: 'kube-apiserver', pkg: 'k8s.io/kubernetes/cmd/kube-apiserver' },
      { name: 'kube-controller-manager', pkg: 'k8s.io/kubernetes/cmd/kube-controller-manager' },
      { name: 'kubectl', pkg: 'k8s.io/kubernetes/cmd/kubectl' },
    ],
    // What hack/lib/version.sh sets for release builds; without it the programs report v0.0.0-master and
    // kubectl/helm print skew warnings. (The apiserver's emulation version comes from the source, not from these.)
    versionFlags(version) {
      const match = /^v(\d+)\.(\d+)\./.exec(version);
      const [major, minor] = match ? [match[1], match[2]] : ['0', '0'];
      return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
        `-X ${pkg}.gitVersion=${version}`,
        `-X ${pkg}.gitMajor=${major}`,
        `-X ${pkg}.gitMinor=${minor}`,
        `-X ${pkg}.gitTreeState=clean`,
      ]);
    },
  },
  {
    dir: 'etcd',
    sourceModule: 'go.etcd.io/etcd/server/v3',
    binaries: [{ name: 'etcd', pkg: 'go.etcd.io/etcd/server/v3' }],
    versionFlags: () => [],
  },
  {
    dir: 'helm',
    sourceModule: 'helm.sh/helm/v3',
    binaries: [{ name: 'helm', pkg: 'helm.sh/helm/v3/cmd/helm' }],
    // What helm's Makefile sets: its version, and the Kubernetes version `helm template` and `helm lint` assume
    // without a cluster (major = client-go's major + 1, minor = client-go's minor; v1.20 when unset, which fails
    // every chart with a kubeVersion constraint above it).
    versionFlags(version, goMod) {
      const clientGo = /^v(\d+)\.(\d+)\./.exec(requiredVersion(goMod, 'k8s.io/client-go') ?? '');
      const kube = clientGo ? [String(Number(clientGo[1]) + 1), clientGo[2]] : undefined;
      return [
        `-X helm.sh/helm/v3/internal/version.version=${version}`,
        ...(kube
          ? ['helm.sh/helm/v3/pkg/lint/rules', 'helm.sh/helm/v3/pkg/chartutil'].flatMap((pkg) => [
              `-X ${pkg}.k8sVersionMajor=${kube[0]}`,
              `-X ${pkg}.k8sVersionMinor=${kube[1]}`,
            ])
          : []),
      ];
    },
  },
];

export type K8sBinaries = {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  helm: string;
  kubectl: string;
};

function wrapperGoMod(module: WrapperModule): string {
  return fs.readFileSync(path.join(WRAPPER_MODULES_DIR, module.dir, 'go.mod'), 'utf8');
}

/** The version a go.mod requires of a module (`require m v` or a line of a require block), if any. */
function requiredVersion(goMod: string, modulePath: string): string | undefined {
  const escaped = modulePath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm').exec(goMod)?.[1];
}

/** The version of `sourceModule` that the wrapper module's go.mod requires. */
export function wrapperModuleVersion(module: WrapperModule): string {
  const version = requiredVersion(wrapperGoMod(module), module.sourceModule);
  if (!version)
    throw new Error(`scripts/k8s/build/${module.dir}/go.mod does not require ${module.sourceModule}`);
  return version;
}

/** The Kubernetes version the tests run (names the cache folder). */
export function kubernetesVersion(): string {
  return wrapperModuleVersion(moduleByDir('kubernetes'));
}

function moduleByDir(dir: WrapperModule['dir']): WrapperModule {
  const found = WRAPPER_MODULES.find((m) => m.dir === dir);
  if (!found) throw new Error(`no wrapper module ${dir}`);
  return found;
}

/** The -ldflags value used to build a module's programs. */
export function ldflags(module: WrapperModule): string {
  return ['-s', '-w', ...module.versionFlags(wrapperModuleVersion(module), wrapperGoMod(module))].join(' ');
}

/** `${SKYROCKET_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/skyrocket}`. */
export function skyrocketCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SKYROCKET_CACHE_DIR) return path.resolve(env.SKYROCKET_CACHE_DIR);
  const xdg = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : undefined;
  return path.join(xdg ?? path.join(os.homedir(), '.cache'), 'skyrocket');
}

/** The folder holding the binaries for the Kubernetes version of the checkout. */
export function k8sBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(skyrocketCacheDir(env), 'k8s', kubernetesVersion());
}

/** What a current binary's `.stamp` file says: package@version, go.mod/go.sum/flags hash. */
export function expectedStamp(module: WrapperModule, pkg: string): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum']) {
    hash.update(fs.readFileSync(path.join(WRAPPER_MODULES_DIR, module.dir, file)));
  }
  hash.update(ldflags(module));
  return `${pkg}@${wrapperModuleVersion(module)} ${hash.digest('hex').slice(0, 16)}\n`;
}

export interface BinaryState {
  readonly name: K8sBinaryName;
  readonly module: WrapperModule;
  readonly pkg: string;
  readonly path: string;
  /** Why it needs building, or undefined when it is current. */
  readonly problem?: string;
}

/** Every binary with its path and, when missing or stale, why. */
export function binaryStates(env: NodeJS.ProcessEnv = process.env): BinaryState[] {
  const dir = k8sBinDir(env);
  return WRAPPER_MODULES.flatMap((module) =>
    module.binaries.map(({ name, pkg }) => {
      const file = path.join(dir, name);
      const stamp = readIfExists(`${file}.stamp`);
      let problem: string | undefined;
      if (!isExecutable(file)) problem = 'missing';
      else if (stamp !== expectedStamp(module, pkg))
        problem = `stale (built from ${stamp?.trim() ?? 'unknown'})`;
      return { name, module, pkg, path: file, problem };
    }),
  );
}

/** Paths of the binaries, or an Error listing the missing/stale ones and naming `npm run k8s:build`. */
export function resolveK8sBinaries(env: NodeJS.ProcessEnv = process.env): K8sBinaries {
  const states = binaryStates(env);
  const bad = states.filter((s) => s.problem);
  if (bad.length > 0) {
    throw new Error(
      `Kubernetes control-plane binaries are not built for ${kubernetesVersion()}: ` +
        bad.map((s) => `${s.name} ${s.problem} (${s.path})`).join('; ') +
        '. Run `npm run k8s:build` first (it builds them with Go from the Go module proxy and caches them; ' +
        'the first build takes a while). Tests never build inside a test timeout.',
    );
  }
  const pathOf = (name: K8sBinaryName): string => {
    const found = states.find((s) => s.name === name);
    if (!found) throw new Error(`no binary ${name}`);
    return found.path;
  };
  return {
    etcd: pathOf('etcd'),
    kubeApiserver: pathOf('kube-apiserver'),
    kubeControllerManager: pathOf('kube-controller-manager'),
    helm: pathOf('helm'),
    kubectl: pathOf('kubectl'),
  };
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

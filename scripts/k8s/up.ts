/**
 * `npm run k8s:up`: the test control plane by hand. Starts etcd, kube-apiserver and kube-controller-manager on
 * loopback (as test/k8s/harness/control-plane.ts does for the tests), prints the lines that point kubectl at it,
 * and stops everything on Ctrl-C (or SIGTERM).
 *
 * Options: --no-controller-manager (etcd + apiserver only).
 * Needs the binaries of `npm run k8s:build` (the npm script runs it first).
 */
import * as path from 'node:path';
import { startControlPlane } from '../../test/k8s/harness/control-plane';

async function main(): Promise<void> {
  const controllerManager = !process.argv.includes('--no-controller-manager');
  const started = Date.now();
  console.log(
    `[k8s:up] starting etcd, kube-apiserver${controllerManager ? ', kube-controller-manager' : ''} ...`,
  );
  const plane = await startControlPlane({ controllerManager });
  console.log(
    `[k8s:up] control plane ready at ${plane.server} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  console.log(`[k8s:up] logs and certificates: ${plane.tmpDir} (removed on exit)`);
  console.log('[k8s:up] in another shell (kubectl of the same Kubernetes version comes first on PATH):\n');
  console.log(`export KUBECONFIG=${plane.kubeconfigPath}`);
  console.log(`export PATH=${path.dirname(plane.binaries.kubectl)}:$PATH\n`);
  console.log('[k8s:up] Ctrl-C stops it.');

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n[k8s:up] ${signal}: stopping ...`);
    plane.stop().then(
      () => {
        console.log('[k8s:up] stopped');
        process.exit(0);
      },
      (error: unknown) => {
        console.error('[k8s:up] stop failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => stop('SIGHUP'));
}

main().catch((error: unknown) => {
  console.error(`[k8s:up] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

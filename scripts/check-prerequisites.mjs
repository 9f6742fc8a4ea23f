#!/usr/bin/env node
// Runs before `npm test`: every test tier needs these tools, and a missing one must fail loudly with what to
// install, never skip a tier silently.
import { spawnSync } from 'node:child_process';

const problems = [];
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  problems.push(
    `Node.js >= 20.19 is required (found ${process.versions.node}): install Node.js 20.19+ or the current LTS`,
  );
}

/** The command's combined output (java -version prints to stderr), or undefined when it cannot run. */
function version(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  return `${result.stdout}${result.stderr}`;
}

const java = version('java', ['-version']);
if (!java)
  problems.push(
    'Java 17+ is required for the compatibility tests (Apache RocketMQ peers): install OpenJDK 17',
  );
else {
  const match = /version "(\d+)/.exec(java);
  if (match && Number(match[1]) < 17)
    problems.push(`Java 17+ is required (found ${match[1]}): install OpenJDK 17`);
}
if (!version('mvn', ['-v'])) {
  problems.push(
    'Maven is required to fetch Apache RocketMQ from Maven Central for the compatibility tests: install Maven 3.8+',
  );
}

const go = version('go', ['version']);
if (!go) {
  problems.push(
    'Go 1.24+ is required to build the Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager) ' +
      'and helm for the k8s tests (`npm run k8s:build`): install Go from https://go.dev/doc/install',
  );
} else {
  const match = /go(\d+)\.(\d+)/.exec(go);
  if (match && (Number(match[1]) < 1 || (Number(match[1]) === 1 && Number(match[2]) < 24)))
    problems.push(
      `Go 1.24+ is required to build the Kubernetes control plane and helm for the k8s tests (found ${match[0]}): install a newer Go`,
    );
}

if (problems.length > 0) {
  console.error('Missing prerequisites:\n' + problems.map((p) => `  - ${p}`).join('\n'));
  process.exit(1);
}

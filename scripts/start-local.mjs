#!/usr/bin/env node
// `npm start`: a NameServer (127.0.0.1:9876, HTTP :8080) and a Broker (10911, HTTP :8081) on one machine, data in
// ./.skyrocket/. Each runs as its own process, as in production; Ctrl-C (or SIGTERM) stops both gracefully.
// Extra arguments go to the broker (e.g. `npm start -- --flush-disk-type SYNC_FLUSH`).
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
mkdirSync(`${root}/.skyrocket`, { recursive: true });

const children = [];
function run(name, script, args) {
  const child = spawn(process.execPath, [`${root}/${script}`, ...args], { stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    console.error(`${name} exited (${signal ?? code})`);
    stopAll();
    process.exitCode = code ?? 1;
  });
  children.push(child);
}
let stopping = false;
function stopAll() {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}
process.on('SIGINT', stopAll);
process.on('SIGTERM', stopAll);

run('nameserver', 'nameserver/dist/main.js', ['--listen-port', '9876', '--http-port', '8080']);
run('broker', 'broker/dist/main.js', [
  '--namesrv-addr',
  '127.0.0.1:9876',
  '--brokerIP1',
  '127.0.0.1',
  '--store-path-root-dir',
  `${root}/.skyrocket/broker-a`,
  ...process.argv.slice(2),
]);

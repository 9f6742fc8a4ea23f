import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { createRequest, RemotingClient, RequestCode } from '@skyrocket/remoting';
import { waitFor } from '../harness/wait-for';

/**
 * The built entry point as an operator runs it: configuration from the environment and flags, a clear one-line
 * error and exit code 1 for bad configuration, and a graceful exit 0 on SIGTERM. `npm test` builds before jest.
 */
const main = path.resolve(__dirname, '../../nameserver/dist/main.js');

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [main, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe('skyrocket-nameserver process', () => {
  it('rejects bad configuration with one clear line and exit code 1', async () => {
    const bad = run(['--listen-port', 'abc']);
    expect(await bad.exited).toBe(1);
    expect(bad.output().stderr.trim()).toBe(
      'skyrocket-nameserver: invalid configuration: listenPort: expected an integer, got "abc" (from flag --listen-port)',
    );
    const unknown = run([], { SKYROCKET_NAMESERVER_BROKER_EXPIRY_MILLIS: '5' });
    expect(await unknown.exited).toBe(1);
    expect(unknown.output().stderr).toContain('brokerExpiryMillis');
  });

  it('starts from env and flags, serves, and exits 0 on SIGTERM', async () => {
    const nameServer = run(['--listen-host', '127.0.0.1', '--http-host', '127.0.0.1', '--http-port', '0'], {
      SKYROCKET_NAMESERVER_LISTEN_PORT: '0',
      SKYROCKET_NAMESERVER_LOG_LEVEL: 'info',
    });
    const started = await waitFor('the started log line', () => {
      const line = nameServer
        .output()
        .stdout.split('\n')
        .find((l) => l.includes('NameServer started'));
      return line ? (JSON.parse(line) as { remotingPort: number }) : undefined;
    });
    const client = new RemotingClient();
    try {
      const response = await client.invoke(
        `127.0.0.1:${started.remotingPort}`,
        createRequest(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER),
        3000,
      );
      expect(response.code).toBe(0);
    } finally {
      await client.close();
    }
    nameServer.child.kill('SIGTERM');
    expect(await nameServer.exited).toBe(0);
    expect(nameServer.output().stdout).toContain('NameServer stopped');
  });
});

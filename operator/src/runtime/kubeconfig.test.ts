import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inClusterConnection, loadKubeconfig } from './kubeconfig';

describe('loadKubeconfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the current context: server, inline CA, cert files relative to the kubeconfig, namespace', () => {
    writeFileSync(join(dir, 'client.crt'), 'CERT');
    const path = join(dir, 'config');
    writeFileSync(
      path,
      [
        'apiVersion: v1',
        'current-context: test',
        'clusters:',
        `- name: c\n  cluster:\n    server: https://127.0.0.1:6443\n    certificate-authority-data: ${Buffer.from('CA').toString('base64')}`,
        'users:',
        '- name: u\n  user:\n    client-certificate: client.crt\n    token: abc',
        'contexts:',
        '- name: test\n  context:\n    cluster: c\n    user: u\n    namespace: team-a',
      ].join('\n'),
    );
    const connection = loadKubeconfig(path);
    expect(connection.server.href).toBe('https://127.0.0.1:6443/');
    expect(connection.ca?.toString()).toBe('CA');
    expect(connection.cert?.toString()).toBe('CERT');
    expect(connection.token?.()).toBe('abc');
    expect(connection.namespace).toBe('team-a');
  });

  it('says clearly what is wrong', () => {
    const path = join(dir, 'bad');
    writeFileSync(path, 'current-context: nope\ncontexts: []\n');
    expect(() => loadKubeconfig(path)).toThrow(/has no context nope/);
    expect(() => loadKubeconfig(join(dir, 'missing'))).toThrow(/cannot read kubeconfig/);
    const exec = join(dir, 'exec');
    writeFileSync(
      exec,
      'current-context: x\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\nclusters:\n- name: c\n  cluster: {server: "https://h"}\nusers:\n- name: u\n  user: {exec: {command: aws}}\n',
    );
    expect(() => loadKubeconfig(exec)).toThrow(/exec and auth-provider credentials are not supported/);
    expect(() => inClusterConnection({})).toThrow(/not running in a cluster/);
  });
});

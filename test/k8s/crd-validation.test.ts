/**
 * The generated CRDs (crds/*.yaml, kept equal to operator/src/api by `npm run check:generated`) installed into a real
 * kube-apiserver: defaults filled in by the apiserver, invalid objects refused with the schema's messages, CEL
 * transition rules, `kubectl explain`, `kubectl scale` through the scale subresource, and printer columns.
 * Also checks, without the apiserver, that the operator's copy of the broker configuration keys matches the broker's
 * own schema, and that the config files the builders write load in the broker's config loader.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BrokerConfigSchema, checkBrokerConfig } from '@skyrocket/broker';
import { loadConfig } from '@skyrocket/common';
import {
  BROKER_CONFIG_KEYS,
  OPERATOR_MANAGED_BROKER_KEYS,
  crdManifests,
  type BrokerCluster,
  type NameServerCluster,
} from '../../operator/src/api';
import {
  brokerConfigFiles,
  brokerGroupChildren,
  brokerNameServerAddress,
  nameServerChildren,
  type ChildStatefulSet,
} from '../../operator/src/builders';
import { waitFor } from '../harness/wait-for';
import { startControlPlane, type CommandResult, type ControlPlane } from './harness/control-plane';

const ROOT = path.resolve(__dirname, '../..');

describe('broker configuration keys (no apiserver needed)', () => {
  it('the operator knows every broker config field, as managed or overridable', () => {
    const operatorKeys = [
      ...OPERATOR_MANAGED_BROKER_KEYS,
      ...BROKER_CONFIG_KEYS.integer,
      ...BROKER_CONFIG_KEYS.boolean,
      ...BROKER_CONFIG_KEYS.string,
    ].sort();
    expect(operatorKeys).toEqual(Object.keys(BrokerConfigSchema.shape).sort());
  });

  it('every pod config file the builders write loads in the broker config loader', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-crd-'));
    try {
      const cr = {
        metadata: { name: 'mq', namespace: 'prod', uid: 'u' },
        spec: {
          nameServerRef: { name: 'ns' },
          replicasPerGroup: 3,
          replicationMode: 'SYNC' as const,
          brokerConfig: { maxMessageSize: '8388608', autoCreateTopicEnable: 'false', logLevel: 'debug' },
        },
      };
      const files = brokerConfigFiles(cr, 4, {
        nameServerAddress: 'dns:ns-headless.prod.svc.cluster.local:9876',
      });
      const loaded = Object.entries(files).map(([name, text]) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, text);
        return loadConfig(BrokerConfigSchema, { file, check: checkBrokerConfig });
      });
      expect(
        loaded.map((c) => [c.brokerName, c.brokerId, c.brokerRole, c.maxMessageSize, c.logLevel]),
      ).toEqual([
        ['mq-g4', 0, 'SYNC_MASTER', 8388608, 'debug'],
        ['mq-g4', 1, 'SLAVE', 8388608, 'debug'],
        ['mq-g4', 2, 'SLAVE', 8388608, 'debug'],
      ]);
      expect(loaded[0]?.namesrvAddr).toBe('dns:ns-headless.prod.svc.cluster.local:9876');
      expect(loaded[0]?.autoCreateTopicEnable).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('CRDs on a real kube-apiserver', () => {
  jest.setTimeout(120_000);
  let cp: ControlPlane;
  const ns = 'crd-test';

  const kubectl = async (args: string[], input?: string): Promise<CommandResult> =>
    cp.kubectl(args, input === undefined ? {} : { input });
  const ok = async (args: string[], input?: string): Promise<string> => {
    const result = await kubectl(args, input);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  };
  const apply = (object: object) => kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify(object));
  const getJson = async (kind: string, name: string) =>
    JSON.parse(await ok(['get', '-n', ns, kind, name, '-o', 'json'])) as {
      spec: Record<string, unknown>;
      status?: Record<string, unknown>;
    };
  const nsc = (name: string, spec: object = {}) => ({
    apiVersion: 'skyrocket.dev/v1alpha1',
    kind: 'NameServerCluster',
    metadata: { name },
    spec,
  });
  const bc = (name: string, spec: object = {}) => ({
    apiVersion: 'skyrocket.dev/v1alpha1',
    kind: 'BrokerCluster',
    metadata: { name },
    spec: { nameServerRef: { name: 'ns' }, ...spec },
  });
  /** Applies an object that must be refused, returning kubectl's error output. */
  const refused = async (object: object): Promise<string> => {
    const result = await apply(object);
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 1, stdout: '' });
    return result.stderr;
  };

  beforeAll(async () => {
    cp = await startControlPlane();
    const files = crdManifests().map((crd) =>
      path.join(ROOT, 'crds', `skyrocket.dev_${crd.spec.names.plural}.yaml`),
    );
    for (const file of files) await ok(['apply', '-f', file]);
    await ok([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd/nameserverclusters.skyrocket.dev',
      'crd/brokerclusters.skyrocket.dev',
    ]);
    await ok(['create', 'namespace', ns]);
  }, 300_000);

  afterAll(async () => {
    await cp?.stop();
  });

  it('installs the generated CRDs, which the apiserver accepts as structural with every CEL rule', async () => {
    const crd = JSON.parse(await ok(['get', 'crd', 'brokerclusters.skyrocket.dev', '-o', 'json'])) as {
      status: { conditions: { type: string; status: string; message: string }[] };
    };
    const byType = Object.fromEntries(crd.status.conditions.map((c) => [c.type, c.status]));
    expect(byType).toMatchObject({ Established: 'True', NamesAccepted: 'True' });
    expect(byType.NonStructuralSchema).toBeUndefined();
  });

  it('fills in the defaults', async () => {
    await ok(['apply', '-n', ns, '-f', '-'], JSON.stringify(nsc('ns')));
    expect((await getJson('nameservercluster', 'ns')).spec).toEqual({
      replicas: 2,
      ports: { remoting: 9876, http: 8080 },
    });
    await ok(['apply', '-n', ns, '-f', '-'], JSON.stringify(bc('defaults')));
    expect((await getJson('brokercluster', 'defaults')).spec).toEqual({
      nameServerRef: { name: 'ns' },
      groups: 1,
      replicasPerGroup: 2,
      storage: { size: '10Gi', reclaimPolicy: 'Retain' },
      flushDiskType: 'ASYNC_FLUSH',
      replicationMode: 'ASYNC',
      ports: { remoting: 10911, ha: 10912, http: 8081 },
      antiAffinity: 'preferred',
    });
  });

  it('accepts a full spec', async () => {
    const full = bc('full', {
      nameServerRef: { name: 'ns', namespace: 'other' },
      groups: 3,
      replicasPerGroup: 3,
      storage: { size: 21474836480, storageClassName: 'fast', reclaimPolicy: 'Delete' },
      flushDiskType: 'SYNC_FLUSH',
      replicationMode: 'SYNC',
      brokerConfig: { maxMessageSize: '8388608', longPollingEnable: 'true', messageDelayLevel: '1s 5s' },
      antiAffinity: 'required',
      image: 'registry.example/skyrocket:1.0',
      imagePullPolicy: 'IfNotPresent',
      imagePullSecrets: [{ name: 'pull' }],
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: 2147483648 } },
      env: [{ name: 'SKYROCKET_BROKER_LOG_LEVEL', value: 'debug' }],
      pod: {
        labels: { team: 'mq' },
        annotations: { 'example.com/owner': 'mq' },
        affinity: {
          nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
        },
        tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
        nodeSelector: { disk: 'ssd' },
        securityContext: { runAsNonRoot: true },
        priorityClassName: 'high',
        serviceAccountName: 'mq',
        terminationGracePeriodSeconds: 120,
      },
    });
    const result = await apply(full);
    expect(result.stderr).toBe('');
    const stored = await getJson('brokercluster', 'full');
    expect(stored.spec).toMatchObject({
      storage: { size: 21474836480, storageClassName: 'fast', reclaimPolicy: 'Delete' },
      pod: {
        affinity: {
          nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
        },
      },
    });
  });

  it('refuses bad values with the schema messages', async () => {
    expect(await refused(bc('bad-enum', { flushDiskType: 'FAST' }))).toContain(
      'spec.flushDiskType: Unsupported value: "FAST": supported values: "ASYNC_FLUSH", "SYNC_FLUSH"',
    );
    expect(await refused(bc('bad-groups', { groups: -1 }))).toContain(
      'spec.groups: Invalid value: -1: spec.groups in body should be greater than or equal to 0',
    );
    expect(await refused(bc('bad-rpg', { replicasPerGroup: 0 }))).toContain('spec.replicasPerGroup');
    expect(await refused(bc('bad-size', { storage: { size: 'lots' } }))).toContain('spec.storage.size');
    expect(
      await refused(bc('bad-addr', { nameServerRef: undefined, nameServerAddresses: 'not an address' })),
    ).toContain('spec.nameServerAddresses');
    // The broker also listens on remoting - 2 (the VIP channel): HA there would crash-loop the pods.
    expect(await refused(bc('bad-ports', { ports: { remoting: 10911, ha: 10909, http: 8081 } }))).toContain(
      'spec.ports: Invalid value: ports.remoting, ports.remoting - 2 (the VIP channel the broker also serves), ports.ha and ports.http must all differ',
    );
  });

  it('refuses nameServerRef together with static addresses, and neither', async () => {
    expect(await refused(bc('both', { nameServerAddresses: '10.0.0.1:9876;10.0.0.2:9876' }))).toContain(
      'set exactly one of nameServerRef and nameServerAddresses',
    );
    expect(await refused(bc('neither', { nameServerRef: undefined }))).toContain(
      'set exactly one of nameServerRef and nameServerAddresses',
    );
    const result = await apply(
      bc('static', { nameServerRef: undefined, nameServerAddresses: 'dns:ns.example:9876' }),
    );
    expect(result.stderr).toBe('');
  });

  it('refuses broker config keys the operator owns or the broker does not know, and badly typed values', async () => {
    expect(await refused(bc('cfg1', { brokerConfig: { brokerId: '3' } }))).toContain(
      'brokerConfig may not set brokerClusterName, brokerName, brokerId',
    );
    expect(await refused(bc('cfg2', { brokerConfig: { noSuchField: 'x' } }))).toContain(
      'brokerConfig keys must be broker configuration fields',
    );
    expect(await refused(bc('cfg3', { brokerConfig: { maxMessageSize: 'big' } }))).toContain(
      'must be integers',
    );
    expect(await refused(bc('cfg4', { brokerConfig: { longPollingEnable: 'yes' } }))).toContain(
      'must be "true" or "false"',
    );
  });

  it('refuses SYNC replication without a slave, over-long names and reserved pod labels', async () => {
    expect(await refused(bc('sync', { replicationMode: 'SYNC', replicasPerGroup: 1 }))).toContain(
      'replicationMode SYNC needs a slave: set replicasPerGroup to 2 or more',
    );
    expect(await refused(bc('a'.repeat(41)))).toContain(
      'metadata.name must be a DNS label of at most 40 characters',
    );
    expect(await refused(bc('labels', { pod: { labels: { 'skyrocket.dev/group': 'x' } } }))).toContain(
      'keys under skyrocket.dev/ and app.kubernetes.io/ are reserved for the operator',
    );
  });

  it('enforces immutability and no shrinking on update', async () => {
    await ok(['apply', '-n', ns, '-f', '-'], JSON.stringify(bc('immut', { storage: { size: '10Gi' } })));
    expect(await refused(bc('immut', { replicasPerGroup: 3, storage: { size: '10Gi' } }))).toContain(
      'replicasPerGroup is immutable',
    );
    expect(await refused(bc('immut', { storage: { size: '5Gi' } }))).toContain(
      'storage.size may grow but never shrink',
    );
    expect(await refused(bc('immut', { storage: { size: '10Gi', storageClassName: 'fast' } }))).toContain(
      'storage.storageClassName is immutable',
    );
    // Growing is allowed, in either quantity form.
    expect((await apply(bc('immut', { storage: { size: '20Gi' } }))).stderr).toBe('');
    expect((await apply(bc('immut', { storage: { size: 32212254720 } }))).stderr).toBe('');
    expect(await refused(bc('immut', { storage: { size: '29Gi' } }))).toContain(
      'storage.size may grow but never shrink',
    );
  });

  it('documents fields in kubectl explain', async () => {
    const groups = await ok(['explain', 'brokercluster.spec.groups']);
    expect(groups).toContain('Number of broker groups');
    expect(groups).toContain('kubectl scale');
    expect(await ok(['explain', 'nsc.spec.replicas'])).toContain('Number of NameServers');
  });

  it('scales through the scale subresource', async () => {
    await ok(['apply', '-n', ns, '-f', '-'], JSON.stringify(bc('scaled', { groups: 1 })));
    await ok(['scale', '-n', ns, 'brokercluster/scaled', '--replicas=3']);
    expect((await getJson('bc', 'scaled')).spec.groups).toBe(3);
    expect(await refused(bc('scaled', { groups: 129 }))).toContain('spec.groups');
    await ok(['scale', '-n', ns, 'nsc/ns', '--replicas=4']);
    expect((await getJson('nsc', 'ns')).spec.replicas).toBe(4);
  });

  it('shows status in the printer columns, under short names and the skyrocket category', async () => {
    const status = {
      status: {
        observedGeneration: 1,
        groups: 3,
        groupsReady: 2,
        selector:
          'app.kubernetes.io/component=broker,app.kubernetes.io/name=skyrocket,skyrocket.dev/cluster=scaled',
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'NotAllGroupsReady',
            message: '2/3 broker groups ready',
            lastTransitionTime: '2026-11-25T10:00:00Z',
            observedGeneration: 1,
          },
        ],
      },
    };
    await ok([
      'patch',
      '-n',
      ns,
      'bc',
      'scaled',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify(status),
    ]);
    const table = await waitFor('the printer columns to show the status', async () => {
      const out = await ok(['get', '-n', ns, 'bc', 'scaled']);
      return /\bFalse\b/.test(out) ? out : undefined;
    });
    const [header, row] = table.trim().split('\n');
    expect(header?.split(/\s+/)).toEqual(['NAME', 'READY', 'DESIRED', 'GROUPS', 'GROUPS-READY', 'AGE']);
    expect(row?.split(/\s+/).slice(0, 5)).toEqual(['scaled', 'False', '3', '3', '2']);
    const wide = await ok(['get', '-n', ns, 'bc', 'scaled', '-o', 'wide']);
    expect(wide).toContain('NotAllGroupsReady');
    // The scale subresource reads status.groups and status.selector.
    const scale = JSON.parse(
      await ok(['get', '--raw', `/apis/skyrocket.dev/v1alpha1/namespaces/${ns}/brokerclusters/scaled/scale`]),
    ) as { spec: { replicas: number }; status: { replicas: number; selector: string } };
    expect(scale.spec.replicas).toBe(3);
    expect(scale.status).toEqual({ replicas: 3, selector: status.status.selector });

    const all = await ok(['get', '-n', ns, 'skyrocket', '-o', 'name']);
    expect(all.split('\n')).toEqual(
      expect.arrayContaining(['nameservercluster.skyrocket.dev/ns', 'brokercluster.skyrocket.dev/scaled']),
    );
  });

  it('accepts every child the builders make for the stored CRs (server-side apply)', async () => {
    await ok(['apply', '-n', ns, '-f', '-'], JSON.stringify(nsc('kids-ns')));
    await ok(
      ['apply', '-n', ns, '-f', '-'],
      JSON.stringify(
        bc('kids', { nameServerRef: { name: 'kids-ns' }, brokerConfig: { maxMessageSize: '8388608' } }),
      ),
    );
    const storedNsc = JSON.parse(
      await ok(['get', '-n', ns, 'nsc', 'kids-ns', '-o', 'json']),
    ) as NameServerCluster;
    const storedBc = JSON.parse(await ok(['get', '-n', ns, 'bc', 'kids', '-o', 'json'])) as BrokerCluster;
    const address = brokerNameServerAddress(storedBc, storedNsc);
    expect(address).toBe(`dns:kids-ns-headless.${ns}.svc.cluster.local:9876`);
    const children = [
      ...nameServerChildren(storedNsc),
      ...brokerGroupChildren(storedBc, 0, { nameServerAddress: address ?? '' }),
    ];
    const list = { apiVersion: 'v1', kind: 'List', items: children };
    await ok(
      ['apply', '--server-side', '--field-manager=skyrocket-operator', '-f', '-'],
      JSON.stringify(list),
    );
    const sts = JSON.parse(
      await ok(['get', '-n', ns, 'statefulset', 'kids-g0', '-o', 'json']),
    ) as ChildStatefulSet;
    expect(sts.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'skyrocket.dev/v1alpha1',
        kind: 'BrokerCluster',
        name: 'kids',
        uid: storedBc.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(sts.spec?.updateStrategy).toEqual({ type: 'OnDelete' });
    expect(sts.spec?.template.spec?.containers[0]?.args).toEqual([
      'broker',
      '--config',
      '/etc/skyrocket/$(POD_NAME).json',
    ]);
    const names = (await ok(['get', '-n', ns, 'statefulset,service,configmap,pdb', '-o', 'name'])).split(
      '\n',
    );
    expect(names).toEqual(
      expect.arrayContaining([
        'statefulset.apps/kids-ns',
        'statefulset.apps/kids-g0',
        'service/kids-ns',
        'service/kids-ns-headless',
        'service/kids-g0',
        'configmap/kids-g0-config',
        'poddisruptionbudget.policy/kids-ns',
        'poddisruptionbudget.policy/kids-g0',
      ]),
    );
    // Applying the same objects again changes nothing (server-side apply is idempotent for the builders' output).
    const before = sts.metadata as unknown as { resourceVersion: string };
    await ok(
      ['apply', '--server-side', '--field-manager=skyrocket-operator', '-f', '-'],
      JSON.stringify(list),
    );
    const after = JSON.parse(await ok(['get', '-n', ns, 'statefulset', 'kids-g0', '-o', 'json'])) as {
      metadata: { resourceVersion: string };
    };
    expect(after.metadata.resourceVersion).toBe(before.resourceVersion);
  });

  it('refuses status that breaks the condition schema', async () => {
    const bad = {
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'Maybe',
            reason: 'x',
            message: '',
            lastTransitionTime: '2026-11-25T10:00:00Z',
          },
        ],
      },
    };
    const result = await kubectl([
      'patch',
      '-n',
      ns,
      'bc',
      'scaled',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify(bad),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('status.conditions[0].status: Unsupported value: "Maybe"');
  });
});

import type { BrokerCluster, NameServerCluster } from '../api';
import {
  brokerConfigFiles,
  brokerGroupChildren,
  brokerGroupIndexOf,
  brokerGroupName,
  brokerNameServerAddress,
  brokerPersistentVolumeClaimNames,
  brokerStorageRequest,
  brokerSelector,
  brokerStatefulSet,
  configHash,
  nameServerRefOf,
  type ChildConfigMap,
  type ChildStatefulSet,
} from './index';

function bc(spec: Partial<BrokerCluster['spec']> = {}): BrokerCluster {
  return {
    apiVersion: 'skyrocket.dev/v1alpha1',
    kind: 'BrokerCluster',
    metadata: { name: 'mq', namespace: 'prod', uid: 'uid-bc' },
    spec: {
      nameServerRef: { name: 'ns' },
      groups: 2,
      replicasPerGroup: 2,
      storage: { size: '20Gi', reclaimPolicy: 'Retain' },
      flushDiskType: 'ASYNC_FLUSH',
      replicationMode: 'ASYNC',
      ports: { remoting: 10911, ha: 10912, http: 8081 },
      antiAffinity: 'preferred',
      ...spec,
    },
  };
}

const nsc: NameServerCluster = {
  apiVersion: 'skyrocket.dev/v1alpha1',
  kind: 'NameServerCluster',
  metadata: { name: 'ns', namespace: 'prod' },
  spec: { replicas: 2, ports: { remoting: 9876, http: 8080 } },
};
const context = {
  nameServerAddress: 'dns:ns-headless.prod.svc.cluster.local:9876',
  defaultImage: 'skyrocket:test',
};

const owner = {
  apiVersion: 'skyrocket.dev/v1alpha1',
  kind: 'BrokerCluster',
  name: 'mq',
  uid: 'uid-bc',
  controller: true,
  blockOwnerDeletion: true,
};
const selector = {
  'app.kubernetes.io/name': 'skyrocket',
  'app.kubernetes.io/component': 'broker',
  'skyrocket.dev/cluster': 'mq',
  'skyrocket.dev/group': 'mq-g1',
};
const labels = {
  'app.kubernetes.io/name': 'skyrocket',
  'app.kubernetes.io/component': 'broker',
  'skyrocket.dev/cluster': 'mq',
  'app.kubernetes.io/instance': 'mq',
  'app.kubernetes.io/part-of': 'skyrocket',
  'app.kubernetes.io/managed-by': 'skyrocket-operator',
  'skyrocket.dev/group': 'mq-g1',
  'skyrocket.dev/group-index': '1',
};
const meta = (name: string) => ({ name, namespace: 'prod', labels, ownerReferences: [owner] });

describe('brokerGroupChildren', () => {
  it('builds the ConfigMap, headless Service, StatefulSet and PDB of a group, in apply order', () => {
    const children = brokerGroupChildren(bc(), 1, context);
    expect(children.map((c) => `${c.kind}/${c.metadata.name}`)).toEqual([
      'ConfigMap/mq-g1-config',
      'Service/mq-g1',
      'StatefulSet/mq-g1',
      'PodDisruptionBudget/mq-g1',
    ]);
    const [configMap, service, , pdb] = children;
    const master = {
      brokerClusterName: 'mq',
      brokerName: 'mq-g1',
      brokerId: 0,
      brokerRole: 'ASYNC_MASTER',
      namesrvAddr: 'dns:ns-headless.prod.svc.cluster.local:9876',
      listenPort: 10911,
      haListenPort: 10912,
      httpPort: 8081,
      storePathRootDir: '/var/lib/skyrocket/store',
      flushDiskType: 'ASYNC_FLUSH',
    };
    expect(configMap).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta('mq-g1-config'),
      data: {
        'mq-g1-0.json': `${JSON.stringify(master, null, 2)}\n`,
        'mq-g1-1.json': `${JSON.stringify({ ...master, brokerId: 1, brokerRole: 'SLAVE' }, null, 2)}\n`,
      },
    });
    expect(service).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('mq-g1'),
      spec: {
        clusterIP: 'None',
        publishNotReadyAddresses: true,
        selector,
        ports: [
          { name: 'remoting', port: 10911, targetPort: 'remoting', protocol: 'TCP' },
          { name: 'vip', port: 10909, targetPort: 'vip', protocol: 'TCP' },
          { name: 'ha', port: 10912, targetPort: 'ha', protocol: 'TCP' },
          { name: 'http', port: 8081, targetPort: 'http', protocol: 'TCP' },
        ],
      },
    });
    expect(pdb).toEqual({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta('mq-g1'),
      spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
    });
  });

  it('builds the exact StatefulSet: ordinal = brokerId, OnDelete, config hash, anti-affinity, volumes', () => {
    const children = brokerGroupChildren(bc(), 1, context);
    const configMap = children[0] as ChildConfigMap;
    const sts = children[2] as ChildStatefulSet;
    expect(sts).toEqual({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: meta('mq-g1'),
      spec: {
        replicas: 2,
        serviceName: 'mq-g1',
        podManagementPolicy: 'Parallel',
        updateStrategy: { type: 'OnDelete' },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        selector: { matchLabels: selector },
        template: {
          metadata: {
            labels,
            annotations: {
              'prometheus.io/scrape': 'true',
              'prometheus.io/port': '8081',
              'prometheus.io/path': '/metrics',
              'skyrocket.dev/config-hash': configHash(configMap.data),
            },
          },
          spec: {
            securityContext: { fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch' },
            enableServiceLinks: false,
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  {
                    weight: 100,
                    podAffinityTerm: {
                      labelSelector: { matchLabels: selector },
                      topologyKey: 'kubernetes.io/hostname',
                    },
                  },
                ],
              },
            },
            terminationGracePeriodSeconds: 60,
            containers: [
              {
                name: 'broker',
                image: 'skyrocket:test',
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ['ALL'] },
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                args: ['broker', '--config', '/etc/skyrocket/$(POD_NAME).json'],
                env: [
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                  { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                ],
                ports: [
                  { name: 'remoting', containerPort: 10911, protocol: 'TCP' },
                  { name: 'vip', containerPort: 10909, protocol: 'TCP' },
                  { name: 'ha', containerPort: 10912, protocol: 'TCP' },
                  { name: 'http', containerPort: 8081, protocol: 'TCP' },
                ],
                startupProbe: {
                  httpGet: { path: '/healthz', port: 'http' },
                  periodSeconds: 5,
                  failureThreshold: 120,
                  timeoutSeconds: 3,
                },
                readinessProbe: {
                  httpGet: { path: '/readyz', port: 'http' },
                  periodSeconds: 5,
                  failureThreshold: 2,
                  timeoutSeconds: 3,
                },
                livenessProbe: {
                  httpGet: { path: '/healthz', port: 'http' },
                  periodSeconds: 10,
                  failureThreshold: 3,
                  timeoutSeconds: 3,
                },
                volumeMounts: [
                  { name: 'data', mountPath: '/var/lib/skyrocket' },
                  { name: 'config', mountPath: '/etc/skyrocket', readOnly: true },
                ],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: 'mq-g1-config' } }],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data', labels },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } },
          },
        ],
      },
    });
  });

  it("derives roles from the replication mode, and puts overrides last in every pod's config", () => {
    const files = brokerConfigFiles(
      bc({
        replicationMode: 'SYNC',
        replicasPerGroup: 3,
        flushDiskType: 'SYNC_FLUSH',
        brokerConfig: { maxMessageSize: '8388608', autoCreateTopicEnable: 'false' },
      }),
      0,
      context,
    );
    const parsed = Object.fromEntries(
      Object.entries(files).map(([key, text]) => [key, JSON.parse(text) as Record<string, unknown>]),
    );
    expect(Object.keys(parsed)).toEqual(['mq-g0-0.json', 'mq-g0-1.json', 'mq-g0-2.json']);
    expect(Object.values(parsed).map((c) => [c.brokerId, c.brokerRole, c.flushDiskType])).toEqual([
      [0, 'SYNC_MASTER', 'SYNC_FLUSH'],
      [1, 'SLAVE', 'SYNC_FLUSH'],
      [2, 'SLAVE', 'SYNC_FLUSH'],
    ]);
    expect(Object.keys(parsed['mq-g0-2.json'] ?? {}).slice(-2)).toEqual([
      'autoCreateTopicEnable',
      'maxMessageSize',
    ]);
    expect(parsed['mq-g0-2.json']).toMatchObject({
      maxMessageSize: '8388608',
      autoCreateTopicEnable: 'false',
    });
  });

  it("changes the pod template's config hash exactly when the config changes", () => {
    const hashOf = (cr: BrokerCluster, address = context.nameServerAddress) =>
      brokerStatefulSet(cr, 0, { ...context, nameServerAddress: address }).spec?.template.metadata
        ?.annotations?.['skyrocket.dev/config-hash'];
    const base = hashOf(bc());
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(hashOf(bc())).toBe(base);
    expect(hashOf(bc({ groups: 7 }))).toBe(base); // the group count is not in a broker's config
    expect(hashOf(bc({ brokerConfig: { maxReconsumeTimes: '3' } }))).not.toBe(base);
    expect(hashOf(bc({ flushDiskType: 'SYNC_FLUSH' }))).not.toBe(base);
    expect(hashOf(bc(), 'a:9876;b:9876')).not.toBe(base);
  });

  it("makes anti-affinity required on request, keeping the user's own terms", () => {
    const userTerm = {
      labelSelector: { matchLabels: { app: 'db' } },
      topologyKey: 'topology.kubernetes.io/zone',
    };
    const sts = brokerStatefulSet(
      bc({
        antiAffinity: 'required',
        pod: {
          affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [userTerm] } },
        },
      }),
      1,
      context,
    );
    expect(sts.spec?.template.spec?.affinity).toEqual({
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          userTerm,
          { labelSelector: { matchLabels: selector }, topologyKey: 'kubernetes.io/hostname' },
        ],
      },
    });
  });

  it('sets the storage class and volume reclaim policy from the spec', () => {
    const sts = brokerStatefulSet(
      bc({ storage: { size: 1073741824, storageClassName: 'fast', reclaimPolicy: 'Delete' } }),
      0,
      context,
    );
    expect(sts.spec?.persistentVolumeClaimRetentionPolicy).toEqual({
      whenDeleted: 'Delete',
      whenScaled: 'Retain',
    });
    expect(sts.spec?.volumeClaimTemplates?.[0]?.spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1073741824' } },
      storageClassName: 'fast',
    });
  });
});

describe('broker naming and NameServer addresses', () => {
  it('names groups and parses names back', () => {
    expect(brokerGroupName(bc(), 12)).toBe('mq-g12');
    expect(brokerGroupIndexOf(bc(), 'mq-g12')).toBe(12);
    expect(brokerGroupIndexOf(bc(), 'mq-g012')).toBeUndefined();
    expect(brokerGroupIndexOf(bc(), 'mqx-g1')).toBeUndefined();
    expect(brokerGroupIndexOf(bc(), 'mq-g1-config')).toBeUndefined();
    expect(brokerPersistentVolumeClaimNames(bc(), 1)).toEqual(['data-mq-g1-0', 'data-mq-g1-1']);
    expect(brokerStorageRequest(bc({ storage: { size: 1024, reclaimPolicy: 'Retain' } }))).toBe('1024');
    expect(brokerSelector(bc())).toBe(
      'app.kubernetes.io/component=broker,app.kubernetes.io/name=skyrocket,skyrocket.dev/cluster=mq',
    );
  });

  it("gives brokers the NameServerCluster's DNS name, or the static list", () => {
    expect(brokerNameServerAddress(bc(), nsc)).toBe('dns:ns-headless.prod.svc.cluster.local:9876');
    expect(brokerNameServerAddress(bc(), undefined)).toBeUndefined();
    const fixed = bc({ nameServerRef: undefined, nameServerAddresses: '10.0.0.1:9876;10.0.0.2:9876' });
    expect(brokerNameServerAddress(fixed, undefined)).toBe('10.0.0.1:9876;10.0.0.2:9876');
    expect(nameServerRefOf(bc())).toEqual({ namespace: 'prod', name: 'ns' });
    expect(nameServerRefOf(bc({ nameServerRef: { name: 'shared', namespace: 'infra' } }))).toEqual({
      namespace: 'infra',
      name: 'shared',
    });
    expect(nameServerRefOf(fixed)).toBeUndefined();
  });
});

import type { NameServerCluster } from '../api';
import {
  nameServerChildren,
  nameServerDnsAddress,
  nameServerSelector,
  nameServerStatefulSet,
  type ChildStatefulSet,
} from './index';

function nsc(spec: Partial<NameServerCluster['spec']> = {}): NameServerCluster {
  return {
    apiVersion: 'skyrocket.dev/v1alpha1',
    kind: 'NameServerCluster',
    metadata: { name: 'ns', namespace: 'mq', uid: 'uid-ns' },
    spec: { replicas: 3, ports: { remoting: 9876, http: 8080 }, ...spec },
  };
}

const owner = {
  apiVersion: 'skyrocket.dev/v1alpha1',
  kind: 'NameServerCluster',
  name: 'ns',
  uid: 'uid-ns',
  controller: true,
  blockOwnerDeletion: true,
};
const selector = {
  'app.kubernetes.io/name': 'skyrocket',
  'app.kubernetes.io/component': 'nameserver',
  'skyrocket.dev/cluster': 'ns',
};
const labels = {
  ...selector,
  'app.kubernetes.io/instance': 'ns',
  'app.kubernetes.io/part-of': 'skyrocket',
  'app.kubernetes.io/managed-by': 'skyrocket-operator',
};
const ports = [
  { name: 'remoting', port: 9876, targetPort: 'remoting', protocol: 'TCP' },
  { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' },
];

describe('nameServerChildren', () => {
  it('builds the headless Service, client Service, StatefulSet and PDB, in apply order', () => {
    const children = nameServerChildren(nsc(), { defaultImage: 'skyrocket:test' });
    expect(children.map((c) => `${c.kind}/${c.metadata.name}`)).toEqual([
      'Service/ns-headless',
      'Service/ns',
      'StatefulSet/ns',
      'PodDisruptionBudget/ns',
    ]);
    const [headless, client, , pdb] = children;
    expect(headless).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ns-headless', namespace: 'mq', labels, ownerReferences: [owner] },
      spec: { clusterIP: 'None', publishNotReadyAddresses: false, selector, ports },
    });
    expect(client).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ns', namespace: 'mq', labels, ownerReferences: [owner] },
      spec: { type: 'ClusterIP', selector, ports },
    });
    expect(pdb).toEqual({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'ns', namespace: 'mq', labels, ownerReferences: [owner] },
      spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
    });
  });

  it('builds the exact StatefulSet', () => {
    const sts = nameServerChildren(nsc(), { defaultImage: 'skyrocket:test' })[2] as ChildStatefulSet;
    expect(sts).toEqual({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'ns', namespace: 'mq', labels, ownerReferences: [owner] },
      spec: {
        replicas: 3,
        serviceName: 'ns-headless',
        podManagementPolicy: 'Parallel',
        updateStrategy: { type: 'RollingUpdate' },
        selector: { matchLabels: selector },
        template: {
          metadata: {
            labels,
            annotations: {
              'prometheus.io/scrape': 'true',
              'prometheus.io/port': '8080',
              'prometheus.io/path': '/metrics',
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
            containers: [
              {
                name: 'nameserver',
                image: 'skyrocket:test',
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ['ALL'] },
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                args: ['nameserver'],
                env: [
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                  { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                  { name: 'SKYROCKET_NAMESERVER_LISTEN_PORT', value: '9876' },
                  { name: 'SKYROCKET_NAMESERVER_HTTP_PORT', value: '8080' },
                  {
                    name: 'SKYROCKET_NAMESERVER_NAME_SERVER_ADDRESSES',
                    value: 'dns:ns-headless.mq.svc.cluster.local:9876',
                  },
                ],
                ports: [
                  { name: 'remoting', containerPort: 9876, protocol: 'TCP' },
                  { name: 'http', containerPort: 8080, protocol: 'TCP' },
                ],
                startupProbe: {
                  httpGet: { path: '/healthz', port: 'http' },
                  periodSeconds: 2,
                  failureThreshold: 60,
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
              },
            ],
          },
        },
      },
    });
  });

  it('applies ports, image, resources, env and pod overrides from the spec', () => {
    const sts = nameServerStatefulSet(
      nsc({
        image: 'registry/skyrocket:1.2',
        imagePullPolicy: 'Always',
        imagePullSecrets: [{ name: 'pull' }],
        ports: { remoting: 19876, http: 18080 },
        resources: { requests: { cpu: '250m', memory: 512 }, limits: { memory: '1Gi' } },
        env: [
          { name: 'SKYROCKET_NAMESERVER_LOG_LEVEL', value: 'debug' },
          { name: 'SKYROCKET_NAMESERVER_HTTP_PORT', value: '9999' },
        ],
        pod: {
          labels: { team: 'mq' },
          annotations: { note: 'x' },
          nodeSelector: { disk: 'ssd' },
          tolerations: [{ key: 'dedicated', operator: 'Exists' }],
          priorityClassName: 'high',
          serviceAccountName: 'mq',
          terminationGracePeriodSeconds: 5,
          securityContext: { runAsUser: 10 },
          containerSecurityContext: { readOnlyRootFilesystem: true },
          affinity: {
            nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
          },
        },
      }),
    );
    const pod = sts.spec?.template.spec;
    const container = pod?.containers[0];
    expect(container?.image).toBe('registry/skyrocket:1.2');
    expect(container?.imagePullPolicy).toBe('Always');
    expect(container?.resources).toEqual({
      requests: { cpu: '250m', memory: '512' },
      limits: { memory: '1Gi' },
    });
    expect(container?.securityContext).toEqual({ readOnlyRootFilesystem: true });
    expect(container?.ports?.map((p) => p.containerPort)).toEqual([19876, 18080]);
    // The user's variable replaces the operator's in place; new ones are appended.
    expect(container?.env?.slice(3)).toEqual([
      { name: 'SKYROCKET_NAMESERVER_LISTEN_PORT', value: '19876' },
      { name: 'SKYROCKET_NAMESERVER_HTTP_PORT', value: '9999' },
      {
        name: 'SKYROCKET_NAMESERVER_NAME_SERVER_ADDRESSES',
        value: 'dns:ns-headless.mq.svc.cluster.local:19876',
      },
      { name: 'SKYROCKET_NAMESERVER_LOG_LEVEL', value: 'debug' },
    ]);
    expect(pod?.imagePullSecrets).toEqual([{ name: 'pull' }]);
    expect(pod?.nodeSelector).toEqual({ disk: 'ssd' });
    expect(pod?.tolerations).toEqual([{ key: 'dedicated', operator: 'Exists' }]);
    expect(pod?.priorityClassName).toBe('high');
    expect(pod?.serviceAccountName).toBe('mq');
    expect(pod?.terminationGracePeriodSeconds).toBe(5);
    expect(pod?.securityContext).toEqual({ runAsUser: 10 });
    expect(pod?.affinity?.nodeAffinity).toEqual({
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] },
    });
    expect(pod?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    expect(sts.spec?.template.metadata?.labels).toEqual({ team: 'mq', ...labels });
    expect(sts.spec?.template.metadata?.annotations).toMatchObject({
      note: 'x',
      'prometheus.io/port': '18080',
    });
  });

  it('falls back to the built-in image, and gives brokers a DNS address in the cluster domain', () => {
    expect(nameServerStatefulSet(nsc()).spec?.template.spec?.containers[0]?.image).toBe(
      'ghcr.io/skyrocket/skyrocket:0.1.0',
    );
    expect(nameServerDnsAddress(nsc(), { clusterDomain: 'corp.example' })).toBe(
      'dns:ns-headless.mq.svc.corp.example:9876',
    );
    expect(nameServerSelector(nsc())).toBe(
      'app.kubernetes.io/component=nameserver,app.kubernetes.io/name=skyrocket,skyrocket.dev/cluster=ns',
    );
  });
});

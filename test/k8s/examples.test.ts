/**
 * The manifests the README and docs tell users to `kubectl apply` are accepted by a real apiserver with the
 * generated CRDs installed, and `kubectl scale` works on the example's BrokerCluster as the README says.
 */
import * as path from 'node:path';
import { startControlPlane, type ControlPlane } from './harness/control-plane';

const ROOT = path.resolve(__dirname, '../..');

describe('docs/examples', () => {
  let plane: ControlPlane;

  beforeAll(async () => {
    plane = await startControlPlane();
    const crds = await plane.kubectl(['apply', '--server-side', '-f', path.join(ROOT, 'crds')]);
    expect(crds.stderr).toBe('');
    const established = await plane.kubectl([
      'wait',
      '--for=condition=Established',
      'crd/nameserverclusters.skyrocket.dev',
      'crd/brokerclusters.skyrocket.dev',
      'crd/topics.skyrocket.dev',
      'crd/consumergroups.skyrocket.dev',
      '--timeout=30s',
    ]);
    expect(established.code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await plane?.stop();
  });

  it('cluster.yaml applies as written, gets its defaults, and scales with kubectl scale', async () => {
    const applied = await plane.kubectl([
      'apply',
      '-n',
      'default',
      '-f',
      path.join(ROOT, 'docs/examples/cluster.yaml'),
    ]);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('nameservercluster.skyrocket.dev/demo-ns created');
    expect(applied.stdout).toContain('brokercluster.skyrocket.dev/demo created');

    const scaled = await plane.kubectl(['scale', '-n', 'default', 'brokercluster/demo', '--replicas=3']);
    expect(scaled.code).toBe(0);
    const got = await plane.kubectl(['get', '-n', 'default', 'bc/demo', '-o', 'json']);
    const cluster = JSON.parse(got.stdout) as {
      spec: { groups: number; replicasPerGroup: number; replicationMode?: string };
    };
    expect(cluster.spec.groups).toBe(3);
    expect(cluster.spec.replicasPerGroup).toBe(2);
    // Filled in by the CRD's defaults.
    expect(cluster.spec.replicationMode).toBe('ASYNC');
  });

  /** Applies docs/examples/<file> as written; the created object's spec as the apiserver stored it. */
  const applyExample = async (file: string, created: string, resource: string) => {
    const applied = await plane.kubectl([
      'apply',
      '-n',
      'default',
      '-f',
      path.join(ROOT, 'docs/examples', file),
    ]);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain(`${created} created`);
    const got = await plane.kubectl(['get', '-n', 'default', resource, '-o', 'json']);
    return (JSON.parse(got.stdout) as { spec: Record<string, unknown> }).spec;
  };

  it('topic.yaml applies as written and gets its defaults', async () => {
    expect(await applyExample('topic.yaml', 'topic.skyrocket.dev/orders', 'rmqtopic/orders')).toEqual({
      clusterRef: { name: 'demo' },
      topicName: 'Orders',
      readQueueNums: 8,
      writeQueueNums: 8,
      perm: 'read-write',
      order: false,
      messageType: 'NORMAL',
    });
  });

  it('consumer-group.yaml applies as written and gets RocketMQ’s defaults', async () => {
    expect(
      await applyExample('consumer-group.yaml', 'consumergroup.skyrocket.dev/billing', 'rmqgroup/billing'),
    ).toEqual({
      clusterRef: { name: 'demo' },
      groupName: 'Billing',
      consumeEnable: true,
      consumeFromMinEnable: true,
      consumeBroadcastEnable: true,
      consumeMessageOrderly: false,
      retryQueueNums: 1,
      retryMaxTimes: 5,
      brokerId: 0,
      whichBrokerWhenConsumeSlowly: 1,
      notifyConsumerIdsChangedEnable: true,
    });
  });
});

import { silentLogger } from '@skyrocket/common';
import { FakeClock } from '../../../common/src/testing/fake-clock';
import { KubeApiError, type KubeClient } from './kube-client';
import { LeaderElector } from './leader-election';
import type { KubeObject } from './types';

/** One Lease in memory with the apiserver's optimistic concurrency (resourceVersion) and AlreadyExists. */
class LeaseStore {
  lease: (KubeObject & { spec?: Record<string, unknown> }) | undefined;
  #version = 0;

  client(replica: { down: boolean }): KubeClient {
    const check = () => {
      if (replica.down) throw new Error('connection refused');
    };
    const fake = {
      find: async () => {
        check();
        return this.lease ? structuredClone(this.lease) : undefined;
      },
      create: async (_type: unknown, object: KubeObject) => {
        check();
        if (this.lease) throw new KubeApiError(409, 'AlreadyExists', 'exists');
        this.lease = {
          ...structuredClone(object),
          metadata: { ...object.metadata, resourceVersion: String(++this.#version) },
        };
        return this.lease;
      },
      replace: async (_type: unknown, object: KubeObject) => {
        check();
        if (object.metadata.resourceVersion !== this.lease?.metadata.resourceVersion)
          throw new KubeApiError(409, 'Conflict', 'the object has been modified');
        this.lease = {
          ...structuredClone(object),
          metadata: { ...object.metadata, resourceVersion: String(++this.#version) },
        };
        return this.lease;
      },
    };
    return fake as unknown as KubeClient;
  }
}

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

function replica(store: LeaseStore, clock: FakeClock, identity: string) {
  const state = { down: false, leading: false, changes: [] as string[] };
  const elector = new LeaderElector({
    client: store.client(state),
    namespace: 'ops',
    leaseName: 'op',
    identity,
    clock,
    logger: silentLogger(),
    onStartedLeading: () => {
      state.leading = true;
      state.changes.push('started');
    },
    onStoppedLeading: () => {
      state.leading = false;
      state.changes.push('stopped');
    },
  });
  return { elector, state };
}

/** Advances time in 500 ms steps, letting each attempt's promises settle; checks there is never a split brain. */
async function run(clock: FakeClock, ms: number, replicas: Array<{ state: { leading: boolean } }>) {
  for (let t = 0; t < ms; t += 500) {
    clock.advance(500);
    await flush();
    expect(replicas.filter((r) => r.state.leading).length).toBeLessThanOrEqual(1);
  }
}

describe('LeaderElector', () => {
  it('elects one leader and keeps it while it renews', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    const a = replica(store, clock, 'a');
    const b = replica(store, clock, 'b');
    a.elector.start();
    await run(clock, 500, [a, b]);
    b.elector.start();
    await run(clock, 30_000, [a, b]);
    expect(a.state.leading).toBe(true);
    expect(b.state.leading).toBe(false);
    expect(store.lease?.spec).toMatchObject({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
    });
  });

  it('a leader that cannot renew steps down after renewDeadline; the standby takes over after leaseDuration', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    const a = replica(store, clock, 'a');
    const b = replica(store, clock, 'b');
    a.elector.start();
    await run(clock, 500, [a, b]);
    b.elector.start();
    await run(clock, 4_000, [a, b]);
    a.state.down = true;
    await run(clock, 10_500, [a, b]);
    expect(a.state.changes).toEqual(['started', 'stopped']);
    expect(b.state.leading).toBe(false);
    await run(clock, 8_000, [a, b]);
    expect(b.state.leading).toBe(true);
    expect(store.lease?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });

  it('releases the Lease on stop, so the standby takes over within one retry period', async () => {
    const clock = new FakeClock();
    const store = new LeaseStore();
    const a = replica(store, clock, 'a');
    const b = replica(store, clock, 'b');
    a.elector.start();
    await run(clock, 500, [a, b]);
    b.elector.start();
    await run(clock, 3_000, [a, b]);
    await a.elector.stop();
    expect(a.state.changes).toEqual(['started', 'stopped']);
    expect(store.lease?.spec?.['holderIdentity']).toBeNull();
    await run(clock, 2_500, [a, b]);
    expect(b.state.leading).toBe(true);
  });
});

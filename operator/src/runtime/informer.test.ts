import { silentLogger } from '@skyrocket/common';
import { FakeClock } from '../../../common/src/testing/fake-clock';
import { Informer } from './informer';
import type { KubeClient, WatchEventType } from './kube-client';
import { Resources } from './resources';
import type { KubeObject } from './types';

const obj = (name: string, rv: string): KubeObject => ({
  metadata: { name, namespace: 'ns', resourceVersion: rv },
});

/** A client whose list answers from `items` (or fails) and whose watches the test drives by hand. */
class FakeApi {
  items: KubeObject[] = [];
  listVersion = '10';
  listFails = false;
  lists = 0;
  watches: Array<{
    query: Record<string, unknown>;
    onEvent: (type: WatchEventType, object: KubeObject) => void;
    onEnd: (error?: Error) => void;
  }> = [];

  client(): KubeClient {
    return {
      list: async () => {
        this.lists++;
        if (this.listFails) throw new Error('apiserver down');
        return { metadata: { resourceVersion: this.listVersion }, items: structuredClone(this.items) };
      },
      watch: (
        _type: unknown,
        _ns: unknown,
        query: Record<string, unknown>,
        onEvent: (type: WatchEventType, object: KubeObject) => void,
        onEnd: (error?: Error) => void,
      ) => {
        this.watches.push({ query, onEvent, onEnd });
        return { abort: () => undefined };
      },
    } as unknown as KubeClient;
  }

  get lastWatch() {
    const watch = this.watches.at(-1);
    if (!watch) throw new Error('no watch');
    return watch;
  }
}

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

function setup() {
  const clock = new FakeClock();
  const api = new FakeApi();
  const seen: string[] = [];
  const informer = new Informer<KubeObject>({
    client: api.client(),
    type: Resources.StatefulSet,
    clock,
    logger: silentLogger(),
    backoffInitialMs: 1000,
    backoffMaxMs: 8000,
    resyncPeriodMs: 60_000,
  });
  informer.addHandlers({
    add: (o) => seen.push(`add ${o.metadata.name}`),
    update: (_, o) => seen.push(`update ${o.metadata.name}`),
    delete: (o) => seen.push(`delete ${o.metadata.name}`),
  });
  return { clock, api, seen, informer };
}

describe('Informer', () => {
  it('lists, then watches from the list resource version, keeping the cache current', async () => {
    const { api, seen, informer } = setup();
    api.items = [obj('a', '5')];
    informer.start();
    await flush();
    expect(informer.hasSynced).toBe(true);
    expect(api.lastWatch.query['resourceVersion']).toBe('10');
    api.lastWatch.onEvent('ADDED', obj('b', '11'));
    api.lastWatch.onEvent('MODIFIED', obj('a', '12'));
    api.lastWatch.onEvent('DELETED', obj('b', '13'));
    api.lastWatch.onEvent('BOOKMARK', { metadata: { name: '', resourceVersion: '20' } });
    expect(seen).toEqual(['add a', 'add b', 'update a', 'delete b']);
    expect(informer.list().map((o) => o.metadata.name)).toEqual(['a']);
    // The server's watch timeout: re-watch at once from the last version seen.
    api.lastWatch.onEnd();
    expect(api.watches).toHaveLength(2);
    expect(api.lastWatch.query['resourceVersion']).toBe('20');
    informer.stop();
  });

  it('backs off exponentially while listing fails, then relists and reports what changed meanwhile', async () => {
    const { clock, api, seen, informer } = setup();
    api.items = [obj('a', '1'), obj('b', '1')];
    informer.start();
    await flush();
    api.listFails = true;
    api.lastWatch.onEnd(new Error('stream broken'));
    await flush();
    expect(api.lists).toBe(1);
    clock.advance(1000);
    await flush();
    expect(api.lists).toBe(2);
    clock.advance(1999);
    await flush();
    expect(api.lists).toBe(2);
    clock.advance(1);
    await flush();
    expect(api.lists).toBe(3);
    expect(informer.consecutiveFailures).toBe(3);
    api.listFails = false;
    api.items = [obj('a', '2'), obj('c', '1')];
    clock.advance(4000);
    await flush();
    expect(informer.consecutiveFailures).toBe(0);
    expect(seen.slice(2)).toEqual(['update a', 'add c', 'delete b']);
    expect(informer.state).toBe('WATCHING');
    informer.stop();
  });

  it('relists at once on 410 Gone, and resyncs every object periodically', async () => {
    const { clock, api, seen, informer } = setup();
    api.items = [obj('a', '1')];
    informer.start();
    await flush();
    api.lastWatch.onEvent('ERROR', {
      code: 410,
      message: 'too old resource version',
    } as unknown as KubeObject);
    await flush();
    expect(api.lists).toBe(2);
    clock.advance(60_000);
    await flush();
    expect(seen).toEqual(['add a', 'update a']);
    informer.stop();
  });
});

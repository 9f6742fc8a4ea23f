import { decodeRecord, MessageConst } from '@skyrocket/remoting/message';

import { FakeClock } from '../../../common/src/testing/fake-clock';
import { messageStoreContract } from '../testing/message-store.contract';
import { messageToStore, uniqueTopic } from '../testing/messages';
import { MemoryMessageStore } from './memory-message-store';

const STORE_HOST = { address: '10.0.0.1', port: 10911 };

messageStoreContract('MemoryMessageStore', ({ clock, storeHost }) =>
  Promise.resolve(new MemoryMessageStore({ storeHost, clock })),
);

describe('MemoryMessageStore', () => {
  let clock: FakeClock;
  let store: MemoryMessageStore;

  beforeEach(async () => {
    clock = new FakeClock();
    store = new MemoryMessageStore({ storeHost: STORE_HOST, clock });
    await store.start();
  });

  it('refuses puts before start and cannot start twice', async () => {
    const fresh = new MemoryMessageStore({ storeHost: STORE_HOST, clock });
    expect((await fresh.putMessage(messageToStore({ topic: uniqueTopic('early') }))).status).toBe(
      'SERVICE_NOT_AVAILABLE',
    );
    await fresh.start();
    await expect(fresh.start()).rejects.toThrow(/cannot start/);
  });

  it('applies maxMessageBytes to the whole record', async () => {
    const small = new MemoryMessageStore({ storeHost: STORE_HOST, clock, maxMessageBytes: 200 });
    await small.start();
    const topic = uniqueTopic('small_limit');
    const fits = messageToStore({ topic, body: Buffer.alloc(0), properties: '' });
    const size = (await small.putMessage(fits)).append?.wroteBytes ?? 0;
    const limit = new MemoryMessageStore({ storeHost: STORE_HOST, clock, maxMessageBytes: size });
    await limit.start();
    expect((await limit.putMessage(fits)).status).toBe('PUT_OK');
    const oneMore = messageToStore({ topic, body: Buffer.alloc(1), properties: '' });
    expect((await limit.putMessage(oneMore)).status).toBe('MESSAGE_ILLEGAL');
  });

  it('answers MESSAGE_ILLEGAL for what the record cannot hold', async () => {
    const topic = uniqueTopic('bad_fields');
    const badHost = await store.putMessage(
      messageToStore({ topic, bornHost: { address: 'nowhere', port: 1 } }),
    );
    expect(badHost).toMatchObject({
      status: 'MESSAGE_ILLEGAL',
      remark: expect.stringMatching(/IP address/) as string,
    });
    const longTopic = await store.putMessage(messageToStore({ topic: 't'.repeat(0x8000) }));
    expect(longTopic.status).toBe('MESSAGE_ILLEGAL');
    expect(store.getMaxPhyOffset()).toBe(0);
  });

  it('hands out copies, so a caller cannot change what is stored', async () => {
    const topic = uniqueTopic('copies');
    await store.putMessage(messageToStore({ topic, body: Buffer.from('original') }));
    const [pulled] = (await store.getMessage(topic, 0, 0, { maxMessages: 1 })).records;
    pulled?.fill(0);
    const [again] = (await store.getMessage(topic, 0, 0, { maxMessages: 1 })).records;
    expect(decodeRecord(again ?? Buffer.alloc(0)).body.toString()).toBe('original');
  });

  it('indexes a key once per message even when KEYS repeats it', async () => {
    const topic = uniqueTopic('repeated_key');
    await store.putMessage(messageToStore({ topic, properties: { [MessageConst.PROPERTY_KEYS]: 'k k  k' } }));
    expect(await store.queryMessage(topic, 'k', 32, 0, Number.MAX_SAFE_INTEGER)).toHaveLength(1);
  });

  it('removes every record that starts below a non-boundary retention offset', async () => {
    const topic = uniqueTopic('mid_record');
    const first = (await store.putMessage(messageToStore({ topic }))).append;
    const second = (await store.putMessage(messageToStore({ topic }))).append;
    await store.deleteMessagesBefore((first?.wroteOffset ?? 0) + 1);
    expect(store.getMinPhyOffset()).toBe(second?.wroteOffset);
    expect(store.getMinOffsetInQueue(topic, 0)).toBe(1);
    await expect(store.deleteMessagesBefore(-1)).rejects.toThrow(RangeError);
  });
});

import { LitePullConsumer, Producer, PushConsumer } from '@skyrocket/client';

/**
 * Short-lived clients for one command: started, used, and always shut down (also when the command fails), so a
 * finished command leaves no socket or timer behind.
 */
export async function withProducer<T>(
  namesrvAddr: string,
  options: { group?: string; sendMsgTimeoutMillis?: number },
  use: (producer: Producer) => Promise<T>,
): Promise<T> {
  const producer = new Producer({
    namesrvAddr,
    group: options.group ?? 'skyrocket_cli_producer',
    ...(options.sendMsgTimeoutMillis === undefined
      ? {}
      : { sendMsgTimeoutMillis: options.sendMsgTimeoutMillis }),
  });
  await producer.start();
  try {
    return await use(producer);
  } finally {
    await producer.shutdown();
  }
}

/** A lite pull consumer on every readable queue of `topic`, positioned at its first or last offset. */
export async function withAssignedConsumer<T>(
  namesrvAddr: string,
  options: { group: string; topic: string; tags: string; from: 'first' | 'last' },
  use: (consumer: LitePullConsumer) => Promise<T>,
): Promise<T> {
  const consumer = new LitePullConsumer({
    namesrvAddr,
    group: options.group,
    // Reading must not move any group's progress.
    autoCommit: false,
    consumeFromWhere: options.from === 'first' ? 'FIRST_OFFSET' : 'LAST_OFFSET',
    pullBatchSize: 32,
  });
  await consumer.start();
  try {
    const queues = await consumer.fetchMessageQueues(options.topic);
    await consumer.assign(queues, options.tags);
    for (const queue of queues) {
      if (options.from === 'first') await consumer.seekToBegin(queue);
      else await consumer.seekToEnd(queue);
    }
    return await use(consumer);
  } finally {
    await consumer.shutdown();
  }
}

export type { PushConsumer };

/** A started push consumer; the caller shuts it down. */
export async function startPushConsumer(
  namesrvAddr: string,
  options: { group: string; topic: string; tags: string; from: 'first' | 'last' },
  onMessages: Parameters<PushConsumer['onMessages']>[0],
): Promise<PushConsumer> {
  const consumer = new PushConsumer({
    namesrvAddr,
    group: options.group,
    consumeFromWhere: options.from === 'first' ? 'FIRST_OFFSET' : 'LAST_OFFSET',
    consumeMessageBatchMaxSize: 32,
    pullBatchSize: 32,
  });
  consumer.subscribe(options.topic, options.tags);
  consumer.onMessages(onMessages);
  await consumer.start();
  return consumer;
}

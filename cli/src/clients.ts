import { Producer } from '@skyrocket/client';

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

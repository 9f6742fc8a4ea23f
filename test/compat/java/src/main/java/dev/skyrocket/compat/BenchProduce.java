package dev.skyrocket.compat;

import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * Benchmark load generator with the Java client: async sends of `size`-byte bodies keeping `inFlight` sends
 * outstanding (a semaphore, as RocketMQ's example benchmark Producer bounds its threads), for `warmup` then
 * `seconds` seconds; optionally a push consumer in the same JVM measuring end-to-end latency (receive time minus
 * the message's born timestamp). Prints one "summary" JSON line: sends/s, p50/p99/p999 send latency in µs, errors,
 * and the end-to-end percentiles in ms.
 *
 * Args: namesrvAddr topic inFlight size warmupSeconds seconds withConsumer(true|false)
 */
public final class BenchProduce {
    public static void main(String[] args) throws Exception {
        if (args.length < 7) {
            System.err.println("usage: BenchProduce namesrvAddr topic inFlight size warmupSeconds seconds withConsumer");
            System.exit(Common.EXIT_USAGE);
        }
        String namesrv = args[0];
        String topic = args[1];
        int inFlight = Integer.parseInt(args[2]);
        int size = Integer.parseInt(args[3]);
        long warmupMs = Long.parseLong(args[4]) * 1000;
        long measureMs = Long.parseLong(args[5]) * 1000;
        boolean withConsumer = Boolean.parseBoolean(args[6]);

        DefaultMQProducer producer = new DefaultMQProducer("BenchProducerGroup");
        producer.setNamesrvAddr(namesrv);
        producer.setSendMsgTimeout(10_000);
        producer.setMaxMessageSize(Math.max(4 * 1024 * 1024, size * 2));
        producer.start();
        // Make sure the topic exists (auto-created through TBW102) before measuring.
        byte[] body = new byte[size];
        Arrays.fill(body, (byte) 'x');
        for (int i = 0; i < 10; i++) {
            producer.send(new Message(topic, "TagA", body));
        }

        // The topic now exists, so the consumer finds its route at once (not at the next 30 s refresh).
        ConcurrentLinkedQueue<Long> endToEnd = new ConcurrentLinkedQueue<>();
        DefaultMQPushConsumer consumer = null;
        final long[] measureWindow = new long[2];
        if (withConsumer) {
            consumer = new DefaultMQPushConsumer("BenchConsumerGroup_" + topic);
            consumer.setNamesrvAddr(namesrv);
            consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET);
            consumer.setConsumeThreadMin(4);
            consumer.setConsumeThreadMax(4);
            consumer.subscribe(topic, "*");
            consumer.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
                long now = System.currentTimeMillis();
                for (MessageExt m : msgs) {
                    if (m.getBornTimestamp() >= measureWindow[0] && measureWindow[0] > 0 && (measureWindow[1] == 0 || m.getBornTimestamp() <= measureWindow[1])) {
                        endToEnd.add(now - m.getBornTimestamp());
                    }
                }
                return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
            });
            consumer.start();
        }

        Semaphore permits = new Semaphore(inFlight);
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long[] latencies = new long[8_000_000];
        AtomicLong count = new AtomicLong();
        long start = System.currentTimeMillis();
        long measureStart = start + warmupMs;
        long end = measureStart + measureMs;
        measureWindow[0] = measureStart;
        measureWindow[1] = end;
        while (System.currentTimeMillis() < end) {
            permits.acquire();
            final long sentAt = System.nanoTime();
            final boolean measured = System.currentTimeMillis() >= measureStart;
            producer.send(new Message(topic, "TagA", body), new SendCallback() {
                @Override
                public void onSuccess(SendResult result) {
                    if (measured) {
                        if (result.getSendStatus() == SendStatus.SEND_OK) {
                            ok.incrementAndGet();
                            long i = count.getAndIncrement();
                            if (i < latencies.length) {
                                latencies[(int) i] = (System.nanoTime() - sentAt) / 1000;
                            }
                        } else {
                            errors.incrementAndGet();
                        }
                    }
                    permits.release();
                }

                @Override
                public void onException(Throwable e) {
                    if (measured) {
                        errors.incrementAndGet();
                    }
                    permits.release();
                }
            });
        }
        permits.acquire(inFlight);
        double seconds = measureMs / 1000.0;
        int n = (int) Math.min(count.get(), latencies.length);
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        if (consumer != null) {
            long deadline = System.currentTimeMillis() + 15_000;
            while (System.currentTimeMillis() < deadline && endToEnd.size() < ok.get() * 0.99) {
                Thread.sleep(100);
            }
        }
        long[] e2e = endToEnd.stream().mapToLong(Long::longValue).sorted().toArray();
        Common.emit(Common.obj(
            "event", "summary",
            "sendsPerSecond", Math.round(ok.get() / seconds),
            "errors", errors.get(),
            "p50Micros", pct(sorted, 50),
            "p99Micros", pct(sorted, 99),
            "p999Micros", pct(sorted, 99.9),
            "endToEndCount", e2e.length,
            "endToEndP50Ms", pct(e2e, 50),
            "endToEndP99Ms", pct(e2e, 99)));
        producer.shutdown();
        if (consumer != null) {
            consumer.shutdown();
        }
        System.exit(0);
    }

    private static long pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        int rank = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100.0 * sorted.length) - 1));
        return sorted[rank];
    }
}

package dev.skyrocket.compat;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.rocketmq.common.BrokerConfig;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.message.MessageAccessor;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.common.message.MessageExtBrokerInner;
import org.apache.rocketmq.store.DefaultMessageStore;
import org.apache.rocketmq.store.PutMessageResult;
import org.apache.rocketmq.store.config.MessageStoreConfig;
import org.apache.rocketmq.store.stats.BrokerStatsManager;

/**
 * ApacheStoreBench storeDir bytes threads
 *
 * <p>The peer of bench/store's ASYNC_FLUSH phase: Apache RocketMQ's own message store (DefaultMessageStore with the
 * default MessageStoreConfig: ASYNC_FLUSH every 500 ms, 1 GiB memory-mapped commit-log files, no warm-up) fed the
 * same records, 1 KiB bodies with a TAGS property on 8 queues of one topic, the way SendMessageProcessor builds them
 * (a properties map and its string per message), by {@code threads} threads calling putMessage until the commit log
 * holds {@code bytes}. Then one flush of everything (DefaultMessageStore.flush, as the shutdown's final flush).
 * Prints one "summary" line: messages, bytes, fill and flush seconds. The store's shutdown (which waits a fixed 3 s
 * for its services) is not timed.
 */
public final class ApacheStoreBench {
    private static final String PROGRAM = "ApacheStoreBench";
    private static final String TOPIC = "BenchTopic";

    private ApacheStoreBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            Common.usage(PROGRAM, "storeDir bytes threads");
        }
        String dir = args[0];
        long bytes = Long.parseLong(args[1]);
        int threads = Common.parseInt(PROGRAM, "threads", args[2]);
        Common.startWatchdog(PROGRAM, Common.budgetMillis(600_000));

        MessageStoreConfig config = new MessageStoreConfig();
        config.setStorePathRootDir(dir);
        config.setStorePathCommitLog(dir + "/commitlog");
        BrokerConfig brokerConfig = new BrokerConfig();
        ConcurrentMap<String, TopicConfig> topics = new ConcurrentHashMap<>();
        topics.put(TOPIC, new TopicConfig(TOPIC, 8, 8));
        DefaultMessageStore store =
            new DefaultMessageStore(config, new BrokerStatsManager(brokerConfig), null, brokerConfig, topics);
        if (!store.load()) {
            Common.fail(PROGRAM, Common.EXIT_FAILED, "store load failed in " + dir, null);
        }
        store.start();

        byte[] body = new byte[1024];
        Arrays.fill(body, (byte) 'a');
        Map<String, String> properties = new HashMap<>();
        properties.put(MessageConst.PROPERTY_TAGS, "TagA");
        String propertiesString = MessageDecoder.messageProperties2String(properties);
        long tagsCode = MessageExtBrokerInner.tagsString2tagsCode("TagA");
        InetSocketAddress bornHost = new InetSocketAddress("127.0.0.1", 50000);
        InetSocketAddress storeHost = new InetSocketAddress("127.0.0.1", 10911);
        AtomicLong count = new AtomicLong();
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<String> failure = new AtomicReference<>();

        long started = System.nanoTime();
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            final int queueId = t % 8;
            workers[t] = new Thread(() -> {
                while (!done.get()) {
                    MessageExtBrokerInner message = new MessageExtBrokerInner();
                    message.setTopic(TOPIC);
                    message.setQueueId(queueId);
                    message.setBody(body);
                    MessageAccessor.setProperties(message, new HashMap<>(properties));
                    message.setPropertiesString(propertiesString);
                    message.setTagsCode(tagsCode);
                    message.setBornTimestamp(System.currentTimeMillis());
                    message.setBornHost(bornHost);
                    message.setStoreHost(storeHost);
                    PutMessageResult result = store.putMessage(message);
                    if (!result.isOk()) {
                        failure.compareAndSet(null, String.valueOf(result.getPutMessageStatus()));
                        done.set(true);
                        return;
                    }
                    count.incrementAndGet();
                    if (store.getMaxPhyOffset() >= bytes) {
                        done.set(true);
                    }
                }
            });
            workers[t].start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
        long filled = System.nanoTime();
        store.flush();
        long flushed = System.nanoTime();
        if (failure.get() != null) {
            Common.fail(PROGRAM, Common.EXIT_FAILED, "putMessage answered " + failure.get(), null);
        }
        Common.emit(Common.obj(
            "event", "summary",
            "messages", count.get(),
            "bytes", store.getMaxPhyOffset(),
            "threads", threads,
            "fillSeconds", (filled - started) / 1e9,
            "flushSeconds", (flushed - filled) / 1e9));
        Common.bounded("store-shutdown", 30_000, store::shutdown);
        System.exit(0);
    }
}

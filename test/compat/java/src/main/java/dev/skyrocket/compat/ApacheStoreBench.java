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
import org.apache.rocketmq.store.PutMessageStatus;
import org.apache.rocketmq.store.config.FlushDiskType;
import org.apache.rocketmq.store.config.MessageStoreConfig;
import org.apache.rocketmq.store.stats.BrokerStatsManager;

/**
 * ApacheStoreBench storeDir bytes threads [syncSeconds]
 *
 * <p>The peer of bench/store's ASYNC_FLUSH phase: Apache RocketMQ's own message store (DefaultMessageStore with the
 * default MessageStoreConfig: ASYNC_FLUSH every 500 ms, 1 GiB memory-mapped commit-log files, no warm-up) fed the
 * same records, 1 KiB bodies with a TAGS property on 8 queues of one topic, the way SendMessageProcessor builds them
 * (a properties map and its string per message), by {@code threads} threads calling putMessage until the commit log
 * holds {@code bytes}. Then one flush of everything (DefaultMessageStore.flush, as the shutdown's final flush).
 * Prints one "summary" line: messages, bytes, fill and flush seconds. The store's shutdown (which waits a fixed 3 s
 * for its services) is not timed.
 *
 * <p>With {@code syncSeconds}, the peer of the SYNC_FLUSH phase instead: the store in SYNC_FLUSH (its
 * GroupCommitService, syncFlushTimeout 5 s), {@code threads} threads each putting the same records one at a time for
 * that many seconds ({@code bytes} is then only a safety cap). The summary line then has messages, seconds, the p50
 * and p99 put latency in ms, and how many puts answered FLUSH_DISK_TIMEOUT.
 */
public final class ApacheStoreBench {
    private static final String PROGRAM = "ApacheStoreBench";
    private static final String TOPIC = "BenchTopic";

    private ApacheStoreBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3 && args.length != 4) {
            Common.usage(PROGRAM, "storeDir bytes threads [syncSeconds]");
        }
        String dir = args[0];
        long bytes = Long.parseLong(args[1]);
        int threads = Common.parseInt(PROGRAM, "threads", args[2]);
        int syncSeconds = args.length == 4 ? Common.parseInt(PROGRAM, "syncSeconds", args[3]) : 0;
        Common.startWatchdog(PROGRAM, Common.budgetMillis(600_000));

        MessageStoreConfig config = new MessageStoreConfig();
        if (syncSeconds > 0) {
            config.setFlushDiskType(FlushDiskType.SYNC_FLUSH);
        }
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
        AtomicLong flushTimeouts = new AtomicLong();
        long[][] latencies = new long[threads][];
        int[] latencyCounts = new int[threads];

        long started = System.nanoTime();
        long deadline = started + syncSeconds * 1_000_000_000L;
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            final int queueId = t % 8;
            final int worker = t;
            // Room for 5,000 puts a second per thread, far above what one thread waiting on each flush reaches.
            latencies[t] = new long[syncSeconds * 5_000];
            workers[t] = new Thread(() -> {
                while (!done.get()) {
                    long putStarted = System.nanoTime();
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
                    if (result.getPutMessageStatus() == PutMessageStatus.FLUSH_DISK_TIMEOUT) {
                        flushTimeouts.incrementAndGet();
                    } else if (!result.isOk()) {
                        failure.compareAndSet(null, String.valueOf(result.getPutMessageStatus()));
                        done.set(true);
                        return;
                    }
                    count.incrementAndGet();
                    long now = System.nanoTime();
                    if (syncSeconds > 0) {
                        if (latencyCounts[worker] < latencies[worker].length) {
                            latencies[worker][latencyCounts[worker]++] = now - putStarted;
                        }
                        if (now >= deadline) {
                            done.set(true);
                        }
                    }
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
        if (syncSeconds > 0) {
            if (failure.get() != null) {
                Common.fail(PROGRAM, Common.EXIT_FAILED, "putMessage answered " + failure.get(), null);
            }
            long[] all = new long[Arrays.stream(latencyCounts).sum()];
            int at = 0;
            for (int t = 0; t < threads; t++) {
                System.arraycopy(latencies[t], 0, all, at, latencyCounts[t]);
                at += latencyCounts[t];
            }
            Arrays.sort(all);
            Common.emit(Common.obj(
                "event", "summary",
                "messages", count.get(),
                "threads", threads,
                "seconds", (filled - started) / 1e9,
                "p50Ms", percentileMillis(all, 50),
                "p99Ms", percentileMillis(all, 99),
                "flushTimeouts", flushTimeouts.get()));
            Common.bounded("store-shutdown", 30_000, store::shutdown);
            System.exit(0);
        }
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

    /** The nearest-rank percentile of sorted nanosecond latencies, in milliseconds. */
    private static double percentileMillis(long[] sorted, int percent) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e6;
    }
}

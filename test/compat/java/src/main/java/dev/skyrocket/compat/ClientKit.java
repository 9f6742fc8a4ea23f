package dev.skyrocket.compat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.impl.consumer.ProcessQueue;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageClientExt;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.remoting.protocol.heartbeat.SubscriptionData;

/**
 * Helpers shared by the client-scenario programs (SendVariants, PushConsumers, LitePull, OrderlyConsume): how a
 * message is printed, which queues a push consumer currently owns, and bounded polling.
 *
 * <p>A received message is printed with everything a test needs to compare it exactly with what was sent: the body
 * as base64 (bodies may be binary or compressed on the wire), tags, keys, flag and every property.
 */
final class ClientKit {
    /** User property carrying a message's test id ("sync-3", "batch-0", "A-17", ...). */
    static final String ID_PROPERTY = "sr_id";

    private ClientKit() {
    }

    static String b64(byte[] bytes) {
        return bytes == null ? null : Base64.getEncoder().encodeToString(bytes);
    }

    static String utf8(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    /** The properties of a message as a sorted map (a copy). */
    static Map<String, Object> properties(Message m) {
        Map<String, Object> props = new TreeMap<>();
        if (m.getProperties() != null) {
            props.putAll(m.getProperties());
        }
        return props;
    }

    /** A received message as a "message" event; {@code consumer} names the receiving consumer. */
    static Map<String, Object> received(int consumer, MessageExt m) {
        return Common.obj(
            "event", "message",
            "consumer", consumer,
            "id", m.getUserProperty(ID_PROPERTY),
            "topic", m.getTopic(),
            "tags", m.getTags(),
            "keys", m.getKeys(),
            "flag", m.getFlag(),
            "body", utf8(m.getBody()),
            "bodyB64", b64(m.getBody()),
            "properties", properties(m),
            "msgId", m.getMsgId(),
            "offsetMsgId", m instanceof MessageClientExt ? ((MessageClientExt) m).getOffsetMsgId() : null,
            "brokerName", m.getBrokerName(),
            "queueId", m.getQueueId(),
            "queueOffset", m.getQueueOffset(),
            "commitLogOffset", m.getCommitLogOffset(),
            "sysFlag", m.getSysFlag(),
            "reconsumeTimes", m.getReconsumeTimes(),
            "bornTimestamp", m.getBornTimestamp(),
            "storeTimestamp", m.getStoreTimestamp(),
            "at", System.currentTimeMillis());
    }

    /** Queue ids of {@code topic} a push consumer currently holds (process queues not dropped), sorted. */
    static Set<Integer> assignment(DefaultMQPushConsumer consumer, String topic) {
        Set<Integer> ids = new TreeSet<>();
        for (Map.Entry<MessageQueue, ProcessQueue> e : consumer.getDefaultMQPushConsumerImpl().getRebalanceImpl()
            .getProcessQueueTable().entrySet()) {
            if (e.getKey().getTopic().equals(topic) && !e.getValue().isDropped()) {
                ids.add(e.getKey().getQueueId());
            }
        }
        return ids;
    }

    /**
     * Sends a heartbeat with the consumer's current subscriptions now, retrying while another heartbeat holds the
     * client's heartbeat lock (at most until {@code deadline}).
     *
     * <p>Why: a rebalance that changes a push consumer's queues sets a new subVersion on its subscription and sends
     * a heartbeat, but only if it gets the client's heartbeat lock. The client's periodic heartbeat fires 1 s after
     * start, exactly when the first real rebalance runs (RebalanceService waits minInterval = 1 s), and when it
     * wins the lock with the old subVersion the broker answers every pull SUBSCRIPTION_NOT_LATEST until the next
     * heartbeat, up to 30 s later. Apache RocketMQ's broker behaves the same (apache/rocketmq#3434, #2738); the
     * programs call this after a rebalance so that tests do not wait out that client race.
     */
    static void heartbeat(DefaultMQPushConsumer consumer, String topic, long deadline) {
        // The rebalance publishes the new queues before it sets the new subVersion, so one heartbeat right after
        // the queues show up may still carry the old one: repeat until the version sent is the current one and
        // has stayed so for a second.
        long sent = Long.MIN_VALUE;
        long stableSince = System.currentTimeMillis();
        while (System.currentTimeMillis() < deadline) {
            long version = subVersion(consumer, topic);
            if (version != sent) {
                if (consumer.getDefaultMQPushConsumerImpl().getmQClientFactory().sendHeartbeatToAllBrokerWithLock()) {
                    sent = version;
                }
                stableSince = System.currentTimeMillis();
            } else if (System.currentTimeMillis() - stableSince >= 1_000) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static long subVersion(DefaultMQPushConsumer consumer, String topic) {
        SubscriptionData data = consumer.getDefaultMQPushConsumerImpl().getRebalanceImpl().getSubscriptionInner()
            .get(topic);
        return data == null ? 0 : data.getSubVersion();
    }

    /**
     * Polls the NameServer through a started {@code producer} until {@code topic} has a route, or the deadline passes.
     * A broker registers a topic it just auto-created shortly after the send that created it: a consumer started in
     * between finds no queues until its next rebalance, ~20 s later.
     */
    static boolean awaitRoute(DefaultMQProducer producer, String topic, long deadline) {
        while (System.currentTimeMillis() < deadline) {
            try {
                if (!producer.fetchPublishMessageQueues(topic).isEmpty()) {
                    return true;
                }
            } catch (Exception notYet) {
                // no route yet
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /** Messages pulled by a push consumer and not yet consumed, over all its process queues. */
    static long pending(DefaultMQPushConsumer consumer) {
        long n = 0;
        for (ProcessQueue pq : consumer.getDefaultMQPushConsumerImpl().getRebalanceImpl().getProcessQueueTable()
            .values()) {
            n += pq.getMsgCount().get();
        }
        return n;
    }

    static List<Integer> sorted(Collection<Integer> ids) {
        List<Integer> list = new ArrayList<>(ids);
        list.sort(null);
        return list;
    }

    /** Polls {@code condition} every 50 ms until it holds or {@code deadline} (epoch ms) passes. */
    static boolean waitUntil(long deadline, BooleanSupplier condition) {
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /**
     * Waits (at most {@code maxMillis}) until {@code counter} has not changed for {@code quietMillis}: lets late
     * redeliveries show up before a program reports, without a fixed sleep when nothing is in flight.
     */
    static void settle(java.util.function.LongSupplier counter, long quietMillis, long maxMillis) {
        long deadline = System.currentTimeMillis() + maxMillis;
        long last = counter.getAsLong();
        long since = System.currentTimeMillis();
        while (System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = counter.getAsLong();
            if (now != last) {
                last = now;
                since = System.currentTimeMillis();
            } else if (System.currentTimeMillis() - since >= quietMillis) {
                return;
            }
        }
    }
}

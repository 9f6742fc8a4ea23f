package dev.skyrocket.compat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeOrderlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerOrderly;
import org.apache.rocketmq.client.impl.consumer.ProcessQueue;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.MessageQueueSelector;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.remoting.protocol.heartbeat.MessageModel;

/**
 * OrderlyConsume namesrvAddr topic group consumers keys perKey timeoutSeconds
 *
 * <p>Starts {@code consumers} clustering DefaultMQPushConsumers of one group with a MessageListenerOrderly
 * (queues locked at the broker with LOCK_BATCH_MQ), waits until every queue of the topic is owned and locked by
 * exactly one of them ({"event":"assignment"}), then sends {@code keys} x {@code perKey} messages with a
 * MessageQueueSelector that maps a sharding key to a queue: sequence numbers 0..perKey-1 of keys k0..k(keys-1),
 * interleaved (seq 0 of every key, then seq 1, ...). Each message carries user properties "shard" (its key) and
 * "seq", and id "k<key>-<seq>".
 *
 * <p>Prints {"event":"send",...} per message and {"event":"message",...} per delivery, in consumption order
 * (deliveries of one queue are serialized by the orderly listener). Exits 0 with {"event":"done"} once every
 * message arrived and deliveries stopped for 1.5 s, or 1 with {"event":"timeout"}.
 */
public final class OrderlyConsume {
    private static final String PROGRAM = "OrderlyConsume";

    private OrderlyConsume() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 7) {
            Common.usage(PROGRAM, "namesrvAddr topic group consumers keys perKey timeoutSeconds");
        }
        String namesrvAddr = args[0];
        String topic = args[1];
        String group = args[2];
        int count = Common.parseInt(PROGRAM, "consumers", args[3]);
        int keys = Common.parseInt(PROGRAM, "keys", args[4]);
        int perKey = Common.parseInt(PROGRAM, "perKey", args[5]);
        int timeoutSeconds = Common.parseInt(PROGRAM, "timeoutSeconds", args[6]);
        Common.startWatchdog(PROGRAM, Common.budgetMillis(timeoutSeconds * 1000L + 60_000));
        long deadline = System.currentTimeMillis() + timeoutSeconds * 1000L;

        Map<String, Integer> deliveriesById = new ConcurrentHashMap<>();
        AtomicLong deliveries = new AtomicLong();
        List<DefaultMQPushConsumer> consumers = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                int index = i;
                DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(group);
                consumer.setNamesrvAddr(namesrvAddr);
                consumer.setMessageModel(MessageModel.CLUSTERING);
                consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
                consumer.setInstanceName(group + "_o" + i + "_" + ProcessHandle.current().pid());
                consumer.subscribe(topic, "*");
                consumer.registerMessageListener((MessageListenerOrderly) (msgs, context) -> {
                    for (MessageExt m : msgs) {
                        String id = m.getUserProperty(ClientKit.ID_PROPERTY);
                        deliveriesById.merge(id == null ? m.getMsgId() : id, 1, Integer::sum);
                        deliveries.incrementAndGet();
                        Map<String, Object> line = ClientKit.received(index, m);
                        line.put("contextQueueId", context.getMessageQueue().getQueueId());
                        Common.emit(line);
                    }
                    return ConsumeOrderlyStatus.SUCCESS;
                });
                consumer.start();
                consumers.add(consumer);
            }
        } catch (Exception e) {
            Common.fail(PROGRAM, Common.EXIT_FAILED, "consumer start failed (namesrv " + namesrvAddr + ")", e);
            return;
        }

        List<Integer> allQueues = new ArrayList<>();
        for (MessageQueue mq : consumers.get(0).fetchSubscribeMessageQueues(topic)) {
            allQueues.add(mq.getQueueId());
        }
        boolean settled = ClientKit.waitUntil(deadline, () -> {
            Set<Integer> union = new TreeSet<>();
            int total = 0;
            for (DefaultMQPushConsumer c : consumers) {
                Set<Integer> mine = lockedAssignment(c, topic);
                if (mine.isEmpty() && consumers.size() <= allQueues.size()) {
                    return false;
                }
                union.addAll(mine);
                total += mine.size();
            }
            return union.containsAll(allQueues) && total == allQueues.size();
        });
        // A map by consumer index: Common.emit sorts lists, which would lose which consumer owns what.
        Map<String, Object> owned = new TreeMap<>();
        for (int i = 0; i < consumers.size(); i++) {
            owned.put(String.valueOf(i), ClientKit.sorted(lockedAssignment(consumers.get(i), topic)));
        }
        Common.emit(Common.obj("event", "assignment", "queues", owned));
        if (!settled) {
            finish(consumers, null, "timeout", deliveriesById, deliveries, "assignment");
            System.exit(Common.EXIT_FAILED);
        }

        for (DefaultMQPushConsumer c : consumers) {
            ClientKit.heartbeat(c, topic, deadline);
        }
        DefaultMQProducer producer = new DefaultMQProducer("compat_orderly_producer_" + ProcessHandle.current().pid());
        producer.setNamesrvAddr(namesrvAddr);
        producer.setInstanceName("compat_orderly_producer_" + ProcessHandle.current().pid());
        producer.setSendMsgTimeout(10_000);
        MessageQueueSelector byKey = (mqs, msg, arg) -> mqs.get(Math.floorMod(arg.hashCode(), mqs.size()));
        try {
            producer.start();
            for (int seq = 0; seq < perKey; seq++) {
                for (int k = 0; k < keys; k++) {
                    String key = "k" + k;
                    String id = key + "-" + seq;
                    Message msg = new Message(topic, "Order", id, ("order " + id).getBytes(StandardCharsets.UTF_8));
                    msg.putUserProperty(ClientKit.ID_PROPERTY, id);
                    msg.putUserProperty("shard", key);
                    msg.putUserProperty("seq", String.valueOf(seq));
                    SendResult r = producer.send(msg, byKey, key);
                    if (r.getSendStatus() != SendStatus.SEND_OK) {
                        throw new IllegalStateException("send " + id + ": " + r.getSendStatus());
                    }
                    Common.emit(Common.obj("event", "send", "id", id, "shard", key, "seq", seq,
                        "queueId", r.getMessageQueue().getQueueId(), "queueOffset", r.getQueueOffset()));
                }
            }
        } catch (Exception e) {
            Common.fail(PROGRAM, Common.EXIT_FAILED, "orderly send failed", e);
            return;
        }

        int expected = keys * perKey;
        boolean complete = ClientKit.waitUntil(deadline, () -> deliveriesById.size() >= expected);
        if (complete) {
            ClientKit.settle(deliveries::get, 1_500, 10_000);
        }
        finish(consumers, producer, complete ? "done" : "timeout", deliveriesById, deliveries, "consume");
        System.exit(complete ? 0 : Common.EXIT_FAILED);
    }

    /** Queue ids of {@code topic} whose process queue is held and locked at the broker. */
    static Set<Integer> lockedAssignment(DefaultMQPushConsumer consumer, String topic) {
        Set<Integer> ids = new TreeSet<>();
        for (Map.Entry<MessageQueue, ProcessQueue> e : consumer.getDefaultMQPushConsumerImpl().getRebalanceImpl()
            .getProcessQueueTable().entrySet()) {
            if (e.getKey().getTopic().equals(topic) && !e.getValue().isDropped() && e.getValue().isLocked()) {
                ids.add(e.getKey().getQueueId());
            }
        }
        return ids;
    }

    private static void finish(List<DefaultMQPushConsumer> consumers, DefaultMQProducer producer, String event,
        Map<String, Integer> deliveriesById, AtomicLong deliveries, String phase) {
        Common.emit(Common.obj("event", event, "phase", phase, "distinct", deliveriesById.size(),
            "deliveries", deliveries.get()));
        for (DefaultMQPushConsumer c : consumers) {
            Common.bounded("consumer-shutdown", 10_000, c::shutdown);
        }
        if (producer != null) {
            Common.bounded("producer-shutdown", 10_000, producer::shutdown);
        }
    }
}

package dev.skyrocket.compat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.remoting.protocol.heartbeat.MessageModel;

/**
 * PushConsumers namesrvAddr topic group consumers model subExpression expected timeoutSeconds [produce=N] [leave=M]
 *
 * <p>Starts {@code consumers} DefaultMQPushConsumers of one group in this JVM, each with its own instance name (so
 * its own client id and connections), {@code model} CLUSTERING or BROADCASTING, CONSUME_FROM_FIRST_OFFSET, a
 * concurrent listener subscribed to {@code subExpression}. Every delivery prints {"event":"message",...} (see
 * ClientKit.received) with the consumer's index. A message's id is its "sr_id" user property, else its msgId.
 *
 * <p>Phase 1 ends when {@code expected} distinct ids arrived: over all consumers together in CLUSTERING, at every
 * consumer in BROADCASTING. With produce=N the program first waits until the queue assignment is settled
 * (CLUSTERING: every queue owned by exactly one consumer, none idle; BROADCASTING: every consumer owns every
 * queue), prints {"event":"assignment"} and then sends N messages itself, ids A-0.., round robin over the queues.
 *
 * <p>With leave=M (CLUSTERING, two or more consumers) phase 2 follows: the last consumer suspends (stops pulling),
 * M messages B-0.. are sent round robin; once the others consumed the B messages of their own queues and the
 * leaver has nothing in flight, the leaver shuts down ({"event":"leaving"}: it persists its offsets and
 * unregisters, so the broker notifies the group) and the others must take over its queues
 * ({"event":"takeover"}) and consume the B messages it left behind.
 *
 * <p>Then waits until deliveries stop for 1.5 s (at most 10 s) so late duplicates show, prints {"event":"done"}
 * and exits 0; {"event":"timeout"} and exit 1 when a phase does not complete in {@code timeoutSeconds}.
 */
public final class PushConsumers {
    private static final String PROGRAM = "PushConsumers";

    private final List<DefaultMQPushConsumer> consumers = new ArrayList<>();
    private final List<Set<String>> idsByConsumer = new ArrayList<>();
    private final Map<String, Integer> deliveriesById = new ConcurrentHashMap<>();
    private final AtomicLong deliveries = new AtomicLong();
    private final String topic;
    private final MessageModel model;
    private long deadline;

    private PushConsumers(String topic, MessageModel model) {
        this.topic = topic;
        this.model = model;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 8) {
            Common.usage(PROGRAM,
                "namesrvAddr topic group consumers model subExpression expected timeoutSeconds [produce=N] [leave=M]");
        }
        String namesrvAddr = args[0];
        String topic = args[1];
        String group = args[2];
        int count = Common.parseInt(PROGRAM, "consumers", args[3]);
        MessageModel model = MessageModel.valueOf(args[4]);
        String subExpression = args[5];
        int expected = Common.parseInt(PROGRAM, "expected", args[6]);
        int timeoutSeconds = Common.parseInt(PROGRAM, "timeoutSeconds", args[7]);
        int produce = 0;
        int leave = 0;
        for (int i = 8; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            if (kv.length == 2 && kv[0].equals("produce")) {
                produce = Common.parseInt(PROGRAM, "produce", kv[1]);
            } else if (kv.length == 2 && kv[0].equals("leave")) {
                leave = Common.parseInt(PROGRAM, "leave", kv[1]);
            } else {
                Common.usage(PROGRAM, "unknown option " + args[i]);
            }
        }
        if (leave > 0 && (model != MessageModel.CLUSTERING || count < 2)) {
            Common.usage(PROGRAM, "leave=M needs CLUSTERING and two or more consumers");
        }
        Common.startWatchdog(PROGRAM, Common.budgetMillis(timeoutSeconds * 1000L + 60_000));
        PushConsumers run = new PushConsumers(topic, model);
        run.deadline = System.currentTimeMillis() + timeoutSeconds * 1000L;
        int code = run.run(namesrvAddr, group, count, subExpression, produce > 0 ? produce : expected, produce, leave);
        System.exit(code);
    }

    private int run(String namesrvAddr, String group, int count, String subExpression, int expected, int produce,
        int leave) {
        try {
            for (int i = 0; i < count; i++) {
                consumers.add(startConsumer(namesrvAddr, group, i, subExpression));
            }
        } catch (Exception e) {
            Common.fail(PROGRAM, Common.EXIT_FAILED, "consumer start failed (namesrv " + namesrvAddr + ")", e);
        }

        DefaultMQProducer producer = null;
        List<Integer> allQueues = new ArrayList<>();
        if (produce > 0 || leave > 0) {
            try {
                for (MessageQueue mq : consumers.get(0).fetchSubscribeMessageQueues(topic)) {
                    allQueues.add(mq.getQueueId());
                }
                allQueues.sort(null);
            } catch (Exception e) {
                Common.fail(PROGRAM, Common.EXIT_FAILED, "no route for " + topic, e);
            }
            if (!ClientKit.waitUntil(deadline, () -> settled(allQueues, consumers))) {
                return timeout("assignment", expected);
            }
            emitAssignment("assignment");
            producer = new DefaultMQProducer("compat_push_producer_" + ProcessHandle.current().pid());
            producer.setNamesrvAddr(namesrvAddr);
            producer.setInstanceName("compat_push_producer_" + ProcessHandle.current().pid());
            producer.setSendMsgTimeout(10_000);
            try {
                producer.start();
            } catch (Exception e) {
                Common.fail(PROGRAM, Common.EXIT_FAILED, "producer start failed", e);
            }
        }

        if (produce == 0 && leave == 0) {
            // Pre-produced messages: wait until every consumer owns queues, then refresh its heartbeat.
            ClientKit.waitUntil(deadline, () -> consumers.stream().allMatch(c -> !ClientKit.assignment(c, topic).isEmpty()));
        }
        for (DefaultMQPushConsumer c : consumers) {
            ClientKit.heartbeat(c, topic, deadline);
        }
        if (produce > 0 && send(producer, "A", produce) == null) {
            return Common.EXIT_FAILED;
        }
        if (!ClientKit.waitUntil(deadline, () -> phaseDone("A", expected, produce > 0))) {
            return timeout("phase1", expected);
        }
        Common.emit(Common.obj("event", "phase", "phase", 1, "counts", counts()));

        if (leave > 0) {
            int leaverIndex = consumers.size() - 1;
            DefaultMQPushConsumer leaver = consumers.get(leaverIndex);
            List<DefaultMQPushConsumer> stayers = new ArrayList<>(consumers.subList(0, leaverIndex));
            Set<Integer> stayerQueues = new TreeSet<>();
            for (DefaultMQPushConsumer c : stayers) {
                stayerQueues.addAll(ClientKit.assignment(c, topic));
            }
            leaver.suspend();
            List<SendResult> sent = send(producer, "B", leave);
            if (sent == null) {
                return Common.EXIT_FAILED;
            }
            Set<String> onStayerQueues = new HashSet<>();
            for (int n = 0; n < sent.size(); n++) {
                if (stayerQueues.contains(sent.get(n).getMessageQueue().getQueueId())) {
                    onStayerQueues.add("B-" + n);
                }
            }
            boolean drained = ClientKit.waitUntil(deadline, () -> {
                Set<String> got = new HashSet<>();
                for (int i = 0; i < leaverIndex; i++) {
                    got.addAll(idsByConsumer.get(i));
                }
                return got.containsAll(onStayerQueues) && ClientKit.pending(leaver) == 0;
            });
            if (!drained) {
                return timeout("phase2-stayers", leave);
            }
            List<String> leaverB = new ArrayList<>();
            for (String id : idsByConsumer.get(leaverIndex)) {
                if (id.startsWith("B-")) {
                    leaverB.add(id);
                }
            }
            leaverB.sort(null);
            Common.emit(Common.obj("event", "leaving", "consumer", leaverIndex,
                "queues", ClientKit.sorted(ClientKit.assignment(leaver, topic)), "consumedB", leaverB,
                "stayerQueues", ClientKit.sorted(stayerQueues)));
            long leftAt = System.currentTimeMillis();
            Common.bounded("leaver-shutdown", 15_000, leaver::shutdown);
            long shutdownMillis = System.currentTimeMillis() - leftAt;
            consumers.remove(leaverIndex);
            boolean tookOver = ClientKit.waitUntil(deadline, () -> {
                Set<Integer> owned = new TreeSet<>();
                for (DefaultMQPushConsumer c : stayers) {
                    owned.addAll(ClientKit.assignment(c, topic));
                }
                return owned.containsAll(allQueues);
            });
            if (!tookOver) {
                return timeout("takeover", leave);
            }
            Common.emit(Common.obj("event", "takeover", "shutdownMillis", shutdownMillis,
                "takeoverMillis", System.currentTimeMillis() - leftAt - shutdownMillis));
            for (DefaultMQPushConsumer c : stayers) {
                ClientKit.heartbeat(c, topic, deadline);
            }
            emitAssignment("assignment-after-leave");
            if (!ClientKit.waitUntil(deadline, () -> phaseDone("B", leave, true))) {
                return timeout("phase2", leave);
            }
            Common.emit(Common.obj("event", "phase", "phase", 2, "counts", counts()));
        }

        ClientKit.settle(deliveries::get, 1_500, 10_000);
        Common.emit(Common.obj("event", "done", "counts", counts(), "deliveries", deliveries.get(),
            "distinct", deliveriesById.size()));
        shutdownAll(producer);
        return 0;
    }

    private DefaultMQPushConsumer startConsumer(String namesrvAddr, String group, int index, String subExpression)
        throws Exception {
        Set<String> ids = ConcurrentHashMap.newKeySet();
        idsByConsumer.add(ids);
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(group);
        consumer.setNamesrvAddr(namesrvAddr);
        consumer.setMessageModel(model);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.setInstanceName(group + "_c" + index + "_" + ProcessHandle.current().pid());
        consumer.subscribe(topic, subExpression);
        consumer.registerMessageListener((MessageListenerConcurrently) (msgs, context) -> {
            for (MessageExt m : msgs) {
                String id = m.getUserProperty(ClientKit.ID_PROPERTY);
                if (id == null) {
                    id = m.getMsgId();
                }
                ids.add(id);
                deliveriesById.merge(id, 1, Integer::sum);
                deliveries.incrementAndGet();
                Common.emit(ClientKit.received(index, m));
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        consumer.start();
        return consumer;
    }

    /** CLUSTERING: each queue owned by exactly one consumer and nobody idle; BROADCASTING: everybody owns all. */
    private boolean settled(List<Integer> allQueues, List<DefaultMQPushConsumer> group) {
        Set<Integer> union = new TreeSet<>();
        int total = 0;
        for (DefaultMQPushConsumer c : group) {
            Set<Integer> mine = ClientKit.assignment(c, topic);
            if (model == MessageModel.BROADCASTING) {
                if (!mine.containsAll(allQueues)) {
                    return false;
                }
                continue;
            }
            if (mine.isEmpty() && group.size() <= allQueues.size()) {
                return false;
            }
            union.addAll(mine);
            total += mine.size();
        }
        return model == MessageModel.BROADCASTING || (union.containsAll(allQueues) && total == allQueues.size());
    }

    private boolean phaseDone(String prefix, int expected, boolean onlyPrefix) {
        if (model == MessageModel.BROADCASTING) {
            for (Set<String> ids : idsByConsumer) {
                if (countIds(ids, prefix, onlyPrefix) < expected) {
                    return false;
                }
            }
            return true;
        }
        Set<String> union = new HashSet<>();
        for (Set<String> ids : idsByConsumer) {
            union.addAll(ids);
        }
        return countIds(union, prefix, onlyPrefix) >= expected;
    }

    private static int countIds(Set<String> ids, String prefix, boolean onlyPrefix) {
        if (!onlyPrefix) {
            return ids.size();
        }
        int n = 0;
        for (String id : ids) {
            if (id.startsWith(prefix + "-")) {
                n++;
            }
        }
        return n;
    }

    /** Sends {@code n} messages prefix-0.. round robin over the queues; null (after an error line) on failure. */
    private List<SendResult> send(DefaultMQProducer producer, String prefix, int n) {
        List<SendResult> results = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = prefix + "-" + i;
            Message msg = new Message(topic, "TagA", id, ("body of " + id).getBytes(StandardCharsets.UTF_8));
            msg.putUserProperty(ClientKit.ID_PROPERTY, id);
            try {
                SendResult r = producer.send(msg, (mqs, m, arg) -> mqs.get((Integer) arg % mqs.size()), i);
                if (r.getSendStatus() != SendStatus.SEND_OK) {
                    throw new IllegalStateException("send status " + r.getSendStatus());
                }
                results.add(r);
                Common.emit(Common.obj("event", "send", "id", id, "queueId", r.getMessageQueue().getQueueId(),
                    "queueOffset", r.getQueueOffset(), "msgId", r.getMsgId()));
            } catch (Exception e) {
                Common.emit(Common.obj("event", "error", "program", PROGRAM, "message", "send " + id + " failed",
                    "exception", e.getClass().getName(), "cause", String.valueOf(e.getMessage())));
                return null;
            }
        }
        return results;
    }

    /** Queue ids owned per consumer index (a map: Common.emit sorts lists, which would lose the index). */
    private Map<String, Object> owned() {
        Map<String, Object> owned = new TreeMap<>();
        for (int i = 0; i < consumers.size(); i++) {
            owned.put(String.valueOf(i), ClientKit.sorted(ClientKit.assignment(consumers.get(i), topic)));
        }
        return owned;
    }

    private void emitAssignment(String event) {
        Common.emit(Common.obj("event", event, "queues", owned()));
    }

    /** Distinct ids received per consumer index. */
    private Map<String, Object> counts() {
        Map<String, Object> counts = new TreeMap<>();
        for (int i = 0; i < idsByConsumer.size(); i++) {
            counts.put(String.valueOf(i), idsByConsumer.get(i).size());
        }
        return counts;
    }

    private int timeout(String phase, int expected) {
        Common.emit(Common.obj("event", "timeout", "phase", phase, "expected", expected, "counts", counts(),
            "queues", owned()));
        System.err.println(PROGRAM + ": timed out in " + phase);
        shutdownAll(null);
        return Common.EXIT_FAILED;
    }

    private void shutdownAll(DefaultMQProducer producer) {
        for (DefaultMQPushConsumer c : consumers) {
            Common.bounded("consumer-shutdown", 10_000, c::shutdown);
        }
        if (producer != null) {
            Common.bounded("producer-shutdown", 10_000, producer::shutdown);
        }
    }
}

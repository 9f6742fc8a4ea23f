package dev.skyrocket.compat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * LitePull namesrvAddr topic group assign|subscribe expected timeoutSeconds [seekOffset|subExpression]
 *
 * <p>DefaultLitePullConsumer (LITE_PULL_MESSAGE, code 361) in one of two modes:
 *
 * <ul>
 *   <li>assign: fetchMessageQueues(topic), assign() them all, print offsetForTimestamp(queue, 0) per queue, then
 *       seek() every queue to {@code seekOffset} (default 0) and poll until {@code expected} distinct ids arrived
 *       (stage 1). Stage 2 seeks the lowest queue back to 0 and polls until that queue was read again from offset 0
 *       to where stage 1 ended.
 *   <li>subscribe: subscribe(topic, subExpression) (default "*"), CONSUME_FROM_FIRST_OFFSET, poll until
 *       {@code expected} distinct ids arrived.
 * </ul>
 *
 * <p>Prints {"event":"message",...,"stage":n} per message and, before exiting, commits the next offset of every
 * queue it read to the broker (commit(offsets, persist=true)) and prints {"event":"committed","offsets":{...}}.
 * Exits 0 with {"event":"done"} or 1 with {"event":"timeout"}.
 */
public final class LitePull {
    private static final String PROGRAM = "LitePull";

    private LitePull() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 6 || args.length > 7) {
            Common.usage(PROGRAM,
                "namesrvAddr topic group assign|subscribe expected timeoutSeconds [seekOffset|subExpression]");
        }
        String namesrvAddr = args[0];
        String topic = args[1];
        String group = args[2];
        String mode = args[3];
        int expected = Common.parseInt(PROGRAM, "expected", args[4]);
        int timeoutSeconds = Common.parseInt(PROGRAM, "timeoutSeconds", args[5]);
        String extra = args.length > 6 ? args[6] : null;
        if (!mode.equals("assign") && !mode.equals("subscribe")) {
            Common.usage(PROGRAM, "mode must be assign or subscribe");
        }
        Common.startWatchdog(PROGRAM, Common.budgetMillis(timeoutSeconds * 1000L + 40_000));
        long deadline = System.currentTimeMillis() + timeoutSeconds * 1000L;

        DefaultLitePullConsumer consumer = new DefaultLitePullConsumer(group);
        consumer.setNamesrvAddr(namesrvAddr);
        consumer.setInstanceName(group + "_lite_" + ProcessHandle.current().pid());
        consumer.setAutoCommit(false);
        consumer.setPollTimeoutMillis(1000);
        Map<MessageQueue, Long> nextOffsets = new HashMap<>();
        try {
            if (mode.equals("subscribe")) {
                consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
                consumer.subscribe(topic, extra == null ? "*" : extra);
                consumer.start();
            } else {
                consumer.start();
                List<MessageQueue> queues = new ArrayList<>(consumer.fetchMessageQueues(topic));
                queues.sort(null);
                consumer.assign(queues);
                long seekOffset = extra == null ? 0 : Long.parseLong(extra);
                for (MessageQueue mq : queues) {
                    Common.emit(Common.obj("event", "queue", "queueId", mq.getQueueId(), "offsetForTimestamp0",
                        consumer.offsetForTimestamp(mq, 0L)));
                    consumer.seek(mq, seekOffset);
                }
            }
        } catch (Exception e) {
            Common.fail(PROGRAM, Common.EXIT_FAILED, "consumer setup failed (namesrv " + namesrvAddr + ")", e);
            return;
        }

        Set<String> ids = new HashSet<>();
        Map<Integer, Long> seenPerQueue = new TreeMap<>();
        boolean ok = poll(consumer, 1, deadline, nextOffsets, (m) -> {
            ids.add(id(m));
            seenPerQueue.merge(m.getQueueId(), 1L, Long::sum);
            return ids.size() >= expected;
        }, expected <= 0);
        if (ok && mode.equals("assign") && !nextOffsets.isEmpty()) {
            MessageQueue first = null;
            for (MessageQueue mq : nextOffsets.keySet()) {
                if (first == null || mq.compareTo(first) < 0) {
                    first = mq;
                }
            }
            MessageQueue rewind = first;
            long end = nextOffsets.get(rewind);
            try {
                consumer.seek(rewind, 0);
            } catch (Exception e) {
                Common.fail(PROGRAM, Common.EXIT_FAILED, "seek back to 0 failed", e);
            }
            Common.emit(Common.obj("event", "rewind", "queueId", rewind.getQueueId(), "until", end));
            Set<Long> offsets = new HashSet<>();
            ok = poll(consumer, 2, deadline, nextOffsets, (m) -> {
                if (m.getQueueId() == rewind.getQueueId()) {
                    offsets.add(m.getQueueOffset());
                }
                return offsets.size() >= end;
            }, end <= 0);
        }
        if (!ok) {
            Common.emit(Common.obj("event", "timeout", "distinct", ids.size(), "expected", expected));
            Common.bounded("consumer-shutdown", 10_000, consumer::shutdown);
            System.exit(Common.EXIT_FAILED);
        }
        Map<String, Object> committed = new TreeMap<>();
        for (Map.Entry<MessageQueue, Long> e : nextOffsets.entrySet()) {
            committed.put(String.valueOf(e.getKey().getQueueId()), e.getValue());
        }
        try {
            consumer.commit(nextOffsets, true);
        } catch (Exception e) {
            Common.fail(PROGRAM, Common.EXIT_FAILED, "commit failed", e);
        }
        Common.emit(Common.obj("event", "committed", "offsets", committed));
        Common.emit(Common.obj("event", "done", "distinct", ids.size(), "expected", expected,
            "perQueue", seenPerQueue));
        Common.bounded("consumer-shutdown", 10_000, consumer::shutdown);
        System.exit(0);
    }

    interface Until {
        boolean received(MessageExt m);
    }

    private static boolean poll(DefaultLitePullConsumer consumer, int stage, long deadline,
        Map<MessageQueue, Long> nextOffsets, Until until, boolean alreadyDone) {
        if (alreadyDone) {
            return true;
        }
        while (System.currentTimeMillis() < deadline) {
            boolean done = false;
            for (MessageExt m : consumer.poll(1000)) {
                Map<String, Object> line = ClientKit.received(0, m);
                line.put("stage", stage);
                Common.emit(line);
                MessageQueue mq = new MessageQueue(m.getTopic(), m.getBrokerName(), m.getQueueId());
                nextOffsets.merge(mq, m.getQueueOffset() + 1, Math::max);
                done |= until.received(m);
            }
            if (done) {
                return true;
            }
        }
        return false;
    }

    private static String id(MessageExt m) {
        String id = m.getUserProperty(ClientKit.ID_PROPERTY);
        return id == null ? m.getMsgId() : id;
    }
}

package dev.skyrocket.compat;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.protocol.heartbeat.MessageModel;

/**
 * PushConsume namesrvAddr topic group expectedCount timeoutSeconds [subExpression]
 *
 * <p>Clustering DefaultMQPushConsumer, CONSUME_FROM_FIRST_OFFSET, subscribed to {@code subExpression} (default "*").
 * Prints {"event":"message",...} per delivery (redeliveries included) and exits 0 with {"event":"done",...} once
 * {@code expectedCount} distinct bodies arrived, or 1 with {"event":"timeout",...} after {@code timeoutSeconds}.
 */
public final class PushConsume {
    private static final String PROGRAM = "PushConsume";

    private PushConsume() {
    }

    public static void main(String[] args) {
        if (args.length < 5 || args.length > 6) {
            Common.usage(PROGRAM, "namesrvAddr topic group expectedCount timeoutSeconds [subExpression]");
        }
        String namesrvAddr = args[0];
        String topic = args[1];
        String group = args[2];
        int expected = Common.parseInt(PROGRAM, "expectedCount", args[3]);
        int timeoutSeconds = Common.parseInt(PROGRAM, "timeoutSeconds", args[4]);
        String subExpression = args.length > 5 ? args[5] : "*";
        // The watchdog leaves room for the orderly timeout path and the consumer's shutdown.
        Common.startWatchdog(PROGRAM, Common.budgetMillis(timeoutSeconds * 1000L + 30_000));

        Set<String> bodies = ConcurrentHashMap.newKeySet();
        AtomicInteger deliveries = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(1);

        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(group);
        consumer.setNamesrvAddr(namesrvAddr);
        consumer.setMessageModel(MessageModel.CLUSTERING);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.setInstanceName("compat_consumer_" + ProcessHandle.current().pid());
        try {
            consumer.subscribe(topic, subExpression);
            consumer.registerMessageListener((MessageListenerConcurrently) (msgs, context) -> {
                for (MessageExt m : msgs) {
                    String body = new String(m.getBody(), StandardCharsets.UTF_8);
                    deliveries.incrementAndGet();
                    bodies.add(body);
                    Common.emit(Common.obj(
                        "event", "message",
                        "body", body,
                        "msgId", m.getMsgId(),
                        "tags", m.getTags(),
                        "brokerName", m.getBrokerName(),
                        "queueId", m.getQueueId(),
                        "queueOffset", m.getQueueOffset(),
                        "reconsumeTimes", m.getReconsumeTimes()));
                }
                if (bodies.size() >= expected) {
                    done.countDown();
                }
                return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
            });
            consumer.start();
        } catch (Exception e) {
            Common.fail(PROGRAM, Common.EXIT_FAILED, "consumer start failed (namesrv " + namesrvAddr + ")", e);
            return;
        }

        boolean complete;
        try {
            complete = expected <= 0 || done.await(timeoutSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            complete = false;
        }
        Common.emit(Common.obj(
            "event", complete ? "done" : "timeout",
            "distinct", bodies.size(),
            "deliveries", deliveries.get(),
            "expected", expected));
        // shutdown() persists the consumed offsets to the broker; bounded so that it cannot hang the program.
        Common.bounded("consumer-shutdown", 10_000, consumer::shutdown);
        if (!complete) {
            System.err.println(PROGRAM + ": timed out after " + timeoutSeconds + " s with " + bodies.size() + " of "
                + expected + " distinct messages");
        }
        System.exit(complete ? 0 : Common.EXIT_FAILED);
    }
}

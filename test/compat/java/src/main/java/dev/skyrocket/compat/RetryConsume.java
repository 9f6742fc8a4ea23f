package dev.skyrocket.compat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.protocol.heartbeat.MessageModel;

/**
 * RetryConsume namesrvAddr topic group maxReconsumeTimes timeoutSeconds
 *
 * <p>Sends one message (body "retry-me", tag "TagR", keys "retry-key", user property "origin"="compat") to
 * {@code topic}, then consumes it with a clustering DefaultMQPushConsumer of {@code group} whose listener always
 * returns RECONSUME_LATER, with {@code setMaxReconsumeTimes(maxReconsumeTimes)}. Every delivery prints a
 * {"event":"message",...} line (reconsumeTimes, receiveMillis, properties). After maxReconsumeTimes + 1 deliveries
 * a second consumer (group {@code group + "_dlq"}) subscribes to {@code %DLQ%group} and prints the dead letter as
 * {"event":"dlq",...}. Ends with {"event":"done",...} (exit 0) or {"event":"timeout",...} (exit 1).
 *
 * <p>The retry and DLQ topics only exist once the broker created them. Both consumers poll the NameServer every
 * second (pollNameServerInterval, default 30 s), the DLQ consumer starts once its topic has a route, and the main
 * consumer rebalances as soon as the retry topic has one, so the test does not wait for the client's 20 s
 * rebalance period.
 */
public final class RetryConsume {
    private static final String PROGRAM = "RetryConsume";

    private RetryConsume() {
    }

    public static void main(String[] args) {
        if (args.length != 5) {
            Common.usage(PROGRAM, "namesrvAddr topic group maxReconsumeTimes timeoutSeconds");
        }
        String namesrvAddr = args[0];
        String topic = args[1];
        String group = args[2];
        int maxReconsumeTimes = Common.parseInt(PROGRAM, "maxReconsumeTimes", args[3]);
        int timeoutSeconds = Common.parseInt(PROGRAM, "timeoutSeconds", args[4]);
        Common.startWatchdog(PROGRAM, Common.budgetMillis(timeoutSeconds * 1000L + 30_000));
        long deadline = System.currentTimeMillis() + timeoutSeconds * 1000L;
        String pid = String.valueOf(ProcessHandle.current().pid());

        DefaultMQProducer producer = new DefaultMQProducer("compat_retry_producer_" + pid);
        producer.setNamesrvAddr(namesrvAddr);
        producer.setSendMsgTimeout(10_000);
        try {
            producer.start();
            Message msg = new Message(topic, "TagR", "retry-key", "retry-me".getBytes(StandardCharsets.UTF_8));
            msg.putUserProperty("origin", "compat");
            long sendMillis = System.currentTimeMillis();
            SendResult r = producer.send(msg);
            Common.emit(Common.obj(
                "event", "send",
                "status", r.getSendStatus().name(),
                "msgId", r.getMsgId(),
                "offsetMsgId", r.getOffsetMsgId(),
                "sendMillis", sendMillis));
        } catch (Exception e) {
            Common.fail(PROGRAM, Common.EXIT_FAILED, "send to topic " + topic + " failed", e);
            return;
        }
        Common.bounded("producer-shutdown", 10_000, producer::shutdown);

        int expectedDeliveries = maxReconsumeTimes + 1;
        AtomicInteger deliveries = new AtomicInteger();
        CountDownLatch allDelivered = new CountDownLatch(expectedDeliveries);
        DefaultMQPushConsumer consumer = consumer(namesrvAddr, group, pid);
        consumer.setMaxReconsumeTimes(maxReconsumeTimes);
        try {
            consumer.subscribe(topic, "*");
            consumer.registerMessageListener((MessageListenerConcurrently) (msgs, context) -> {
                for (MessageExt m : msgs) {
                    deliveries.incrementAndGet();
                    Common.emit(describe("message", m));
                    allDelivered.countDown();
                }
                return ConsumeConcurrentlyStatus.RECONSUME_LATER;
            });
            consumer.start();
        } catch (Exception e) {
            Common.fail(PROGRAM, Common.EXIT_FAILED, "consumer start failed (namesrv " + namesrvAddr + ")", e);
            return;
        }
        // The broker creates %RETRY%group on the consumer's first heartbeat, after the consumer looked up its routes,
        // so the consumer's first rebalance has no retry queue and the next one comes 20 s later (RebalanceService);
        // the same happens with an Apache broker. Once the NameServer has the route, fetch it and rebalance at once.
        String retryTopic = "%RETRY%" + group;
        if (!awaitRoute(namesrvAddr, retryTopic, pid, deadline)) {
            Common.fail(PROGRAM, Common.EXIT_FAILED, "no route for " + retryTopic, null);
            return;
        }
        MQClientInstance client = consumer.getDefaultMQPushConsumerImpl().getRebalanceImpl().getmQClientFactory();
        client.updateTopicRouteInfoFromNameServer(retryTopic);
        client.rebalanceImmediately();
        boolean delivered = await(allDelivered, deadline);

        CountDownLatch deadLettered = new CountDownLatch(1);
        DefaultMQPushConsumer dlqConsumer = consumer(namesrvAddr, group + "_dlq", pid + "_dlq");
        String dlqTopic = "%DLQ%" + group;
        // A consumer that starts before its topic has a route only rebalances onto it 20 s later
        // (RebalanceService); start the DLQ consumer once the NameServer has the DLQ topic.
        if (delivered && !awaitRoute(namesrvAddr, dlqTopic, pid, deadline)) {
            delivered = false;
        }
        if (delivered) {
            try {
                dlqConsumer.subscribe(dlqTopic, "*");
                dlqConsumer.registerMessageListener((MessageListenerConcurrently) (msgs, context) -> {
                    for (MessageExt m : msgs) {
                        Common.emit(describe("dlq", m));
                        deadLettered.countDown();
                    }
                    return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
                });
                dlqConsumer.start();
            } catch (Exception e) {
                Common.fail(PROGRAM, Common.EXIT_FAILED, "DLQ consumer start failed", e);
                return;
            }
        }
        boolean complete = delivered && await(deadLettered, deadline);
        Common.emit(Common.obj(
            "event", complete ? "done" : "timeout",
            "deliveries", deliveries.get(),
            "expectedDeliveries", expectedDeliveries,
            "deadLettered", deadLettered.getCount() == 0));
        Common.bounded("consumer-shutdown", 10_000, consumer::shutdown);
        Common.bounded("dlq-consumer-shutdown", 10_000, dlqConsumer::shutdown);
        System.exit(complete ? 0 : Common.EXIT_FAILED);
    }

    private static DefaultMQPushConsumer consumer(String namesrvAddr, String group, String instance) {
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(group);
        consumer.setNamesrvAddr(namesrvAddr);
        consumer.setMessageModel(MessageModel.CLUSTERING);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.setInstanceName("compat_retry_" + instance);
        consumer.setPollNameServerInterval(1000);
        return consumer;
    }

    /** Polls the NameServer (through a producer) until {@code topic} has a route, or the deadline passes. */
    private static boolean awaitRoute(String namesrvAddr, String topic, String pid, long deadline) {
        DefaultMQProducer probe = new DefaultMQProducer("compat_retry_probe_" + pid);
        probe.setNamesrvAddr(namesrvAddr);
        try {
            probe.start();
            return ClientKit.awaitRoute(probe, topic, deadline);
        } catch (Exception e) {
            Common.fail(PROGRAM, Common.EXIT_FAILED, "route probe for " + topic + " failed", e);
            return false;
        } finally {
            Common.bounded("probe-shutdown", 10_000, probe::shutdown);
        }
    }

    private static boolean await(CountDownLatch latch, long deadline) {
        try {
            return latch.await(Math.max(0, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Map<String, Object> describe(String event, MessageExt m) {
        Map<String, Object> properties = new TreeMap<>(m.getProperties());
        return Common.obj(
            "event", event,
            "receiveMillis", System.currentTimeMillis(),
            "topic", m.getTopic(),
            "body", new String(m.getBody(), StandardCharsets.UTF_8),
            "msgId", m.getMsgId(),
            "tags", m.getTags(),
            "keys", m.getKeys(),
            "reconsumeTimes", m.getReconsumeTimes(),
            "queueId", m.getQueueId(),
            "queueOffset", m.getQueueOffset(),
            "bornTimestamp", m.getBornTimestamp(),
            "storeTimestamp", m.getStoreTimestamp(),
            "properties", properties);
    }
}

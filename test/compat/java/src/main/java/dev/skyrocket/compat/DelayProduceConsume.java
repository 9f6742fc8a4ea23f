package dev.skyrocket.compat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.protocol.heartbeat.MessageModel;

/**
 * DelayProduceConsume namesrvAddr topic group delayLevel timeoutSeconds
 *
 * <p>Sends "now" (no delay) to {@code topic} with a DefaultMQProducer, starts a clustering DefaultMQPushConsumer of
 * {@code group} on it (CONSUME_FROM_FIRST_OFFSET), then sends "delayed" with {@code setDelayTimeLevel(delayLevel)}.
 * Each send prints {"event":"send",...} with sendMillis (taken just before the send call) and sentMillis (after it
 * returned); each delivery prints {"event":"message",...} with receiveMillis, bornTimestamp and storeTimestamp, so
 * the test can check the delay. Ends with {"event":"done",...} (exit 0) once both arrived, or
 * {"event":"timeout",...} (exit 1).
 */
public final class DelayProduceConsume {
    private static final String PROGRAM = "DelayProduceConsume";

    private DelayProduceConsume() {
    }

    public static void main(String[] args) {
        if (args.length != 5) {
            Common.usage(PROGRAM, "namesrvAddr topic group delayLevel timeoutSeconds");
        }
        String namesrvAddr = args[0];
        String topic = args[1];
        String group = args[2];
        int delayLevel = Common.parseInt(PROGRAM, "delayLevel", args[3]);
        int timeoutSeconds = Common.parseInt(PROGRAM, "timeoutSeconds", args[4]);
        Common.startWatchdog(PROGRAM, Common.budgetMillis(timeoutSeconds * 1000L + 30_000));
        String pid = String.valueOf(ProcessHandle.current().pid());

        // The undelayed message first: it creates the topic, so the consumer finds the route when it starts (a topic
        // that appears later is only picked up by the consumer's next rebalance, up to 20 s later).
        DefaultMQProducer producer = new DefaultMQProducer("compat_delay_producer_" + pid);
        producer.setNamesrvAddr(namesrvAddr);
        producer.setSendMsgTimeout(10_000);
        try {
            producer.start();
            send(producer, new Message(topic, "TagNow", "now".getBytes(StandardCharsets.UTF_8)), 0);
        } catch (Exception e) {
            Common.fail(PROGRAM, Common.EXIT_FAILED, "send to topic " + topic + " failed", e);
            return;
        }
        // The consumer must find the route when it starts (ClientKit.awaitRoute says why).
        if (!ClientKit.awaitRoute(producer, topic, System.currentTimeMillis() + 10_000)) {
            Common.fail(PROGRAM, Common.EXIT_FAILED, "no route for topic " + topic + " after 10 s", null);
            return;
        }

        Set<String> bodies = ConcurrentHashMap.newKeySet();
        CountDownLatch done = new CountDownLatch(1);
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(group);
        consumer.setNamesrvAddr(namesrvAddr);
        consumer.setMessageModel(MessageModel.CLUSTERING);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.setInstanceName("compat_delay_consumer_" + pid);
        try {
            consumer.subscribe(topic, "*");
            consumer.registerMessageListener((MessageListenerConcurrently) (msgs, context) -> {
                for (MessageExt m : msgs) {
                    String body = new String(m.getBody(), StandardCharsets.UTF_8);
                    Map<String, Object> properties = new TreeMap<>(m.getProperties());
                    Common.emit(Common.obj(
                        "event", "message",
                        "receiveMillis", System.currentTimeMillis(),
                        "body", body,
                        "msgId", m.getMsgId(),
                        "tags", m.getTags(),
                        "reconsumeTimes", m.getReconsumeTimes(),
                        "bornTimestamp", m.getBornTimestamp(),
                        "storeTimestamp", m.getStoreTimestamp(),
                        "properties", properties));
                    bodies.add(body);
                }
                if (bodies.size() >= 2) {
                    done.countDown();
                }
                return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
            });
            consumer.start();
        } catch (Exception e) {
            Common.fail(PROGRAM, Common.EXIT_FAILED, "consumer start failed (namesrv " + namesrvAddr + ")", e);
            return;
        }

        try {
            Message delayed = new Message(topic, "TagDelayed", "delayed".getBytes(StandardCharsets.UTF_8));
            delayed.setDelayTimeLevel(delayLevel);
            send(producer, delayed, delayLevel);
        } catch (Exception e) {
            Common.fail(PROGRAM, Common.EXIT_FAILED, "delayed send to topic " + topic + " failed", e);
            return;
        }
        Common.bounded("producer-shutdown", 10_000, producer::shutdown);

        boolean complete;
        try {
            complete = done.await(timeoutSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            complete = false;
        }
        Common.emit(Common.obj("event", complete ? "done" : "timeout", "distinct", bodies.size()));
        Common.bounded("consumer-shutdown", 10_000, consumer::shutdown);
        System.exit(complete ? 0 : Common.EXIT_FAILED);
    }

    private static void send(DefaultMQProducer producer, Message msg, int delayLevel) throws Exception {
        long sendMillis = System.currentTimeMillis();
        SendResult r = producer.send(msg);
        Common.emit(Common.obj(
            "event", "send",
            "body", new String(msg.getBody(), StandardCharsets.UTF_8),
            "delayLevel", delayLevel,
            "status", r.getSendStatus().name(),
            "msgId", r.getMsgId(),
            "offsetMsgId", r.getOffsetMsgId(),
            "sendMillis", sendMillis,
            "sentMillis", System.currentTimeMillis()));
    }
}

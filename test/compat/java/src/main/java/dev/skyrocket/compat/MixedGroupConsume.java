package dev.skyrocket.compat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.protocol.heartbeat.MessageModel;

/**
 * MixedGroupConsume namesrvAddr topic group statusFile stopFile timeoutSeconds
 *
 * <p>One clustering DefaultMQPushConsumer (CONSUME_FROM_FIRST_OFFSET, "*") that shares its group with consumers of
 * another client (the TypeScript one in test/compat/client-consumer-mixed.test.ts). While it runs it rewrites
 * {@code statusFile} (atomically, every 100 ms) with {"clientId", "queues": [queueIds it holds], "bodies": [every
 * body received, redeliveries included]}, so the test can watch its assignment and deliveries. It shuts down (which
 * persists its offsets and unregisters) once {@code stopFile} exists, writes the status a last time and exits 0; it
 * exits 1 after {@code timeoutSeconds} without a stop file.
 */
public final class MixedGroupConsume {
    private static final String PROGRAM = "MixedGroupConsume";

    private MixedGroupConsume() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            Common.usage(PROGRAM, "namesrvAddr topic group statusFile stopFile timeoutSeconds");
        }
        String namesrvAddr = args[0];
        String topic = args[1];
        String group = args[2];
        Path statusFile = Paths.get(args[3]);
        Path stopFile = Paths.get(args[4]);
        int timeoutSeconds = Common.parseInt(PROGRAM, "timeoutSeconds", args[5]);
        Common.startWatchdog(PROGRAM, Common.budgetMillis(timeoutSeconds * 1000L + 30_000));

        List<String> bodies = new CopyOnWriteArrayList<>();
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(group);
        consumer.setNamesrvAddr(namesrvAddr);
        consumer.setMessageModel(MessageModel.CLUSTERING);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.setInstanceName(group + "_java_" + ProcessHandle.current().pid());
        consumer.setPersistConsumerOffsetInterval(500);
        try {
            consumer.subscribe(topic, "*");
            consumer.registerMessageListener((MessageListenerConcurrently) (msgs, context) -> {
                for (MessageExt m : msgs) {
                    bodies.add(new String(m.getBody(), StandardCharsets.UTF_8));
                }
                return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
            });
            consumer.start();
        } catch (Exception e) {
            Common.fail(PROGRAM, Common.EXIT_FAILED, "consumer start failed (namesrv " + namesrvAddr + ")", e);
            return;
        }
        String clientId = consumer.getDefaultMQPushConsumerImpl().getmQClientFactory().getClientId();
        Common.emit(Common.obj("event", "started", "clientId", clientId));

        long deadline = System.currentTimeMillis() + timeoutSeconds * 1000L;
        boolean stopped = false;
        List<Integer> lastQueues = new ArrayList<>();
        while (System.currentTimeMillis() < deadline) {
            List<Integer> queues = ClientKit.sorted(ClientKit.assignment(consumer, topic));
            if (!queues.equals(lastQueues)) {
                // A rebalance changed the subVersion: make sure the broker has it (see ClientKit.heartbeat).
                ClientKit.heartbeat(consumer, topic, deadline);
                lastQueues = queues;
            }
            writeStatus(statusFile, clientId, queues, bodies);
            if (Files.exists(stopFile)) {
                stopped = true;
                break;
            }
            Thread.sleep(100);
        }
        Common.bounded("consumer-shutdown", 10_000, consumer::shutdown);
        writeStatus(statusFile, clientId, new ArrayList<>(), bodies);
        Common.emit(Common.obj("event", stopped ? "done" : "timeout", "deliveries", bodies.size()));
        System.exit(stopped ? 0 : Common.EXIT_FAILED);
    }

    private static void writeStatus(Path file, String clientId, List<Integer> queues, List<String> bodies)
        throws IOException {
        Map<String, Object> status = Common.obj("clientId", clientId, "queues", queues,
            "bodies", new ArrayList<>(bodies));
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(temp, com.alibaba.fastjson.JSON.toJSONString(status).getBytes(StandardCharsets.UTF_8));
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}

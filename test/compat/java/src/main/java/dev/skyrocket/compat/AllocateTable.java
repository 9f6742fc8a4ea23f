package dev.skyrocket.compat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.rocketmq.client.consumer.AllocateMessageQueueStrategy;
import org.apache.rocketmq.client.consumer.rebalance.AllocateMessageQueueAveragely;
import org.apache.rocketmq.client.consumer.rebalance.AllocateMessageQueueAveragelyByCircle;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * AllocateTable case...
 *
 * <p>Each case is "topic|brokerA:queues,brokerB:queues|clientId,clientId,...". For every case and every client id,
 * runs the Java client's allocation strategies exactly as RebalanceImpl does (both lists sorted with
 * Collections.sort first) and prints {"event":"allocation","case":i,"strategy":"AVG"|"AVG_BY_CIRCLE","clientId":...,
 * "queues":["brokerName#queueId", ...]} with the queues in the order the strategy returned them.
 */
public final class AllocateTable {
    private static final String PROGRAM = "AllocateTable";

    private AllocateTable() {
    }

    public static void main(String[] args) {
        if (args.length == 0) {
            Common.usage(PROGRAM, "case... (topic|broker:queues,...|clientId,...)");
        }
        List<AllocateMessageQueueStrategy> strategies = Arrays.asList(
            new AllocateMessageQueueAveragely(), new AllocateMessageQueueAveragelyByCircle());
        for (int i = 0; i < args.length; i++) {
            String[] parts = args[i].split("\\|", -1);
            if (parts.length != 3) {
                Common.usage(PROGRAM, "bad case " + args[i]);
            }
            String topic = parts[0];
            List<MessageQueue> mqAll = new ArrayList<>();
            for (String broker : parts[1].split(",")) {
                String[] kv = broker.split(":");
                int n = Common.parseInt(PROGRAM, "queues", kv[1]);
                for (int q = 0; q < n; q++) {
                    mqAll.add(new MessageQueue(topic, kv[0], q));
                }
            }
            List<String> cidAll = new ArrayList<>(Arrays.asList(parts[2].split(",")));
            Collections.sort(mqAll);
            Collections.sort(cidAll);
            for (AllocateMessageQueueStrategy strategy : strategies) {
                for (String cid : cidAll) {
                    List<String> queues = new ArrayList<>();
                    for (MessageQueue mq : strategy.allocate("G", cid, mqAll, cidAll)) {
                        queues.add(mq.getBrokerName() + "#" + mq.getQueueId());
                    }
                    // A JSON string, not a list: Common.emit sorts lists, and the order is part of the answer.
                    Common.emit(Common.obj("event", "allocation", "case", i, "strategy", strategy.getName(),
                        "clientId", cid, "queues", String.join(" ", queues)));
                }
            }
        }
        System.exit(0);
    }
}

package dev.skyrocket.compat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.QueryResult;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.remoting.protocol.admin.ConsumeStats;
import org.apache.rocketmq.remoting.protocol.admin.OffsetWrapper;
import org.apache.rocketmq.remoting.protocol.admin.TopicOffset;
import org.apache.rocketmq.remoting.protocol.admin.TopicStatsTable;
import org.apache.rocketmq.remoting.protocol.body.ClusterInfo;
import org.apache.rocketmq.remoting.protocol.body.ConsumerConnection;
import org.apache.rocketmq.remoting.protocol.body.KVTable;
import org.apache.rocketmq.remoting.protocol.body.SubscriptionGroupWrapper;
import org.apache.rocketmq.remoting.protocol.body.TopicConfigSerializeWrapper;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.remoting.protocol.subscription.SubscriptionGroupConfig;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * AdminOps namesrvAddr clusterName topic group
 *
 * <p>Drives a broker the way {@code mqadmin} and dashboards do, through DefaultMQAdminExt, with a producer and a
 * push consumer in the same JVM for data. Every step prints one JSON line with what the admin API returned, so the
 * test can compare it with what it expects; the first step that throws ends the program with exit code 1.
 * <ol>
 *   <li>{@code created}: createAndUpdateTopicConfig on the cluster's master (4 queues, perm 6), then
 *       {@code routeReady} once the NameServer route lists it, and {@code topicList} (fetchAllTopicList).</li>
 *   <li>{@code sent}: 10 messages "msg-i" with key "key-i"; {@code consumed}: a push consumer of {@code group}
 *       receives them; {@code connection}: examineConsumerConnectionInfo while it is online; then it shuts down
 *       (committing its offsets) and 3 more messages are sent.</li>
 *   <li>{@code consumeStats}: examineConsumeStats(group) once the committed offsets add up to 10 (lag 3);
 *       {@code topicStats}: examineTopicStats(topic).</li>
 *   <li>{@code queryByKey}: queryMessage(topic, "key-3"); {@code queryByUniqKey}; {@code viewByOffsetMsgId}:
 *       viewMessage(topic, offsetMsgId of msg-5).</li>
 *   <li>{@code runtime}: fetchBrokerRuntimeStats; {@code topicConfigs}: getAllTopicConfig;
 *       {@code subscriptionGroup}: createAndUpdateSubscriptionGroupConfig then getAllSubscriptionGroup.</li>
 *   <li>{@code deleted}: deleteTopic(topic, cluster), then the topic list and route no longer have it.</li>
 * </ol>
 */
public final class AdminOps {
    private static final String PROGRAM = "AdminOps";
    private static final int FIRST_BATCH = 10;
    private static final int SECOND_BATCH = 3;

    private AdminOps() {
    }

    public static void main(String[] args) {
        if (args.length != 4) {
            Common.usage(PROGRAM, "namesrvAddr clusterName topic group");
        }
        String namesrvAddr = args[0];
        String clusterName = args[1];
        String topic = args[2];
        String group = args[3];
        long budget = Common.budgetMillis(150_000);
        Common.startWatchdog(PROGRAM, budget);
        long deadline = System.currentTimeMillis() + budget - 15_000;
        String pid = String.valueOf(ProcessHandle.current().pid());

        DefaultMQAdminExt admin = new DefaultMQAdminExt(5_000);
        admin.setNamesrvAddr(namesrvAddr);
        admin.setInstanceName("compat_admin_ops_" + pid);
        DefaultMQProducer producer = new DefaultMQProducer("compat_admin_ops_producer");
        producer.setNamesrvAddr(namesrvAddr);
        producer.setInstanceName("compat_admin_ops_producer_" + pid);
        String step = "start";
        try {
            admin.start();
            producer.start();

            step = "createAndUpdateTopicConfig";
            String master = masterOf(admin, clusterName);
            admin.createAndUpdateTopicConfig(master, new TopicConfig(topic, 4, 4, 6));
            Common.emit(Common.obj("event", "created", "brokerAddr", master));
            step = "examineTopicRouteInfo";
            while (!hasRoute(admin, topic)) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("no route for " + topic + " after creating it");
                }
                Thread.sleep(100);
            }
            Common.emit(Common.obj("event", "routeReady"));
            step = "fetchAllTopicList";
            Common.emit(Common.obj("event", "topicList", "hasTopic",
                admin.fetchAllTopicList().getTopicList().contains(topic)));

            step = "send";
            List<SendResult> sent = send(producer, topic, 0, FIRST_BATCH);
            step = "consume";
            consume(admin, namesrvAddr, topic, group, pid);
            send(producer, topic, FIRST_BATCH, SECOND_BATCH);

            step = "examineConsumeStats";
            ConsumeStats consumeStats = null;
            while (consumeStats == null) {
                ConsumeStats stats = admin.examineConsumeStats(group);
                long consumed = 0;
                for (Map.Entry<MessageQueue, OffsetWrapper> e : stats.getOffsetTable().entrySet()) {
                    if (e.getKey().getTopic().equals(topic)) {
                        consumed += e.getValue().getConsumerOffset();
                    }
                }
                if (consumed == FIRST_BATCH) {
                    consumeStats = stats;
                } else if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("committed offsets add up to " + consumed + ", not " + FIRST_BATCH);
                } else {
                    Thread.sleep(200);
                }
            }
            List<Object> rows = new ArrayList<>();
            for (Map.Entry<MessageQueue, OffsetWrapper> e : new TreeMap<>(consumeStats.getOffsetTable()).entrySet()) {
                rows.add(Common.obj(
                    "topic", e.getKey().getTopic(),
                    "brokerName", e.getKey().getBrokerName(),
                    "queueId", e.getKey().getQueueId(),
                    "brokerOffset", e.getValue().getBrokerOffset(),
                    "consumerOffset", e.getValue().getConsumerOffset(),
                    "lastTimestamp", e.getValue().getLastTimestamp()));
            }
            Common.emit(Common.obj("event", "consumeStats", "rows", rows, "diffTotal", consumeStats.computeTotalDiff(),
                "consumeTps", consumeStats.getConsumeTps()));

            step = "examineTopicStats";
            TopicStatsTable topicStats = admin.examineTopicStats(topic);
            List<Object> queues = new ArrayList<>();
            for (Map.Entry<MessageQueue, TopicOffset> e : new TreeMap<>(topicStats.getOffsetTable()).entrySet()) {
                queues.add(Common.obj(
                    "brokerName", e.getKey().getBrokerName(),
                    "queueId", e.getKey().getQueueId(),
                    "minOffset", e.getValue().getMinOffset(),
                    "maxOffset", e.getValue().getMaxOffset(),
                    "lastUpdateTimestamp", e.getValue().getLastUpdateTimestamp()));
            }
            Common.emit(Common.obj("event", "topicStats", "queues", queues));

            step = "queryMessage";
            QueryResult byKey = admin.queryMessage(topic, "key-3", 32, 0, Long.MAX_VALUE);
            Common.emit(Common.obj("event", "queryByKey", "bodies", bodies(byKey.getMessageList()),
                "indexLastUpdateTimestamp", byKey.getIndexLastUpdateTimestamp()));
            step = "queryMessageByUniqKey";
            SendResult fourth = sent.get(4);
            QueryResult byUniqKey = admin.queryMessageByUniqKey(null, topic, fourth.getMsgId(), 32, 0, Long.MAX_VALUE);
            Common.emit(Common.obj("event", "queryByUniqKey", "bodies", bodies(byUniqKey.getMessageList())));
            step = "queryMessage (no match)";
            String noMatch;
            try {
                noMatch = "found " + bodies(admin.queryMessage(topic, "key-none", 32, 0, Long.MAX_VALUE)
                    .getMessageList());
            } catch (MQClientException expected) {
                noMatch = "responseCode " + expected.getResponseCode();
            }
            Common.emit(Common.obj("event", "queryNoMatch", "outcome", noMatch));
            step = "viewMessage";
            SendResult fifth = sent.get(5);
            MessageExt viewed = admin.viewMessage(topic, fifth.getOffsetMsgId());
            Common.emit(Common.obj("event", "viewByOffsetMsgId",
                "body", new String(viewed.getBody(), StandardCharsets.UTF_8),
                "keys", viewed.getKeys(),
                "msgId", viewed.getMsgId(),
                "commitLogOffset", viewed.getCommitLogOffset(),
                "storeHost", String.valueOf(viewed.getStoreHost()),
                "expectedMsgId", fifth.getMsgId(),
                "expectedOffsetMsgId", fifth.getOffsetMsgId()));

            step = "fetchBrokerRuntimeStats";
            KVTable runtime = admin.fetchBrokerRuntimeStats(master);
            Common.emit(Common.obj("event", "runtime", "table", new TreeMap<>(runtime.getTable())));
            step = "getAllTopicConfig";
            TopicConfigSerializeWrapper topicConfigs = admin.getAllTopicConfig(master, 5_000);
            TopicConfig stored = topicConfigs.getTopicConfigTable().get(topic);
            Common.emit(Common.obj("event", "topicConfigs",
                "readQueueNums", stored == null ? -1 : stored.getReadQueueNums(),
                "perm", stored == null ? -1 : stored.getPerm(),
                "counter", topicConfigs.getDataVersion().getCounter().get()));
            step = "createAndUpdateSubscriptionGroupConfig";
            SubscriptionGroupConfig groupConfig = new SubscriptionGroupConfig();
            groupConfig.setGroupName(group + "_admin");
            groupConfig.setRetryMaxTimes(5);
            admin.createAndUpdateSubscriptionGroupConfig(master, groupConfig);
            SubscriptionGroupWrapper groups = admin.getAllSubscriptionGroup(master, 5_000);
            SubscriptionGroupConfig readBack = groups.getSubscriptionGroupTable().get(group + "_admin");
            Common.emit(Common.obj("event", "subscriptionGroup",
                "retryMaxTimes", readBack == null ? -1 : readBack.getRetryMaxTimes(),
                "consumerGroupKnown", groups.getSubscriptionGroupTable().containsKey(group)));

            step = "deleteTopic";
            admin.deleteTopic(topic, clusterName);
            Common.emit(Common.obj("event", "deleted",
                "inTopicList", admin.fetchAllTopicList().getTopicList().contains(topic),
                "hasRoute", hasRoute(admin, topic)));
        } catch (Exception e) {
            Common.fail(PROGRAM, Common.EXIT_FAILED, "step " + step + " failed", e);
            return;
        }
        Common.bounded("producer-shutdown", 5_000, producer::shutdown);
        Common.bounded("admin-shutdown", 5_000, admin::shutdown);
        Common.emit(Common.obj("event", "done"));
        System.exit(0);
    }

    private static String masterOf(DefaultMQAdminExt admin, String clusterName) throws Exception {
        ClusterInfo info = admin.examineBrokerClusterInfo();
        Set<String> names = info.getClusterAddrTable().get(clusterName);
        if (names == null || names.isEmpty()) {
            throw new IllegalStateException("cluster " + clusterName + " has no brokers");
        }
        BrokerData data = info.getBrokerAddrTable().get(names.iterator().next());
        return data.getBrokerAddrs().get(MixAll.MASTER_ID);
    }

    private static boolean hasRoute(DefaultMQAdminExt admin, String topic) {
        try {
            return !admin.examineTopicRouteInfo(topic).getQueueDatas().isEmpty();
        } catch (Exception notThere) {
            return false;
        }
    }

    private static List<SendResult> send(DefaultMQProducer producer, String topic, int from, int count)
        throws Exception {
        List<SendResult> results = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            Message message = new Message(topic, "TagA", "key-" + i, ("msg-" + i).getBytes(StandardCharsets.UTF_8));
            SendResult result = producer.send(message);
            if (result.getSendStatus() != SendStatus.SEND_OK) {
                throw new IllegalStateException("send of msg-" + i + " answered " + result.getSendStatus());
            }
            results.add(result);
        }
        Common.emit(Common.obj("event", "sent", "from", from, "count", count));
        return results;
    }

    /** Consumes the first batch with a push consumer, checks its connection info, then shuts it down. */
    private static void consume(DefaultMQAdminExt admin, String namesrvAddr, String topic, String group, String pid)
        throws Exception {
        Set<String> bodies = ConcurrentHashMap.newKeySet();
        CountDownLatch all = new CountDownLatch(1);
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(group);
        consumer.setNamesrvAddr(namesrvAddr);
        consumer.setInstanceName("compat_admin_ops_consumer_" + pid);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.setPersistConsumerOffsetInterval(1_000);
        consumer.subscribe(topic, "*");
        consumer.registerMessageListener((MessageListenerConcurrently) (msgs, context) -> {
            for (MessageExt m : msgs) {
                bodies.add(new String(m.getBody(), StandardCharsets.UTF_8));
            }
            if (bodies.size() >= FIRST_BATCH) {
                all.countDown();
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        consumer.start();
        try {
            if (!all.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("consumed " + bodies.size() + " of " + FIRST_BATCH + " messages");
            }
            Common.emit(Common.obj("event", "consumed", "count", bodies.size()));
            ConsumerConnection connection = admin.examineConsumerConnectionInfo(group);
            Common.emit(Common.obj("event", "connection",
                "clients", connection.getConnectionSet().size(),
                "messageModel", String.valueOf(connection.getMessageModel()),
                "consumeType", String.valueOf(connection.getConsumeType()),
                "subscribed", connection.getSubscriptionTable().containsKey(topic)));
        } finally {
            // shutdown() commits the consumed offsets (UPDATE_CONSUMER_OFFSET) and unregisters the client.
            Common.bounded("consumer-shutdown", 10_000, consumer::shutdown);
        }
    }

    private static List<String> bodies(List<MessageExt> messages) {
        List<String> out = new ArrayList<>();
        for (MessageExt m : messages) {
            out.add(new String(m.getBody(), StandardCharsets.UTF_8));
        }
        out.sort(null);
        return out;
    }
}

package dev.skyrocket.compat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.constant.PermName;
import org.apache.rocketmq.remoting.protocol.body.ClusterInfo;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.remoting.protocol.route.QueueData;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * CreateTopic namesrvAddr clusterName topic queueNums [perm]
 *
 * <p>What {@code mqadmin updateTopic -c cluster} does: reads the cluster's brokers from the NameServer
 * (GET_BROKER_CLUSTER_INFO), sends UPDATE_AND_CREATE_TOPIC to each master (broker id 0) with read = write queues =
 * {@code queueNums} and {@code perm} (default 6 = RW), then polls the NameServer until the topic's route lists
 * every one of those brokers (the broker registers the new topic at once). Prints {"event":"created",...} per
 * master and {"event":"routeReady",...}; exits 1 if the cluster has no master or the route does not appear.
 */
public final class CreateTopic {
    private static final String PROGRAM = "CreateTopic";

    private CreateTopic() {
    }

    public static void main(String[] args) {
        if (args.length < 4 || args.length > 5) {
            Common.usage(PROGRAM, "namesrvAddr clusterName topic queueNums [perm]");
        }
        String namesrvAddr = args[0];
        String clusterName = args[1];
        String topic = args[2];
        int queueNums = Common.parseInt(PROGRAM, "queueNums", args[3]);
        int perm = args.length > 4 ? Common.parseInt(PROGRAM, "perm", args[4]) : PermName.PERM_READ | PermName.PERM_WRITE;
        long budget = Common.budgetMillis(60_000);
        Common.startWatchdog(PROGRAM, budget);
        long deadline = System.currentTimeMillis() + budget - 5_000;

        DefaultMQAdminExt admin = new DefaultMQAdminExt(5_000);
        admin.setNamesrvAddr(namesrvAddr);
        admin.setInstanceName("compat_create_topic_" + ProcessHandle.current().pid());
        try {
            admin.start();
            ClusterInfo clusterInfo = admin.examineBrokerClusterInfo();
            Set<String> brokerNames = clusterInfo.getClusterAddrTable() == null ? null
                : clusterInfo.getClusterAddrTable().get(clusterName);
            if (brokerNames == null || brokerNames.isEmpty()) {
                Common.fail(PROGRAM, Common.EXIT_FAILED, "cluster " + clusterName + " has no brokers at " + namesrvAddr,
                    null);
                return;
            }
            List<String> created = new ArrayList<>();
            for (String brokerName : new TreeSet<>(brokerNames)) {
                BrokerData bd = clusterInfo.getBrokerAddrTable().get(brokerName);
                String master = bd == null ? null : bd.getBrokerAddrs().get(MixAll.MASTER_ID);
                if (master == null) {
                    continue;
                }
                TopicConfig config = new TopicConfig(topic, queueNums, queueNums, perm);
                admin.createAndUpdateTopicConfig(master, config);
                created.add(brokerName);
                Common.emit(Common.obj(
                    "event", "created",
                    "topic", topic,
                    "brokerName", brokerName,
                    "brokerAddr", master,
                    "readQueueNums", queueNums,
                    "writeQueueNums", queueNums,
                    "perm", perm));
            }
            if (created.isEmpty()) {
                Common.fail(PROGRAM, Common.EXIT_FAILED, "cluster " + clusterName + " has no master broker", null);
                return;
            }
            while (true) {
                Set<String> inRoute = new TreeSet<>();
                try {
                    TopicRouteData route = admin.examineTopicRouteInfo(topic);
                    for (QueueData qd : route.getQueueDatas()) {
                        inRoute.add(qd.getBrokerName());
                    }
                } catch (Exception notYet) {
                    // TOPIC_NOT_EXIST until the first broker registered the topic.
                }
                if (inRoute.containsAll(created)) {
                    Common.emit(Common.obj("event", "routeReady", "topic", topic, "brokerNames", created));
                    break;
                }
                if (System.currentTimeMillis() > deadline) {
                    Common.fail(PROGRAM, Common.EXIT_FAILED, "topic " + topic + " created on " + created
                        + " but the NameServer's route lists only " + inRoute, null);
                    return;
                }
                Thread.sleep(200);
            }
        } catch (Exception e) {
            Common.fail(PROGRAM, Common.EXIT_FAILED, "creating topic " + topic + " in cluster " + clusterName + " failed",
                e);
            return;
        }
        Common.bounded("admin-shutdown", 5_000, admin::shutdown);
        System.exit(0);
    }
}

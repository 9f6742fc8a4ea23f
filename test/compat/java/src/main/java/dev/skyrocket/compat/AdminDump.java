package dev.skyrocket.compat;

import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.remoting.protocol.body.ClusterInfo;
import org.apache.rocketmq.remoting.protocol.route.TopicRouteData;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * AdminDump namesrvAddr [topic]
 *
 * <p>Asks the NameServer, through Apache's DefaultMQAdminExt, for {@code examineBrokerClusterInfo()} and (when a
 * topic is given) {@code examineTopicRouteInfo(topic)}, and prints one line:
 * <pre>
 * {"event":"dump","namesrvAddr":...,"topic":...,"clusterInfo":{...},"topicRoute":{...}|null,"topicRouteError":null|{"code":17,"message":...}}
 * </pre>
 * {@code clusterInfo} and {@code topicRoute} are the objects the Java admin decoded, re-serialized the way RocketMQ
 * puts them on the wire and then canonicalized (keys sorted, map keys as strings, every array sorted, nulls kept;
 * see {@link Common#canonicalWire}), so the answers of two NameServers about the same brokers compare equal with a
 * deep equality. No field is dropped. A missing topic is not a failure: it is reported in {@code topicRouteError}
 * (TOPIC_NOT_EXIST is code 17). Any other error exits 1.
 */
public final class AdminDump {
    private static final String PROGRAM = "AdminDump";

    private AdminDump() {
    }

    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2) {
            Common.usage(PROGRAM, "namesrvAddr [topic]");
        }
        String namesrvAddr = args[0];
        String topic = args.length > 1 ? args[1] : null;
        Common.startWatchdog(PROGRAM, Common.budgetMillis(60_000));

        DefaultMQAdminExt admin = new DefaultMQAdminExt(5_000);
        admin.setNamesrvAddr(namesrvAddr);
        admin.setInstanceName("compat_admin_" + ProcessHandle.current().pid());
        ClusterInfo clusterInfo;
        TopicRouteData route = null;
        Object routeError = null;
        try {
            admin.start();
            clusterInfo = admin.examineBrokerClusterInfo();
            if (topic != null) {
                try {
                    route = admin.examineTopicRouteInfo(topic);
                } catch (MQClientException e) {
                    if (e.getResponseCode() <= 0) {
                        throw e;
                    }
                    routeError = Common.obj("code", e.getResponseCode(), "message", e.getErrorMessage());
                }
            }
        } catch (Exception e) {
            Common.fail(PROGRAM, Common.EXIT_FAILED, "admin query to namesrv " + namesrvAddr + " failed", e);
            return;
        }
        Common.emit(Common.obj(
            "event", "dump",
            "namesrvAddr", namesrvAddr,
            "topic", topic,
            "clusterInfo", Common.canonicalWire(clusterInfo),
            "topicRoute", Common.canonicalWire(route),
            "topicRouteError", routeError));
        Common.bounded("admin-shutdown", 5_000, admin::shutdown);
        System.exit(0);
    }
}

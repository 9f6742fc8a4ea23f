package dev.skyrocket.compat;

import java.nio.charset.StandardCharsets;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;

/**
 * Produce namesrvAddr topic count [tag]
 *
 * <p>Sends {@code count} messages with bodies "msg-0" .. "msg-(count-1)" synchronously with the Apache Java
 * client. Prints {"event":"send",...} per message and a final {"event":"summary",...}. Exits 0 when every send
 * returned SEND_OK, 1 otherwise (the first exception stops the run).
 */
public final class Produce {
    private static final String PROGRAM = "Produce";

    private Produce() {
    }

    public static void main(String[] args) {
        if (args.length < 3 || args.length > 4) {
            Common.usage(PROGRAM, "namesrvAddr topic count [tag]");
        }
        String namesrvAddr = args[0];
        String topic = args[1];
        int count = Common.parseInt(PROGRAM, "count", args[2]);
        String tag = args.length > 3 ? args[3] : null;
        Common.startWatchdog(PROGRAM, Common.budgetMillis(120_000));

        DefaultMQProducer producer = new DefaultMQProducer("compat_producer_" + ProcessHandle.current().pid());
        producer.setNamesrvAddr(namesrvAddr);
        producer.setSendMsgTimeout(10_000);
        producer.setRetryTimesWhenSendFailed(2);
        int ok = 0;
        int notOk = 0;
        try {
            producer.start();
            for (int i = 0; i < count; i++) {
                Message msg = new Message(topic, tag, ("msg-" + i).getBytes(StandardCharsets.UTF_8));
                SendResult r;
                try {
                    r = producer.send(msg);
                } catch (Exception e) {
                    Common.emit(Common.obj("event", "summary", "sent", i, "ok", ok, "notOk", notOk, "count", count));
                    Common.fail(PROGRAM, Common.EXIT_FAILED, "send #" + i + " to topic " + topic + " failed", e);
                    return;
                }
                if (r.getSendStatus() == SendStatus.SEND_OK) {
                    ok++;
                } else {
                    notOk++;
                }
                Common.emit(Common.obj(
                    "event", "send",
                    "index", i,
                    "body", "msg-" + i,
                    "status", r.getSendStatus().name(),
                    "msgId", r.getMsgId(),
                    "offsetMsgId", r.getOffsetMsgId(),
                    "brokerName", r.getMessageQueue().getBrokerName(),
                    "queueId", r.getMessageQueue().getQueueId(),
                    "queueOffset", r.getQueueOffset()));
            }
        } catch (Exception e) {
            Common.fail(PROGRAM, Common.EXIT_FAILED, "producer start failed (namesrv " + namesrvAddr + ")", e);
            return;
        }
        Common.emit(Common.obj("event", "summary", "sent", count, "ok", ok, "notOk", notOk, "count", count));
        Common.bounded("producer-shutdown", 10_000, producer::shutdown);
        System.exit(notOk == 0 ? 0 : Common.EXIT_FAILED);
    }
}

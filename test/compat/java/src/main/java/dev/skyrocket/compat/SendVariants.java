package dev.skyrocket.compat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;

/**
 * SendVariants namesrvAddr topic perMode [modes]
 *
 * <p>Sends {@code perMode} messages in each of the modes sync, async, oneway and batch (default all four, in that
 * order; {@code modes} is a comma list) with one DefaultMQProducer. Every message has a tag (TagA, TagB, TagC in
 * turn), two keys, a user flag and user properties with non-ASCII text and separators-like characters; message 0
 * of the single-message modes has an 8 KiB body (the client compresses bodies over 4 KiB) and message 1 a binary
 * body holding every byte value.
 *
 * <p>Prints per message {"event":"expect", id, mode, tags, keys, flag, bodyB64, properties} with the properties the
 * client put on the wire (UNIQ_KEY, TAGS, KEYS, WAIT and the user properties), and per send result
 * {"event":"send", id, mode, status, msgId, offsetMsgId, queueId, queueOffset} (a batch prints one send line
 * for the whole batch, with id "batch"). Ends with {"event":"summary",...}. Exits 0 when every sync, async and
 * batch send returned SEND_OK, 1 otherwise.
 */
public final class SendVariants {
    private static final String PROGRAM = "SendVariants";
    private static final String[] TAGS = {"TagA", "TagB", "TagC"};

    private SendVariants() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3 || args.length > 4) {
            Common.usage(PROGRAM, "namesrvAddr topic perMode [sync,async,oneway,batch]");
        }
        String namesrvAddr = args[0];
        String topic = args[1];
        int perMode = Common.parseInt(PROGRAM, "perMode", args[2]);
        List<String> modes = Arrays.asList((args.length > 3 ? args[3] : "sync,async,oneway,batch").split(","));
        Common.startWatchdog(PROGRAM, Common.budgetMillis(120_000));

        DefaultMQProducer producer = new DefaultMQProducer("compat_variants_" + ProcessHandle.current().pid());
        producer.setNamesrvAddr(namesrvAddr);
        producer.setInstanceName("compat_variants_" + ProcessHandle.current().pid());
        producer.setSendMsgTimeout(10_000);
        producer.setRetryTimesWhenSendFailed(2);
        try {
            producer.start();
        } catch (Exception e) {
            Common.fail(PROGRAM, Common.EXIT_FAILED, "producer start failed (namesrv " + namesrvAddr + ")", e);
            return;
        }

        AtomicInteger ok = new AtomicInteger();
        AtomicInteger notOk = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        int oneway = 0;
        for (String mode : modes) {
            switch (mode) {
                case "sync":
                    for (int i = 0; i < perMode; i++) {
                        Message msg = message(topic, mode, i);
                        byte[] body = msg.getBody().clone();
                        try {
                            SendResult r = producer.send(msg);
                            expect(mode, i, msg, body);
                            result(mode, mode + "-" + i, r, ok, notOk);
                        } catch (Exception e) {
                            failed.incrementAndGet();
                            Common.emit(Common.obj("event", "send-error", "mode", mode, "id", mode + "-" + i,
                                "exception", e.getClass().getName(), "cause", String.valueOf(e.getMessage())));
                        }
                    }
                    break;
                case "async": {
                    CountDownLatch latch = new CountDownLatch(perMode);
                    for (int i = 0; i < perMode; i++) {
                        Message msg = message(topic, mode, i);
                        byte[] body = msg.getBody().clone();
                        String id = mode + "-" + i;
                        int index = i;
                        producer.send(msg, new SendCallback() {
                            @Override
                            public void onSuccess(SendResult r) {
                                expect(mode, index, msg, body);
                                result(mode, id, r, ok, notOk);
                                latch.countDown();
                            }

                            @Override
                            public void onException(Throwable e) {
                                failed.incrementAndGet();
                                Common.emit(Common.obj("event", "send-error", "mode", mode, "id", id,
                                    "exception", e.getClass().getName(), "cause", String.valueOf(e.getMessage())));
                                latch.countDown();
                            }
                        });
                    }
                    if (!latch.await(60, TimeUnit.SECONDS)) {
                        failed.incrementAndGet();
                        Common.emit(Common.obj("event", "send-error", "mode", mode, "id", "async",
                            "exception", "timeout", "cause", "async callbacks missing after 60 s"));
                    }
                    break;
                }
                case "oneway":
                    for (int i = 0; i < perMode; i++) {
                        Message msg = message(topic, mode, i);
                        byte[] body = msg.getBody().clone();
                        try {
                            producer.sendOneway(msg);
                            oneway++;
                            expect(mode, i, msg, body);
                        } catch (Exception e) {
                            failed.incrementAndGet();
                            Common.emit(Common.obj("event", "send-error", "mode", mode, "id", mode + "-" + i,
                                "exception", e.getClass().getName(), "cause", String.valueOf(e.getMessage())));
                        }
                    }
                    break;
                case "batch": {
                    List<Message> batch = new ArrayList<>();
                    List<byte[]> bodies = new ArrayList<>();
                    for (int i = 0; i < perMode; i++) {
                        Message msg = message(topic, mode, i);
                        batch.add(msg);
                        bodies.add(msg.getBody().clone());
                    }
                    try {
                        SendResult r = producer.send(batch);
                        for (int i = 0; i < perMode; i++) {
                            expect(mode, i, batch.get(i), bodies.get(i));
                        }
                        result(mode, "batch", r, ok, notOk);
                    } catch (Exception e) {
                        failed.incrementAndGet();
                        Common.emit(Common.obj("event", "send-error", "mode", mode, "id", "batch",
                            "exception", e.getClass().getName(), "cause", String.valueOf(e.getMessage())));
                    }
                    break;
                }
                default:
                    Common.fail(PROGRAM, Common.EXIT_USAGE, "unknown mode " + mode, null);
            }
        }
        Common.emit(Common.obj("event", "summary", "ok", ok.get(), "notOk", notOk.get(), "failed", failed.get(),
            "oneway", oneway));
        Common.bounded("producer-shutdown", 10_000, producer::shutdown);
        System.exit(notOk.get() == 0 && failed.get() == 0 ? 0 : Common.EXIT_FAILED);
    }

    /** Message {@code i} of {@code mode}: see the class comment. */
    static Message message(String topic, String mode, int i) {
        String id = mode + "-" + i;
        byte[] body;
        if (i == 0 && !mode.equals("batch")) {
            body = new byte[8 * 1024];
            Random random = new Random(id.hashCode());
            for (int j = 0; j < body.length; j++) {
                // Half text, half noise: compresses, yet every byte matters.
                body[j] = (j % 2 == 0) ? (byte) ('a' + (j / 2) % 26) : (byte) random.nextInt(256);
            }
        } else if (i == 1) {
            body = new byte[256 * 2];
            for (int j = 0; j < body.length; j++) {
                body[j] = (byte) (j % 256);
            }
        } else {
            body = ("body of " + id + " — ünïcødé ✓ \"quoted\" {json:like} \\ back\\slash")
                .getBytes(StandardCharsets.UTF_8);
        }
        Message msg = new Message(topic, TAGS[i % TAGS.length], "key-" + id + " alt-" + i, body);
        msg.setFlag(1000 + i);
        msg.putUserProperty(ClientKit.ID_PROPERTY, id);
        msg.putUserProperty("mode", mode);
        msg.putUserProperty("note", "équipe ✓ a=b&c:d;e,f|g");
        msg.putUserProperty("index", String.valueOf(i));
        return msg;
    }

    static void expect(String mode, int i, Message msg, byte[] body) {
        Map<String, Object> props = ClientKit.properties(msg);
        Common.emit(Common.obj(
            "event", "expect",
            "id", mode + "-" + i,
            "mode", mode,
            "topic", msg.getTopic(),
            "tags", msg.getTags(),
            "keys", msg.getKeys(),
            "flag", msg.getFlag(),
            "bodyB64", ClientKit.b64(body),
            "properties", props));
    }

    static void result(String mode, String id, SendResult r, AtomicInteger ok, AtomicInteger notOk) {
        if (r.getSendStatus() == SendStatus.SEND_OK) {
            ok.incrementAndGet();
        } else {
            notOk.incrementAndGet();
        }
        Common.emit(Common.obj(
            "event", "send",
            "id", id,
            "mode", mode,
            "status", r.getSendStatus().name(),
            "msgId", r.getMsgId(),
            "offsetMsgId", r.getOffsetMsgId(),
            "brokerName", r.getMessageQueue().getBrokerName(),
            "queueId", r.getMessageQueue().getQueueId(),
            "queueOffset", r.getQueueOffset()));
    }
}

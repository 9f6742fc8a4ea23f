package dev.skyrocket.compat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.client.producer.TransactionSendResult;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * TransactionProduce namesrvAddr topic producerGroup spec [spec...]
 *
 * <p>Each spec is {@code body=LOCAL} or {@code body=LOCAL/CHECK}, where LOCAL is what
 * {@code executeLocalTransaction} returns for that message and CHECK what {@code checkLocalTransaction} returns
 * when the broker asks back (COMMIT, ROLLBACK or UNKNOW; CHECK defaults to UNKNOW). Sends one message per spec with
 * {@link TransactionMQProducer#sendMessageInTransaction}, printing {"event":"send",...}; prints {"event":"check",...}
 * for every CHECK_TRANSACTION_STATE call-back. Waits until every spec whose LOCAL is UNKNOW has been checked once,
 * lets the answers (END_TRANSACTION, oneway) go out, then prints {"event":"done",...} and exits 0; exits 1 when a
 * send fails or a check does not come within the budget (-Dcompat.timeoutMs, default 90 s).
 */
public final class TransactionProduce {
    private static final String PROGRAM = "TransactionProduce";

    private TransactionProduce() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            Common.usage(PROGRAM, "namesrvAddr topic producerGroup body=LOCAL[/CHECK] [body=LOCAL[/CHECK]...]");
        }
        String namesrvAddr = args[0];
        String topic = args[1];
        String group = args[2];
        Map<String, LocalTransactionState> local = new LinkedHashMap<>();
        Map<String, LocalTransactionState> onCheck = new LinkedHashMap<>();
        for (int i = 3; i < args.length; i++) {
            String[] bodyAndStates = args[i].split("=", 2);
            if (bodyAndStates.length != 2) {
                Common.usage(PROGRAM, "spec '" + args[i] + "' is not body=LOCAL[/CHECK]");
            }
            String[] states = bodyAndStates[1].split("/", 2);
            local.put(bodyAndStates[0], state(states[0]));
            onCheck.put(bodyAndStates[0], states.length > 1 ? state(states[1]) : LocalTransactionState.UNKNOW);
        }
        long budget = Common.budgetMillis(90_000);
        Common.startWatchdog(PROGRAM, budget + 20_000);

        Map<String, AtomicInteger> checks = new ConcurrentHashMap<>();
        long awaited = local.values().stream().filter(s -> s == LocalTransactionState.UNKNOW).count();
        CountDownLatch firstChecks = new CountDownLatch((int) awaited);

        TransactionMQProducer producer = new TransactionMQProducer(group);
        producer.setNamesrvAddr(namesrvAddr);
        producer.setInstanceName("compat_tx_producer_" + ProcessHandle.current().pid());
        producer.setSendMsgTimeout(10_000);
        // Our own check executor, so that the END_TRANSACTION answers can be awaited before exiting.
        ExecutorService checkExecutor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "compat-tx-check");
            t.setDaemon(true);
            return t;
        });
        producer.setExecutorService(checkExecutor);
        producer.setTransactionListener(new TransactionListener() {
            @Override
            public LocalTransactionState executeLocalTransaction(Message msg, Object arg) {
                return local.getOrDefault(body(msg), LocalTransactionState.UNKNOW);
            }

            @Override
            public LocalTransactionState checkLocalTransaction(MessageExt msg) {
                String body = body(msg);
                LocalTransactionState answer = onCheck.getOrDefault(body, LocalTransactionState.UNKNOW);
                int times = checks.computeIfAbsent(body, b -> new AtomicInteger()).incrementAndGet();
                Common.emit(Common.obj(
                    "event", "check",
                    "body", body,
                    "times", times,
                    "answer", answer.name(),
                    "topic", msg.getTopic(),
                    "queueId", msg.getQueueId(),
                    "queueOffset", msg.getQueueOffset(),
                    "transactionId", msg.getTransactionId(),
                    "uniqKey", msg.getProperty(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX),
                    "producerGroup", msg.getProperty(MessageConst.PROPERTY_PRODUCER_GROUP),
                    "checkTimes", msg.getProperty(MessageConst.PROPERTY_TRANSACTION_CHECK_TIMES)));
                if (times == 1 && local.get(body) == LocalTransactionState.UNKNOW) {
                    firstChecks.countDown();
                }
                return answer;
            }
        });

        int sent = 0;
        try {
            producer.start();
            for (Map.Entry<String, LocalTransactionState> spec : local.entrySet()) {
                Message msg = new Message(topic, "TagTx", spec.getKey(), spec.getKey().getBytes(StandardCharsets.UTF_8));
                TransactionSendResult r = producer.sendMessageInTransaction(msg, null);
                Common.emit(Common.obj(
                    "event", "send",
                    "body", spec.getKey(),
                    "status", r.getSendStatus().name(),
                    "localTransactionState", r.getLocalTransactionState().name(),
                    "msgId", r.getMsgId(),
                    "transactionId", r.getTransactionId(),
                    "brokerName", r.getMessageQueue().getBrokerName(),
                    "queueId", r.getMessageQueue().getQueueId(),
                    "queueOffset", r.getQueueOffset()));
                sent++;
            }
        } catch (Exception e) {
            Common.fail(PROGRAM, Common.EXIT_FAILED, "transactional send #" + sent + " to " + topic + " failed", e);
            return;
        }

        boolean checked = firstChecks.await(budget, TimeUnit.MILLISECONDS);
        // The check answers are sent by the check executor after checkLocalTransaction returns: let them go out.
        checkExecutor.shutdown();
        boolean answered = checkExecutor.awaitTermination(10, TimeUnit.SECONDS);
        Map<String, Object> checkCounts = new LinkedHashMap<>();
        checks.forEach((body, times) -> checkCounts.put(body, times.get()));
        Common.emit(Common.obj(
            "event", checked ? "done" : "timeout",
            "sent", sent,
            "checks", checkCounts,
            "answered", answered));
        Common.bounded("producer-shutdown", 10_000, producer::shutdown);
        if (!checked) {
            System.err.println(PROGRAM + ": not every UNKNOW transaction was checked within " + budget + " ms");
        }
        System.exit(checked && answered ? 0 : Common.EXIT_FAILED);
    }

    private static LocalTransactionState state(String text) {
        switch (text) {
            case "COMMIT":
            case "COMMIT_MESSAGE":
                return LocalTransactionState.COMMIT_MESSAGE;
            case "ROLLBACK":
            case "ROLLBACK_MESSAGE":
                return LocalTransactionState.ROLLBACK_MESSAGE;
            case "UNKNOW":
            case "UNKNOWN":
                return LocalTransactionState.UNKNOW;
            default:
                Common.usage(PROGRAM, "state '" + text + "' is not COMMIT, ROLLBACK or UNKNOW");
                return LocalTransactionState.UNKNOW; // unreachable
        }
    }

    private static String body(Message msg) {
        return new String(msg.getBody(), StandardCharsets.UTF_8);
    }
}

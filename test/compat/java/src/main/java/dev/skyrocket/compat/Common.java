package dev.skyrocket.compat;

import com.alibaba.fastjson.JSON;
import com.alibaba.fastjson.serializer.SerializerFeature;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Shared plumbing of the compatibility helper programs.
 *
 * <p>Every program prints machine-readable JSON lines on stdout (one object per line, keys sorted, always with an
 * {@code "event"} key) and nothing else there; RocketMQ's own logging goes to files under {@code user.home}. Exit
 * codes: 0 success, 1 the check failed (or an error occurred), 2 bad arguments, 3 the watchdog fired.
 */
final class Common {
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_WATCHDOG = 3;

    private static final Object OUT = new Object();

    private Common() {
    }

    /** Builds a sorted map from alternating keys and values. */
    static Map<String, Object> obj(Object... kv) {
        Map<String, Object> map = new TreeMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            map.put(String.valueOf(kv[i]), kv[i + 1]);
        }
        return map;
    }

    /** Prints one JSON line on stdout (thread-safe, flushed at once). */
    static void emit(Map<String, Object> event) {
        String line = JSON.toJSONString(canonical(event), SerializerFeature.WriteMapNullValue,
            SerializerFeature.DisableCircularReferenceDetect);
        synchronized (OUT) {
            System.out.println(line);
            System.out.flush();
        }
    }

    /**
     * Serializes a RocketMQ object the way RocketMQ puts it on the wire (fastjson, as RemotingSerializable does),
     * parses it back and returns its canonical form: maps become sorted maps with string keys, and every array
     * becomes sorted by the canonical text of its elements. All arrays in ClusterInfo and TopicRouteData are
     * unordered collections (HashSet of broker names, lists built from hash maps), so sorting them loses nothing
     * and makes the answers of two NameServers comparable with a plain deep equality.
     */
    static Object canonicalWire(Object rocketmqObject) {
        if (rocketmqObject == null) {
            return null;
        }
        String wire = JSON.toJSONString(rocketmqObject, SerializerFeature.WriteMapNullValue,
            SerializerFeature.DisableCircularReferenceDetect);
        return canonical(JSON.parse(wire));
    }

    /** Canonical form of parsed JSON (see {@link #canonicalWire}). */
    static Object canonical(Object value) {
        if (value instanceof Map) {
            Map<String, Object> sorted = new TreeMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                sorted.put(String.valueOf(e.getKey()), canonical(e.getValue()));
            }
            return sorted;
        }
        if (value instanceof Collection) {
            List<Object> items = new ArrayList<>();
            for (Object item : (Collection<?>) value) {
                items.add(canonical(item));
            }
            items.sort(Comparator.comparing(Common::canonicalText));
            return items;
        }
        return value;
    }

    private static String canonicalText(Object canonicalValue) {
        return JSON.toJSONString(canonicalValue, SerializerFeature.WriteMapNullValue);
    }

    /**
     * Starts a daemon thread that ends the JVM with exit code 3 after {@code millis}: no helper program can hang a
     * test, whatever the client library does.
     */
    static void startWatchdog(String program, long millis) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                return;
            }
            String message = program + ": watchdog fired after " + millis + " ms";
            emit(obj("event", "error", "program", program, "message", message, "watchdog", true));
            System.err.println(message);
            System.err.flush();
            Runtime.getRuntime().halt(EXIT_WATCHDOG);
        }, "compat-watchdog");
        t.setDaemon(true);
        t.start();
    }

    /** The overall time budget of a program: -Dcompat.timeoutMs, else the given default. */
    static long budgetMillis(long defaultMillis) {
        return Long.getLong("compat.timeoutMs", defaultMillis);
    }

    /** Reports an error as a JSON line and on stderr, then exits with {@code code}. */
    static void fail(String program, int code, String message, Throwable cause) {
        Map<String, Object> event = obj("event", "error", "program", program, "message", message);
        if (cause != null) {
            event.put("exception", cause.getClass().getName());
            event.put("cause", String.valueOf(cause.getMessage()));
        }
        emit(event);
        System.err.println(program + ": " + message);
        if (cause != null) {
            StringWriter sw = new StringWriter();
            cause.printStackTrace(new PrintWriter(sw));
            System.err.println(sw);
        }
        System.err.flush();
        System.exit(code);
    }

    static void usage(String program, String synopsis) {
        fail(program, EXIT_USAGE, "usage: " + program + " " + synopsis, null);
    }

    static int parseInt(String program, String name, String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            fail(program, EXIT_USAGE, name + " must be an integer, got '" + text + "'", null);
            return -1; // unreachable
        }
    }

    /** Runs {@code action} in a thread and waits at most {@code millis} for it (shutdowns must not hang). */
    static void bounded(String what, long millis, Runnable action) {
        Thread t = new Thread(action, "compat-" + what);
        t.setDaemon(true);
        t.start();
        try {
            t.join(millis);
        } catch (InterruptedException ignored) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            System.err.println(what + " did not finish within " + millis + " ms; exiting anyway");
        }
    }
}

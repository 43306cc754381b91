package dev.ordinal.apiserver.storage;

import dev.ordinal.client.api.ApiException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.io.IOException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Turns database failures into API errors: an unreachable or restarting database becomes
 * UNAVAILABLE (the client retries), anything else INTERNAL with a short message. The server log gets
 * one line per failure, throttled while the database stays down, never a stack trace for the client.
 */
public final class StorageErrors {
    private static final Logger LOG = Logger.getLogger(StorageErrors.class);
    private static final long LOG_EVERY_NANOS = 5_000_000_000L;
    private static final AtomicLong lastUnavailableLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

    private StorageErrors() {
    }

    /** The API error to report for a failure of a storage operation; API errors pass through unchanged. */
    public static ApiException toApi(String operation, Throwable failure) {
        if (failure instanceof ApiException api) {
            return api;
        }
        if (isUnavailable(failure)) {
            long now = System.nanoTime();
            long last = lastUnavailableLog.get();
            if (now - last >= LOG_EVERY_NANOS && lastUnavailableLog.compareAndSet(last, now)) {
                LOG.warnf("storage unavailable during %s: %s", operation, rootMessage(failure));
            }
            return ApiException.unavailable("storage is unavailable, retry later: " + rootMessage(failure));
        }
        LOG.errorf("storage failure during %s: %s", operation, rootMessage(failure));
        return ApiException.internal("storage failure during " + operation);
    }

    /** Whether the failure means the database cannot be reached or is refusing work for now. */
    public static boolean isUnavailable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof PgException pg) {
                String state = pg.getSqlState() == null ? "" : pg.getSqlState();
                // 08 connection exceptions, 57P admin shutdown/crash/cannot-connect-now, 53 resources,
                // 55000 "database is not currently accepting connections", 3D000 database missing.
                return state.startsWith("08") || state.startsWith("57P") || state.startsWith("53")
                        || state.equals("55000") || state.equals("3D000");
            }
            if (t instanceof ClosedConnectionException || t instanceof IOException || t instanceof TimeoutException
                    || t instanceof io.netty.channel.ConnectTimeoutException) {
                return true;
            }
            String name = t.getClass().getName();
            String message = t.getMessage() == null ? "" : t.getMessage();
            if (name.endsWith("NoStackTraceThrowable") || name.endsWith("NoStackTraceTimeoutException")
                    || message.contains("Connection is closed") || message.contains("Timeout")
                    || message.contains("Connection refused") || message.contains("pool is closed")) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable failure) {
        Throwable t = failure;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : message.lines().findFirst().orElse("");
    }
}

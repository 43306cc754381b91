package dev.ordinal.apiserver.watch;

import dev.ordinal.apiserver.ApiServerConfig;
import dev.ordinal.apiserver.storage.CommittedChanges;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * The one reader of the change log in this api-server instance: loads the full state into the
 * {@link WatchCache}, then follows {@code change_log} in resourceVersion order, woken by
 * {@code LISTEN ordinal_changes} and, as a safety net for lost notifications, by a periodic poll. It
 * never skips or repeats an entry: each read starts right after the cache's head. When the log has
 * been compacted past the head (the tail was cut off for longer than the retention), it reloads the
 * state; watches behind that point then expire because the log no longer holds what they miss.
 */
@ApplicationScoped
public class ChangeLogTail {
    private static final Logger LOG = Logger.getLogger(ChangeLogTail.class);
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);

    @Inject
    WatchCache cache;

    @Inject
    ChangeLog changeLog;

    @Inject
    ApiServerConfig config;

    @Inject
    Vertx vertx;

    @Inject
    Config mpConfig;

    /** Null until this bean's start: writes made by storage startup before it are loaded with the cache. */
    private volatile ScheduledExecutorService thread;
    private PgSubscriber subscriber;
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private volatile boolean stopped;
    private volatile long lastSuccessMillis;
    private volatile long startedMillis;
    private volatile long lastApplyDelayMillis;
    private boolean failing;

    void onStart(@Observes StartupEvent event) {
        startedMillis = System.currentTimeMillis();
        thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ordinal-changelog-tail");
            t.setDaemon(true);
            return t;
        });
        long poll = Math.max(10, config.watch().pollInterval().toMillis());
        thread.scheduleWithFixedDelay(this::catchUp, 0, poll, TimeUnit.MILLISECONDS);
        listen();
    }

    void onStop(@Observes ShutdownEvent event) {
        stopped = true;
        if (subscriber != null) {
            subscriber.close();
        }
        if (thread != null) {
            thread.shutdownNow();
        }
    }

    /** Asks for a read of the log soon; wake-ups that arrive while one is pending coalesce. */
    public void wake() {
        ScheduledExecutorService tail = thread;
        if (tail != null && !stopped && wakePending.compareAndSet(false, true)) {
            try {
                tail.execute(() -> {
                    wakePending.set(false);
                    catchUp();
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // shutting down
            }
        }
    }

    /**
     * Applies changes this instance has just committed without reading them back, when they follow
     * the cache's head; otherwise (another instance wrote in between, or transactions finished out of
     * order) it falls back to reading the log. Runs on the tail thread like every other apply.
     */
    void onCommitted(@Observes CommittedChanges committed) {
        ScheduledExecutorService tail = thread;
        if (stopped || tail == null) {
            // Not started yet (storage startup's own writes): the cache's first load reads them.
            return;
        }
        long now = System.currentTimeMillis();
        try {
            tail.execute(() -> {
                if (!cache.ready()) {
                    return;
                }
                long head = cache.head();
                long last = committed.firstVersion() + committed.changes().size() - 1;
                if (last <= head) {
                    return; // already read from the log
                }
                if (committed.firstVersion() != head + 1) {
                    catchUp();
                    return;
                }
                List<ChangeEvent> events = new java.util.ArrayList<>(committed.changes().size());
                long version = committed.firstVersion();
                for (CommittedChanges.Change c : committed.changes()) {
                    events.add(new ChangeEvent(version++, c.type(), c.key(), c.object(), null, false, now));
                }
                cache.apply(events);
                lastApplyDelayMillis = Math.max(0, System.currentTimeMillis() - now);
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shutting down
        }
    }

    /**
     * Seconds the cache is behind storage: the delay between commit and application of the latest
     * applied change, or, while the tail cannot read the log, the time since its last successful read.
     */
    double lagSeconds() {
        long now = System.currentTimeMillis();
        long since = Math.max(lastSuccessMillis, startedMillis);
        long stuckAfter = 3 * Math.max(10, config.watch().pollInterval().toMillis());
        if (now - since > stuckAfter) {
            return (now - since) / 1000.0;
        }
        return lastApplyDelayMillis / 1000.0;
    }

    private void listen() {
        subscriber = PgSubscriber.subscriber(vertx, connectOptions());
        // After a lost connection, keep retrying every poll interval; the poll covers the gap.
        subscriber.reconnectPolicy(retries -> Math.max(100, config.watch().pollInterval().toMillis()));
        subscriber.channel(ChangeLog.CHANNEL)
                .handler(payload -> wake())
                .subscribeHandler(v -> wake());
        connect();
    }

    private void connect() {
        subscriber.connect().onFailure(e -> {
            if (stopped) {
                return;
            }
            LOG.debugf("LISTEN %s: cannot connect (%s); polling meanwhile", ChangeLog.CHANNEL, e.getMessage());
            vertx.setTimer(Math.max(100, config.watch().pollInterval().toMillis()), id -> {
                if (!stopped && subscriber.closed()) {
                    connect();
                }
            });
        });
    }

    private PgConnectOptions connectOptions() {
        String url = mpConfig.getOptionalValue("quarkus.datasource.reactive.url", String.class)
                .orElse("postgresql://localhost:5432/postgres");
        url = url.split(",")[0].trim();
        if (url.startsWith("vertx-reactive:")) {
            url = url.substring("vertx-reactive:".length());
        }
        PgConnectOptions options = PgConnectOptions.fromUri(url);
        mpConfig.getOptionalValue("quarkus.datasource.username", String.class).ifPresent(options::setUser);
        mpConfig.getOptionalValue("quarkus.datasource.password", String.class).ifPresent(options::setPassword);
        return options;
    }

    /** Runs on the tail thread only. */
    private void catchUp() {
        if (stopped) {
            return;
        }
        try {
            if (!cache.ready()) {
                load();
            }
            int batch = Math.max(1, config.watch().tailBatch());
            while (!stopped) {
                long head = cache.head();
                ChangeLog.Page page = changeLog.readAfter(head, batch, false).await().atMost(QUERY_TIMEOUT);
                if (page.compactedThrough() > head) {
                    LOG.warnf("change log compacted through %d, past the watch cache at %d: reloading the state;"
                            + " watches behind %d expire", page.compactedThrough(), head, page.compactedThrough());
                    load();
                    continue;
                }
                List<ChangeEvent> events = page.events();
                if (events.isEmpty()) {
                    break;
                }
                if (events.get(0).resourceVersion() != head + 1) {
                    // Commits are serialized in version order, so a missing version can never appear later.
                    LOG.warnf("change log has no entry %d..%d; continuing at %d", head + 1,
                            events.get(0).resourceVersion() - 1, events.get(0).resourceVersion());
                }
                cache.apply(events);
                long committedAt = events.get(events.size() - 1).committedAtMillis();
                lastApplyDelayMillis = committedAt == 0 ? 0 : Math.max(0, System.currentTimeMillis() - committedAt);
                if (events.size() < batch) {
                    break;
                }
            }
            lastSuccessMillis = System.currentTimeMillis();
            if (failing) {
                LOG.infof("change log readable again; watch cache at %d", cache.head());
                failing = false;
            }
        } catch (RuntimeException e) {
            if (!failing && !stopped) {
                LOG.warnf("cannot read the change log (%s); retrying every %s", e.getMessage(),
                        config.watch().pollInterval());
                failing = true;
            }
        }
    }

    private void load() {
        ChangeLog.Snapshot snapshot = changeLog.loadSnapshot().await().atMost(QUERY_TIMEOUT);
        cache.reset(snapshot);
        LOG.infof("watch cache loaded %d objects at resourceVersion %d", snapshot.objects().size(),
                snapshot.resourceVersion());
    }
}

package dev.ordinal.apiserver.storage;

import dev.ordinal.apiserver.ApiServerConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Periodically compacts the change log to a snapshot, as etcd compacts its history: changes older
 * than {@code storage.log-retention} are folded so that, up to the new {@code log_horizon}, only each
 * surviving object's newest entry remains. Watches can still resume from any version after the
 * horizon, and paginated lists can still rebuild any state after it.
 */
@ApplicationScoped
public class ChangeLogCompactor {
    private static final Logger LOG = Logger.getLogger(ChangeLogCompactor.class);

    /** Advisory lock so that, with several api-server instances, one compacts at a time. */
    static final long COMPACTION_LOCK_KEY = 0x4F5244494E414DL;

    private static final String CUTOFF = "SELECT coalesce((SELECT resource_version FROM change_log WHERE committed_at < now() - make_interval(secs => $1) "
            + "ORDER BY resource_version DESC LIMIT 1), 0)";
    // An entry at or below the cutoff goes when a newer entry of the same object is also at or below
    // it (it is history), or when it is a deletion (the object is absent at the horizon anyway).
    private static final String FOLD = "DELETE FROM change_log c WHERE c.resource_version <= $1 AND (c.event_type = 3 OR EXISTS "
            + "(SELECT 1 FROM change_log n WHERE n.kind = c.kind AND n.namespace = c.namespace AND n.name = c.name "
            + "AND n.resource_version > c.resource_version AND n.resource_version <= $1))";
    private static final String CLAMP = "SELECT least($1, current) FROM version_counter WHERE id = 1";
    private static final String ADVANCE = "UPDATE log_horizon SET compacted_through = greatest(compacted_through, $1) WHERE id = 1";

    private final Pool pool;
    private final Vertx vertx;
    private final ApiServerConfig config;
    private long timer = -1;

    public ChangeLogCompactor(Pool pool, Vertx vertx, ApiServerConfig config) {
        this.pool = pool;
        this.vertx = vertx;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        timer = vertx.setPeriodic(config.storage().compactionInterval().toMillis(),
                id -> compact(config.storage().logRetention()).subscribe().with(
                        removed -> LOG.debugf("change log compacted: %d entries removed", removed),
                        failure -> LOG.warnf("change log compaction failed: %s", failure.getMessage())));
    }

    void onStop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** Compacts the entries committed more than {@code retention} ago; completes with the number of entries removed. */
    public Uni<Integer> compact(Duration retention) {
        return pool.preparedQuery(CUTOFF).execute(Tuple.of(retention.toMillis() / 1000.0))
                .map(rows -> rows.iterator().next().getLong(0))
                .chain(this::compactThrough);
    }

    /**
     * Compacts the log through {@code version} (at most the latest committed one): the one compaction
     * step, for the periodic job and for an explicit request. With several instances they take turns
     * on an advisory lock; the horizon only moves forward, so a turn that finds the work done is harmless.
     * Completes with the number of entries removed.
     */
    public Uni<Integer> compactThrough(long version) {
        return pool.withTransaction(conn -> conn.preparedQuery("SELECT pg_advisory_xact_lock($1)")
                .execute(Tuple.of(COMPACTION_LOCK_KEY))
                // A horizon beyond the counter would claim that versions not yet written were compacted.
                .chain(() -> conn.preparedQuery(CLAMP).execute(Tuple.of(version)))
                .map(rows -> rows.iterator().next().getLong(0))
                .chain(cutoff -> conn.preparedQuery(FOLD).execute(Tuple.of(cutoff))
                        .chain(folded -> conn.preparedQuery(ADVANCE).execute(Tuple.of(cutoff))
                                .replaceWith(folded.rowCount()))));
    }
}

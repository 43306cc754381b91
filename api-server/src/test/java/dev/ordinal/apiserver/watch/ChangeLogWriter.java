package dev.ordinal.apiserver.watch;

import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodStatus;
import dev.ordinal.api.v1.WatchEvent;
import dev.ordinal.client.api.Kind;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Writes pods the way storage does (one transaction per write: take the counter row lock, store the
 * object, append the change-log entry, notify), so the watch machinery is tested against the real
 * contract before storage exists. Creates the storage tables at startup (test-only schema).
 */
@ApplicationScoped
public class ChangeLogWriter {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Inject
    Pool pool;

    void createSchema(@Observes @Priority(1) StartupEvent event) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/watch/change-log-schema.sql")) {
            String script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            StringBuilder sql = new StringBuilder();
            for (String line : script.split("\n")) {
                if (!line.startsWith("--")) {
                    sql.append(line).append('\n');
                }
            }
            for (String statement : sql.toString().split(";")) {
                if (!statement.isBlank()) {
                    pool.query(statement).execute().await().atMost(TIMEOUT);
                }
            }
        }
        // Tests watch "from the current version"; version 0 would mean "from now, with initial state".
        if (current() == 0) {
            put("seed", "seed", Map.of(), "Running");
        }
    }

    /** Creates or replaces pod {@code namespace/name}; returns its new resourceVersion. */
    public long put(String namespace, String name, Map<String, String> labels, String phase) {
        return pool.withTransaction(c -> nextVersion(c).chain(rv -> c.preparedQuery(
                "SELECT uid FROM objects WHERE kind = 'Pod' AND namespace = $1 AND name = $2")
                .execute(Tuple.of(namespace, name)).chain(existing -> {
                    boolean exists = existing.iterator().hasNext();
                    String uid = exists ? existing.iterator().next().getString(0) : UUID.randomUUID().toString();
                    Object pod = pod(namespace, name, uid, rv, labels, phase);
                    byte[] data = pod.toByteArray();
                    return c.preparedQuery("INSERT INTO objects (kind, namespace, name, uid, resource_version, phase, data)"
                            + " VALUES ('Pod', $1, $2, $3, $4, $5, $6) ON CONFLICT (kind, namespace, name) DO UPDATE"
                            + " SET resource_version = excluded.resource_version, phase = excluded.phase, data = excluded.data")
                            .execute(Tuple.of(namespace, name, uid, rv, phase, Buffer.buffer(data)))
                            .chain(() -> log(c, rv, namespace, name,
                                    exists ? WatchEvent.Type.MODIFIED : WatchEvent.Type.ADDED, data));
                }))).await().atMost(TIMEOUT);
    }

    /** Deletes pod {@code namespace/name}; returns the deletion's resourceVersion. */
    public long delete(String namespace, String name) {
        return pool.withTransaction(c -> nextVersion(c).chain(rv -> c.preparedQuery(
                "DELETE FROM objects WHERE kind = 'Pod' AND namespace = $1 AND name = $2 RETURNING data")
                .execute(Tuple.of(namespace, name)).chain(rows -> {
                    Object last = parse(rows.iterator().next().getBuffer("data").getBytes());
                    Object atDeletion = Kind.POD.wrap(Kind.POD.<Pod>unwrap(last).toBuilder()
                            .setMetadata(Kind.POD.<Pod>unwrap(last).getMetadata().toBuilder()
                                    .setResourceVersion(Long.toString(rv))).build());
                    return log(c, rv, namespace, name, WatchEvent.Type.DELETED, atDeletion.toByteArray());
                }))).await().atMost(TIMEOUT);
    }

    /** Removes every change-log entry up to {@code version}, as storage's retention does. */
    public void compactThrough(long version) {
        pool.withTransaction(c -> c.preparedQuery("DELETE FROM change_log WHERE resource_version <= $1")
                .execute(Tuple.of(version))
                .chain(() -> c.preparedQuery("UPDATE log_horizon SET compacted_through = $1 WHERE id = 1")
                        .execute(Tuple.of(version))))
                .await().atMost(TIMEOUT);
    }

    /** Kills the database sessions listening for change notifications; returns how many there were. */
    public int dropListeners() {
        return pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                + " WHERE datname = current_database() AND query ILIKE 'LISTEN%'").execute().await().atMost(TIMEOUT).size();
    }

    /** Sessions currently listening for change notifications. */
    public long listeners() {
        return pool.query("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                + " AND query ILIKE 'LISTEN%'").execute().await().atMost(TIMEOUT).iterator().next().getLong(0);
    }

    /** The latest committed resourceVersion. */
    public long current() {
        return pool.query("SELECT current FROM version_counter").execute().await().atMost(TIMEOUT)
                .iterator().next().getLong(0);
    }

    /** Versions of the change-log entries in a namespace (null: all) above {@code after}, in order. */
    public List<Long> versions(String namespace, long after) {
        List<Long> out = new ArrayList<>();
        for (Row row : pool.preparedQuery("SELECT resource_version FROM change_log WHERE ($1::text IS NULL OR namespace = $1)"
                + " AND resource_version > $2 ORDER BY resource_version").execute(Tuple.of(namespace, after))
                .await().atMost(TIMEOUT)) {
            out.add(row.getLong(0));
        }
        return out;
    }

    private static Uni<Long> nextVersion(SqlConnection c) {
        // The counter row lock serializes commits in version order: what makes the log gap-free.
        return c.query("UPDATE version_counter SET current = current + 1 RETURNING current").execute()
                .map(rows -> rows.iterator().next().getLong(0));
    }

    private static Uni<Long> log(SqlConnection c, long rv, String namespace, String name, WatchEvent.Type type,
            byte[] data) {
        return c.preparedQuery("INSERT INTO change_log (resource_version, kind, namespace, name, event_type, data)"
                + " VALUES ($1, 'Pod', $2, $3, $4, $5)")
                .execute(Tuple.of(rv, namespace, name, (short) type.getNumber(), Buffer.buffer(data)))
                .chain(() -> c.preparedQuery("SELECT pg_notify('ordinal_changes', $1)").execute(Tuple.of(Long.toString(rv))))
                .replaceWith(rv);
    }

    static Object pod(String namespace, String name, String uid, long rv, Map<String, String> labels, String phase) {
        return Kind.POD.wrap(Pod.newBuilder()
                .setApiVersion("v1").setKind("Pod")
                .setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName(name).setUid(uid)
                        .setResourceVersion(Long.toString(rv)).putAllLabels(labels))
                .setStatus(PodStatus.newBuilder().setPhase(phase))
                .build());
    }

    private static Object parse(byte[] data) {
        try {
            return Object.parseFrom(data);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}

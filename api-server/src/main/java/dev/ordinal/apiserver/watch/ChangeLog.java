package dev.ordinal.apiserver.watch;

import dev.ordinal.apiserver.storage.ObjectKey;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.WatchEvent;
import dev.ordinal.client.api.Kind;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Read access to what storage writes for watches: the ordered {@code change_log}, its compaction
 * horizon ({@code log_horizon}) and the current state ({@code objects} at {@code version_counter}).
 * Storage owns these tables and writes them; the watch machinery only reads.
 */
@ApplicationScoped
public class ChangeLog {
    /** The channel storage notifies after each commit, with the commit's highest resourceVersion. */
    public static final String CHANNEL = "ordinal_changes";

    private static final String HORIZON =
            "WITH h AS (SELECT COALESCE((SELECT compacted_through FROM log_horizon WHERE id = 1), 0) AS compacted_through) ";
    private static final String PAGE = "(SELECT resource_version, kind, namespace, name, event_type, data, committed_at"
            + " FROM change_log WHERE resource_version > $1 ORDER BY resource_version LIMIT $2) c";

    /** Reads entries only. */
    private static final String READ = HORIZON
            + "SELECT h.compacted_through, c.* FROM h LEFT JOIN " + PAGE + " ON true ORDER BY c.resource_version";

    /**
     * Reads entries with the previous entry of the same object. Needs an index on change_log
     * (kind, namespace, name, resource_version) to stay cheap on a long log.
     */
    private static final String READ_WITH_PREVIOUS = HORIZON
            + "SELECT h.compacted_through, c.*, p.data AS prev_data, p.event_type AS prev_type FROM h LEFT JOIN " + PAGE
            + " ON true LEFT JOIN LATERAL (SELECT data, event_type FROM change_log p WHERE p.kind = c.kind"
            + " AND p.namespace = c.namespace AND p.name = c.name AND p.resource_version < c.resource_version"
            + " ORDER BY p.resource_version DESC LIMIT 1) p ON true ORDER BY c.resource_version";

    /** The full current state and the version it is consistent at. */
    record Snapshot(long resourceVersion, List<Stored> objects) {
    }

    /** One current object. */
    record Stored(ObjectKey key, Object object) {
    }

    /**
     * A page of the log after some version.
     *
     * @param compactedThrough every entry up to this version has been compacted away (read in the
     *     same statement as the entries, so the two agree)
     * @param events the entries, in resourceVersion order
     */
    record Page(long compactedThrough, List<ChangeEvent> events) {
    }

    @Inject
    Pool pool;

    /**
     * Loads the counter and every object in one REPEATABLE READ transaction: the objects are exactly
     * the state after every commit up to the counter's value, because commits are serialized on the
     * counter row.
     */
    Uni<Snapshot> loadSnapshot() {
        return pool.withTransaction(conn -> conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute()
                .chain(() -> conn.query("SELECT current FROM version_counter").execute())
                .chain(counter -> {
                    long version = counter.iterator().hasNext() ? counter.iterator().next().getLong(0) : 0;
                    return conn.query("SELECT kind, namespace, name, data FROM objects").execute()
                            .map(rows -> {
                                List<Stored> objects = new ArrayList<>(rows.size());
                                for (Row row : rows) {
                                    Object object = parse(row.getBuffer("data").getBytes(), row.getString("kind"));
                                    objects.add(new Stored(key(object, row), object));
                                }
                                return new Snapshot(version, objects);
                            });
                }));
    }

    /** The latest committed resourceVersion. */
    Uni<Long> currentVersion() {
        return pool.query("SELECT current FROM version_counter").execute()
                .map(rows -> rows.iterator().hasNext() ? rows.iterator().next().getLong(0) : 0L);
    }

    /**
     * Reads up to {@code limit} entries with a resourceVersion above {@code after}, in order.
     *
     * @param withPrevious also fill each event's previous state from the log (for filtered watches)
     */
    Uni<Page> readAfter(long after, int limit, boolean withPrevious) {
        return pool.preparedQuery(withPrevious ? READ_WITH_PREVIOUS : READ).execute(Tuple.of(after, limit))
                .map(rows -> {
                    long compactedThrough = 0;
                    List<ChangeEvent> events = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        compactedThrough = row.getLong("compacted_through");
                        Long rv = row.getLong("resource_version");
                        if (rv != null) {
                            events.add(event(row, withPrevious));
                        }
                    }
                    return new Page(compactedThrough, events);
                });
    }

    private static ChangeEvent event(Row row, boolean withPrevious) {
        WatchEvent.Type type = WatchEvent.Type.forNumber(row.getInteger("event_type"));
        if (type == null || type == WatchEvent.Type.BOOKMARK || type == WatchEvent.Type.ERROR
                || type == WatchEvent.Type.TYPE_UNSPECIFIED) {
            throw new IllegalStateException("change_log entry " + row.getLong("resource_version")
                    + " has event_type " + row.getInteger("event_type") + ", expected 1, 2 or 3");
        }
        Object object = parse(row.getBuffer("data").getBytes(), row.getString("kind"));
        OffsetDateTime committedAt = row.getOffsetDateTime("committed_at");
        Object previous = null;
        boolean previousKnown = false;
        if (withPrevious) {
            Integer previousType = row.getInteger("prev_type");
            if (previousType != null) {
                previousKnown = true;
                if (previousType != WatchEvent.Type.DELETED_VALUE) {
                    previous = parse(row.getBuffer("prev_data").getBytes(), row.getString("kind"));
                }
            } else {
                // No earlier entry retained: for a creation that means "did not exist"; otherwise the
                // earlier state was compacted away.
                previousKnown = type == WatchEvent.Type.ADDED;
            }
        }
        return new ChangeEvent(row.getLong("resource_version"), type, key(object, row), object, previous,
                previousKnown, committedAt == null ? 0 : committedAt.toInstant().toEpochMilli());
    }

    private static ObjectKey key(Object object, Row row) {
        Kind kind = Kind.of(object).orElseGet(() -> Kind.byName(row.getString("kind")).orElseThrow(
                () -> new IllegalStateException("stored object of unknown kind " + row.getString("kind"))));
        return new ObjectKey(kind, row.getString("namespace"), row.getString("name"));
    }

    private static Object parse(byte[] data, String kind) {
        try {
            return Object.parseFrom(data);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("stored " + kind + " is not a valid Object envelope", e);
        }
    }
}

package dev.ordinal.apiserver.storage;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Brings the database schema up to date with the versioned scripts under {@code db/migration/},
 * safely when several api-server instances start at once. Scripts are only ever added, never edited
 * or dropped-and-recreated.
 */
@ApplicationScoped
public class SchemaMigrator {
    private static final Logger LOG = Logger.getLogger(SchemaMigrator.class);

    /** Every migration in order; a new schema change appends {@code V<n>__<what>.sql} here. */
    static final List<String> MIGRATIONS = List.of("V1__objects.sql");

    /** Advisory-lock key of schema migration: "ORDINAL" in ASCII, unlikely to clash with anyone else's key. */
    static final long MIGRATION_LOCK_KEY = 0x4F5244494E414CL;

    private final Pool pool;

    public SchemaMigrator(Pool pool) {
        this.pool = pool;
    }

    /** Applies the pending migrations; completes with the schema version now in force. */
    public Uni<Integer> migrate() {
        // One transaction holding a transaction-scoped advisory lock: a second instance waits here and
        // then finds the work done; PostgreSQL's DDL is transactional, so a crash leaves nothing half-applied.
        return pool.withTransaction(conn -> conn.preparedQuery("SELECT pg_advisory_xact_lock($1)")
                .execute(Tuple.of(MIGRATION_LOCK_KEY))
                .chain(() -> conn.query("CREATE TABLE IF NOT EXISTS schema_version ("
                        + "version int PRIMARY KEY, script text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
                        .execute())
                .chain(() -> conn.query("SELECT coalesce(max(version), 0) AS v FROM schema_version").execute())
                .chain(rows -> applyFrom(conn, rows.iterator().next().getInteger("v"))));
    }

    private Uni<Integer> applyFrom(SqlConnection conn, int current) {
        Uni<Integer> chain = Uni.createFrom().item(current);
        for (int i = current; i < MIGRATIONS.size(); i++) {
            int version = i + 1;
            String script = MIGRATIONS.get(i);
            if (!script.startsWith("V" + version + "__")) {
                throw new IllegalStateException("migration " + script + " is out of sequence (expected V" + version + "__)");
            }
            String sql = read(script);
            chain = chain.chain(() -> conn.query(sql).execute())
                    .chain(() -> conn.preparedQuery("INSERT INTO schema_version (version, script) VALUES ($1, $2)")
                            .execute(Tuple.of(version, script)))
                    .invoke(() -> LOG.infof("applied schema migration %s", script))
                    .replaceWith(version);
        }
        if (current > MIGRATIONS.size()) {
            LOG.warnf("database schema version %d is newer than this api-server knows (%d)", current, MIGRATIONS.size());
        }
        return chain;
    }

    private static String read(String script) {
        String path = "db/migration/" + script;
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("migration script missing from the classpath: " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}

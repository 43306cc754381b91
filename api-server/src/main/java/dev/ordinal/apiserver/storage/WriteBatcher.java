package dev.ordinal.apiserver.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.ordinal.api.v1.Object;
import dev.ordinal.apiserver.ApiServerConfig;
import dev.ordinal.apiserver.admission.Admission;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.ApiObjects;
import dev.ordinal.client.api.Kind;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Group commit: the one writer of this api-server instance. Writes that arrive while a transaction
 * is in flight wait in a queue and go together (up to {@code storage.max-batch}) into the next one,
 * so throughput grows with concurrency while each write still gets its own outcome: a refused write
 * (conflict, not found, already exists, invalid) is simply left out of the transaction. No caller
 * hears of success before the commit.
 *
 * <p>Up to {@code storage.max-in-flight-batches} transactions are open at once: the next one waits
 * on the counter lock inside PostgreSQL and, the moment the previous one commits, takes every write
 * that queued meanwhile.
 *
 * <p>Every transaction locks the version counter first. That one row lock, held to commit, orders
 * all writers of the database (of every instance), so the state read after it is the latest
 * committed one and resourceVersions are handed out, and committed, in order. See docs/storage.md.
 */
@ApplicationScoped
public class WriteBatcher {
    private static final Logger LOG = Logger.getLogger(WriteBatcher.class);

    static final String NOTIFY_CHANNEL = "ordinal_changes";

    private static final String LOCK_COUNTER = "SELECT current FROM version_counter WHERE id = 1 FOR UPDATE";
    private static final String LOAD = "SELECT kind, namespace, name, data FROM objects WHERE (kind, namespace, name) IN "
            + "(SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))";
    /**
     * Advances the counter; the division fails (and aborts the transaction, so its COMMIT becomes a
     * rollback) if the counter is not where this transaction's lock said it was — an invariant
     * breach must not commit writes whose callers are told they failed.
     */
    private static final String ADVANCE_COUNTER = "UPDATE version_counter SET current = current + $1 WHERE id = 1 "
            + "RETURNING current, 1 / (CASE WHEN current = $2 THEN 1 ELSE 0 END)";
    private static final String UPSERT = "INSERT INTO objects (kind, namespace, name, uid, resource_version, labels, node_name, phase, data) "
            + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (kind, namespace, name) DO UPDATE SET "
            + "uid = EXCLUDED.uid, resource_version = EXCLUDED.resource_version, labels = EXCLUDED.labels, "
            + "node_name = EXCLUDED.node_name, phase = EXCLUDED.phase, data = EXCLUDED.data";
    private static final String REMOVE = "DELETE FROM objects WHERE kind = $1 AND namespace = $2 AND name = $3";
    private static final String APPEND_LOG = "INSERT INTO change_log (resource_version, kind, namespace, name, event_type, data) "
            + "VALUES ($1, $2, $3, $4, $5, $6)";
    private static final String NOTIFY = "SELECT pg_notify('" + NOTIFY_CHANNEL + "', $1)";

    private record Pending(Write write, UniEmitter<? super WriteResult> emitter, Context context) {
    }

    /** A write's outcome inside the batch: a result or the error refusing it. */
    private record Outcome(WriteResult result, RuntimeException error) {
    }

    private record LogEntry(long version, ObjectKey key, WriteRules.Change change, Object object) {
    }

    private record Plan(long base, List<Outcome> outcomes, List<LogEntry> log, Map<ObjectKey, Object> finalStates) {
    }

    private final Pool pool;
    private final WriteRules rules;
    private final int maxBatch;
    private final Clock clock = Clock.systemUTC();
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    /** Transactions in flight; more than one lets the next batch wait on the counter lock inside PostgreSQL. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private final int maxInFlight;
    private final DistributionSummary batchSizes;
    private final Timer commitLatency;

    private final Event<CommittedChanges> committed;

    public WriteBatcher(Pool pool, Admission admission, ApiServerConfig config, MeterRegistry registry,
            Event<CommittedChanges> committed) {
        this.pool = pool;
        this.committed = committed;
        this.batchSizes = DistributionSummary.builder("ordinal.apiserver.write.batch.size")
                .description("Writes per group-commit transaction").register(registry);
        this.commitLatency = Timer.builder("ordinal.apiserver.write.batch.duration")
                .description("Time of one group-commit transaction, from first statement to commit").register(registry);
        this.maxBatch = Math.max(1, config.storage().maxBatch());
        this.maxInFlight = Math.max(1, config.storage().maxInFlightBatches());
        this.rules = new WriteRules(admission, config.storage().maxObjectBytes());
    }

    /**
     * What {@code write} would answer against {@code current} (the objects it reads), by the same rules,
     * stored nowhere: the dry run ({@code dryRun=All}). An {@link ApiException} when it would be refused.
     */
    public WriteResult decide(Write write, java.util.Map<ObjectKey, Object> current) {
        Object live = current.get(write.key());
        long version = live == null ? 1 : Long.parseLong(dev.ordinal.client.api.ApiObjects.meta(live).getResourceVersion()) + 1;
        return rules.decide(write, current::get, version, clock.instant()).result();
    }

    /** Queues a write; the Uni completes after the transaction holding it commits (or fails). */
    public Uni<WriteResult> submit(Write write) {
        return Uni.createFrom().emitter(emitter -> {
            queue.add(new Pending(write, emitter, Vertx.currentContext()));
            startIfIdle();
        });
    }

    private void startIfIdle() {
        while (!queue.isEmpty()) {
            int running = inFlight.get();
            if (running >= maxInFlight) {
                return;
            }
            if (inFlight.compareAndSet(running, running + 1)) {
                startTransaction();
                return;
            }
        }
    }

    /**
     * One group-commit transaction. It takes the counter lock first and only then drains the queue:
     * while the previous transaction commits, this one already waits on the lock inside PostgreSQL,
     * and every write that arrived meanwhile joins it. Commits are serialized by the lock anyway
     * (PostgreSQL releases it after the commit record is flushed), so the batch size is what buys
     * throughput.
     */
    private void startTransaction() {
        AtomicReference<List<Pending>> drained = new AtomicReference<>();
        pool.withConnection(conn -> {
            Uni<RowSet<Row>> begin = conn.query("BEGIN").execute();
            Uni<RowSet<Row>> lock = conn.query(LOCK_COUNTER).execute();
            return Uni.combine().all().unis(begin, lock).asTuple()
                    .chain(rows -> {
                        long base = rows.getItem2().iterator().next().getLong(0);
                        List<Pending> batch = drain();
                        drained.set(batch);
                        // Let the next transaction line up behind this one's lock.
                        startIfIdle();
                        if (batch.isEmpty()) {
                            return conn.query("COMMIT").execute().replaceWith((Plan) null);
                        }
                        batchSizes.record(batch.size());
                        Timer.Sample sample = Timer.start();
                        // Runs with the lock held, so it sees every earlier commit.
                        return conn.preparedQuery(LOAD).execute(keyArrays(keysOf(batch)))
                                .map(loaded -> plan(batch, base, loaded))
                                .chain(plan -> persistAndCommit(conn, plan).replaceWith(plan))
                                .onTermination().invoke(() -> sample.stop(commitLatency));
                    })
                    .onFailure().call(() -> conn.query("ROLLBACK").execute().onFailure().recoverWithNull());
        }).subscribe().with(
                plan -> {
                    announce(plan);
                    finish(drained.get(), plan, null);
                },
                failure -> {
                    // A failure before the lock was granted (database unreachable) answers the writes
                    // waiting now, rather than retrying in a loop; their callers retry on UNAVAILABLE.
                    // After this transaction drained its batch, draining again would take (and drop)
                    // writes meant for the next transaction.
                    if (drained.get() == null) {
                        drained.set(drain());
                    }
                    finish(drained.get(), null, failure);
                });
    }

    /** Hands a committed transaction's changes to in-process listeners (the watch cache). */
    private void announce(Plan plan) {
        if (plan == null || plan.log().isEmpty()) {
            return;
        }
        List<CommittedChanges.Change> changes = new ArrayList<>(plan.log().size());
        for (LogEntry e : plan.log()) {
            changes.add(new CommittedChanges.Change(e.change().watchType(), e.key(), e.object()));
        }
        try {
            committed.fire(new CommittedChanges(plan.base() + 1, List.copyOf(changes)));
        } catch (RuntimeException e) {
            // The tail reads the same changes from the log; a listener failure must not fail the writes.
            LOG.warnf("in-process delivery of committed changes failed: %s", e.getMessage());
        }
    }

    private List<Pending> drain() {
        List<Pending> batch = new ArrayList<>(Math.min(maxBatch, 64));
        Pending p;
        while (batch.size() < maxBatch && (p = queue.poll()) != null) {
            batch.add(p);
        }
        return batch;
    }

    private void finish(List<Pending> batch, Plan plan, Throwable failure) {
        ApiException batchError = failure == null ? null : StorageErrors.toApi("write", failure);
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            if (batchError != null) {
                deliver(p, null, batchError);
            } else {
                Outcome o = plan.outcomes().get(i);
                deliver(p, o.result(), o.error());
            }
        }
        inFlight.decrementAndGet();
        startIfIdle();
    }

    /** Completes a caller on its own Vert.x context, so gRPC answers from the thread that owns the call. */
    private static void deliver(Pending p, WriteResult result, RuntimeException error) {
        Runnable complete = error != null ? () -> p.emitter().fail(error) : () -> p.emitter().complete(result);
        if (p.context() != null && p.context() != Vertx.currentContext()) {
            p.context().runOnContext(ignored -> complete.run());
        } else {
            complete.run();
        }
    }

    private static Set<ObjectKey> keysOf(List<Pending> batch) {
        Set<ObjectKey> keys = new LinkedHashSet<>();
        for (Pending p : batch) {
            keys.add(p.write().key());
            WriteRules.alsoReads(p.write()).ifPresent(keys::add);
            if (p.write() instanceof Write.Create && p.write().key().kind().namespaced()) {
                keys.add(p.write().key().namespaceKey());
            }
        }
        return keys;
    }

    private Plan plan(List<Pending> batch, long base, RowSet<Row> rows) {
        Map<ObjectKey, Object> state = new HashMap<>();
        for (Row row : rows) {
            Kind kind = Kind.byName(row.getString(0)).orElseThrow();
            state.put(new ObjectKey(kind, row.getString(1), row.getString(2)), decode(row));
        }
        List<Outcome> outcomes = new ArrayList<>(batch.size());
        List<LogEntry> log = new ArrayList<>();
        Map<ObjectKey, Object> finalStates = new LinkedHashMap<>();
        var now = clock.instant();
        for (Pending p : batch) {
            ObjectKey key = p.write().key();
            long version = base + log.size() + 1;
            try {
                WriteRules.Decision d = rules.decide(p.write(), state::get, version, now);
                if (d.change() != WriteRules.Change.NONE) {
                    // Later writes of the batch to the same object see this one, as if sequential.
                    state.put(key, d.stored());
                    finalStates.put(key, d.stored());
                    log.add(new LogEntry(version, key, d.change(), d.stored() != null ? d.stored() : d.result().object()));
                }
                outcomes.add(new Outcome(d.result(), null));
            } catch (ApiException e) {
                outcomes.add(new Outcome(null, e));
            } catch (RuntimeException e) {
                LOG.errorf(e, "write to %s failed unexpectedly", key);
                outcomes.add(new Outcome(null, ApiException.internal("write to " + key.kind().plural() + " \""
                        + key.name() + "\" failed: " + e.getClass().getSimpleName())));
            }
        }
        return new Plan(base, outcomes, log, finalStates);
    }

    private Uni<Void> persistAndCommit(SqlConnection conn, Plan plan) {
        if (plan.log().isEmpty()) {
            return conn.query("COMMIT").execute().replaceWithVoid();
        }
        long last = plan.base() + plan.log().size();
        // Each envelope is serialized once, for both its change-log entry and (if last) its row.
        List<Tuple> entries = new ArrayList<>(plan.log().size());
        Map<ObjectKey, Buffer> lastBytes = new HashMap<>();
        for (LogEntry e : plan.log()) {
            Buffer bytes = Buffer.buffer(e.object().toByteArray());
            lastBytes.put(e.key(), bytes);
            entries.add(Tuple.of(e.version(), e.key().kind().kindName(), e.key().namespace(), e.key().name(),
                    e.change().code, bytes));
        }
        List<Tuple> upserts = new ArrayList<>();
        List<Tuple> removals = new ArrayList<>();
        plan.finalStates().forEach((key, object) -> {
            if (object == null) {
                removals.add(Tuple.of(key.kind().kindName(), key.namespace(), key.name()));
            } else {
                upserts.add(row(key, object, lastBytes.get(key)));
            }
        });
        // All statements are sent at once (the connection pipelines them): one round trip for the lot.
        List<Uni<?>> statements = new ArrayList<>();
        statements.add(conn.preparedQuery(ADVANCE_COUNTER).execute(Tuple.of(plan.log().size(), last)));
        if (!upserts.isEmpty()) {
            statements.add(conn.preparedQuery(UPSERT).executeBatch(upserts));
        }
        if (!removals.isEmpty()) {
            statements.add(conn.preparedQuery(REMOVE).executeBatch(removals));
        }
        statements.add(conn.preparedQuery(APPEND_LOG).executeBatch(entries));
        statements.add(conn.preparedQuery(NOTIFY).execute(Tuple.of(Long.toString(last))));
        statements.add(conn.query("COMMIT").execute());
        return Uni.combine().all().unis(statements).discardItems();
    }

    private static Tuple row(ObjectKey key, Object object, Buffer data) {
        var meta = ApiObjects.meta(object);
        String nodeName = object.hasPod() && !object.getPod().getSpec().getNodeName().isEmpty()
                ? object.getPod().getSpec().getNodeName() : null;
        String phase = object.hasPod() && !object.getPod().getStatus().getPhase().isEmpty()
                ? object.getPod().getStatus().getPhase()
                : object.hasNamespace() && !object.getNamespace().getStatus().getPhase().isEmpty()
                        ? object.getNamespace().getStatus().getPhase() : null;
        return Tuple.tuple(List.of(key.kind().kindName(), key.namespace(), key.name(),
                java.util.UUID.fromString(meta.getUid()), Long.parseLong(meta.getResourceVersion()),
                new JsonObject(new LinkedHashMap<String, java.lang.Object>(meta.getLabelsMap()))))
                .addValue(nodeName).addValue(phase).addValue(data);
    }

    private static Tuple keyArrays(Set<ObjectKey> keys) {
        String[] kinds = new String[keys.size()];
        String[] namespaces = new String[keys.size()];
        String[] names = new String[keys.size()];
        int i = 0;
        for (ObjectKey k : keys) {
            kinds[i] = k.kind().kindName();
            namespaces[i] = k.namespace();
            names[i] = k.name();
            i++;
        }
        return Tuple.of(kinds, namespaces, names);
    }

    static Object decode(Row row) {
        try {
            return Object.parseFrom(row.getBuffer("data").getBytes());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("stored object is not a valid envelope", e);
        }
    }
}

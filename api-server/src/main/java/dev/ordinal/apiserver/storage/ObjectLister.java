package dev.ordinal.apiserver.storage;

import dev.ordinal.api.v1.ListResponse;
import dev.ordinal.api.v1.Object;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.ApiObjects;
import dev.ordinal.client.api.FieldSelector;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.api.LabelSelectors;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

/**
 * Lists objects of one kind consistently at one resourceVersion, page by page. The first page reads
 * the objects table in a REPEATABLE READ snapshot together with the version counter; later pages
 * rebuild the state at that same version from the objects still unchanged since and, for objects
 * changed after it, their last change-log entry at or before it. That works as long as the change log
 * still holds every change after the version, which log_horizon tells; older tokens are expired.
 */
@ApplicationScoped
public class ObjectLister {
    /** Rows fetched per round while filtering by selectors. */
    static final int CHUNK = 500;

    private static final String VERSIONS = "SELECT (SELECT current FROM version_counter WHERE id = 1), "
            + "(SELECT compacted_through FROM log_horizon WHERE id = 1)";

    private final Pool pool;
    private final String pageAllNamespaces;
    private final String pageOneNamespace;
    private final String snapshotAllNamespaces;
    private final String snapshotOneNamespace;

    public ObjectLister(Pool pool) {
        this.pool = pool;
        this.pageAllNamespaces = pageQuery(false);
        this.pageOneNamespace = pageQuery(true);
        this.snapshotAllNamespaces = snapshotQuery(false);
        this.snapshotOneNamespace = snapshotQuery(true);
    }

    /**
     * The page query of a list without a continue token: its version is the snapshot's own, so the
     * objects table as the snapshot sees it is the answer, in primary-key order: $1 kind, $2/$3 the
     * (namespace, name) to start after, $4 row limit, $5 namespace when filtered. Reading
     * the change log here would be wasted work, and costly: under a steady stream of writes (thousands of
     * Lease renewals a second) the page query's change-log part kept a 5,000-Lease list busy for more
     * than 30 s.
     */
    private static String snapshotQuery(boolean oneNamespace) {
        return "SELECT namespace, name, data FROM objects WHERE kind = $1" + (oneNamespace ? " AND namespace = $5" : "")
                + " AND (kind, namespace, name) > ($1, $2, $3) ORDER BY kind, namespace, name LIMIT $4";
    }

    /**
     * The page query: $1 kind, $2 version, $3/$4 the (namespace, name) to start after, $5 row limit,
     * $6 namespace when filtered. An object is listed as of $2: from the objects table when it has not
     * changed since, otherwise from its newest change-log entry at or before $2 (unless that entry is
     * its deletion).
     */
    private static String pageQuery(boolean oneNamespace) {
        String ns = oneNamespace ? " AND namespace = $6" : "";
        String cns = oneNamespace ? " AND c.namespace = $6" : "";
        return "WITH changed AS (SELECT DISTINCT namespace, name FROM change_log "
                + "WHERE resource_version > $2 AND kind = $1" + ns + " AND (namespace, name) > ($3, $4)), "
                + "as_of AS (SELECT DISTINCT ON (c.namespace, c.name) c.namespace, c.name, c.event_type, c.data "
                + "FROM change_log c JOIN changed USING (namespace, name) "
                + "WHERE c.kind = $1 AND c.resource_version <= $2" + cns + " "
                + "ORDER BY c.namespace, c.name, c.resource_version DESC) "
                + "SELECT namespace, name, data FROM ("
                + "SELECT namespace, name, data FROM objects WHERE kind = $1" + ns
                + " AND resource_version <= $2 AND (namespace, name) > ($3, $4) "
                + "UNION ALL SELECT namespace, name, data FROM as_of WHERE event_type <> 3) page "
                + "ORDER BY namespace, name LIMIT $5";
    }

    /** Lists per the request: kind, namespace ("" for all), selectors, limit and continue token. */
    public Uni<ListResponse> list(Kind kind, String namespace, String labelSelector, String fieldSelector, long limit,
            String continueToken) {
        LabelSelectors.Selector labels = LabelSelectors.parse(labelSelector);
        FieldSelector fields = FieldSelector.parse(fieldSelector);
        ContinueToken token = continueToken == null || continueToken.isEmpty() ? null : ContinueToken.decode(continueToken);
        if (limit < 0) {
            throw ApiException.badRequest("limit: Invalid value: " + limit + ": must be 0 (everything) or positive");
        }
        String scope = kind.namespaced() ? namespace : "";
        return pool.withConnection(conn -> conn.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").execute()
                .chain(() -> conn.query(VERSIONS).execute())
                .chain(rows -> {
                    Row row = rows.iterator().next();
                    long current = row.getLong(0);
                    long horizon = row.getLong(1);
                    long version = token == null ? current : token.resourceVersion();
                    if (token != null && (version < horizon || version > current)) {
                        throw ApiException.expired("The provided continue parameter is too old to display a consistent "
                                + "list result. You can start a new list without the continue parameter.");
                    }
                    Page page = new Page(kind, scope, version, labels, fields, limit, token == null);
                    String afterNs = token == null ? "" : token.namespace();
                    String afterName = token == null ? "" : token.name();
                    return fill(conn, page, afterNs, afterName);
                })
                .call(() -> conn.query("COMMIT").execute())
                .onFailure().call(() -> conn.query("ROLLBACK").execute().onFailure().recoverWithNull()));
    }

    private final class Page {
        final Kind kind;
        final String namespace;
        final long version;
        final LabelSelectors.Selector labels;
        final FieldSelector fields;
        final long limit;
        /** Whether the version is this transaction's snapshot (no continue token): the objects table alone answers. */
        final boolean snapshot;
        final List<Object> items = new ArrayList<>();
        boolean more;

        Page(Kind kind, String namespace, long version, LabelSelectors.Selector labels, FieldSelector fields, long limit,
                boolean snapshot) {
            this.snapshot = snapshot;
            this.kind = kind;
            this.namespace = namespace;
            this.version = version;
            this.labels = labels;
            this.fields = fields;
            this.limit = limit;
        }

        boolean full() {
            return limit > 0 && items.size() >= limit;
        }

        ListResponse response() {
            ListResponse.Builder b = ListResponse.newBuilder().addAllItems(items).setResourceVersion(Long.toString(version));
            if (more) {
                var last = ApiObjects.meta(items.get(items.size() - 1));
                b.setContinue(new ContinueToken(version, last.getNamespace(), last.getName()).encode());
            }
            return b.build();
        }
    }

    private Uni<ListResponse> fill(SqlConnection conn, Page page, String after, String afterName) {
        // A snapshot page's index range starts at its namespace, not at the kind's first object.
        String afterNs = page.snapshot && !page.namespace.isEmpty() && after.isEmpty() ? page.namespace : after;
        Tuple args = page.snapshot ? Tuple.of(page.kind.kindName(), afterNs, afterName, CHUNK)
                : Tuple.of(page.kind.kindName(), page.version, afterNs, afterName, CHUNK);
        if (!page.namespace.isEmpty()) {
            args.addString(page.namespace);
        }
        String query = page.snapshot ? (page.namespace.isEmpty() ? snapshotAllNamespaces : snapshotOneNamespace)
                : page.namespace.isEmpty() ? pageAllNamespaces : pageOneNamespace;
        return conn.preparedQuery(query).execute(args)
                .chain(rows -> {
                    String lastNs = afterNs;
                    String lastName = afterName;
                    int count = 0;
                    for (Row row : rows) {
                        count++;
                        lastNs = row.getString(0);
                        lastName = row.getString(1);
                        Object object = WriteBatcher.decode(row);
                        if (!page.labels.matches(ApiObjects.meta(object).getLabelsMap()) || !page.fields.matches(object)) {
                            continue;
                        }
                        if (page.full()) {
                            // One more match exists beyond the page: that is what a continue token promises.
                            page.more = true;
                            return Uni.createFrom().item(page.response());
                        }
                        page.items.add(object);
                    }
                    if (count < CHUNK) {
                        return Uni.createFrom().item(page.response());
                    }
                    return fill(conn, page, lastNs, lastName);
                });
    }
}

package dev.ordinal.apiserver.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Gives each test run a fresh, private database: on the server named by KUBE_DB_URL when it is set
 * (CI may use the machine's PostgreSQL), otherwise on an embedded PostgreSQL started for the run.
 */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {
    private Vertx vertx;
    private PgConnectOptions admin;
    private String database;

    @Override
    public Map<String, String> start() {
        String url = System.getenv("KUBE_DB_URL");
        if (url == null || url.isBlank()) {
            throw new IllegalStateException("KUBE_DB_URL is not set (embedded PostgreSQL for tests: pending)");
        }
        admin = PgConnectOptions.fromUri(url);
        database = "ordinal_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        vertx = Vertx.vertx();
        run("CREATE DATABASE " + database);
        PgConnectOptions test = new PgConnectOptions(admin).setDatabase(database);
        String testUrl = "postgresql://" + test.getUser() + "@" + test.getHost() + ":" + test.getPort() + "/" + database;
        return Map.of("quarkus.datasource.reactive.url", testUrl,
                "quarkus.datasource.username", test.getUser());
    }

    @Override
    public void stop() {
        if (vertx != null) {
            try {
                run("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            } finally {
                vertx.close();
            }
        }
    }

    private void run(String sql) {
        try {
            PgConnection.connect(vertx, admin)
                    .compose(c -> c.query(sql).execute().eventually(() -> c.close()))
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot run '" + sql + "' on " + admin.getHost() + ":" + admin.getPort(), e);
        }
    }
}

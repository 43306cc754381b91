package dev.ordinal.apiserver.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Tuple;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The test database the other api-server tests stand on: fresh per run, and removable on demand. */
class PostgresTestResourceTest {
    private final PostgresTestResource resource = new PostgresTestResource();
    private Map<String, String> config;

    @BeforeEach
    void startResource() {
        config = resource.start();
    }

    @AfterEach
    void stopResource() {
        resource.stop();
    }

    @Test
    void eachRunGetsAFreshDatabaseThatIsDroppedAfterwards() throws Exception {
        PgConnectOptions test = PgConnectOptions.fromUri(config.get("quarkus.datasource.reactive.url"));
        String name = PostgresTestResource.testDatabaseName();

        assertThat(test.getDatabase()).isEqualTo(name).startsWith("ordinal_test_");
        assertThat(count(test, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).isZero();

        resource.stop();

        assertThat(count(PostgresTestResource.adminConnectOptions(),
                "SELECT count(*) FROM pg_database WHERE datname = '" + name + "'")).isZero();
        config = resource.start(); // for @AfterEach
    }

    @Test
    void anUnreachableDatabaseRefusesConnectionsUntilMadeReachableAgain() throws Exception {
        PgConnectOptions test = PostgresTestResource.testDatabaseConnectOptions();
        execute(test, "CREATE TABLE survivors (v int)");

        PostgresTestResource.makeDatabaseUnreachable();

        assertThatThrownBy(() -> count(test, "SELECT 1")).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("not currently accepting connections");
        PostgresTestResource.makeDatabaseReachable();
        assertThat(count(test, "SELECT count(*) FROM survivors")).isZero();
    }

    @Test
    void theEmbeddedServerCanBeStoppedAndStartedAgainOnTheSameAddress() throws Exception {
        assumeTrue(PostgresTestResource.embeddedServer().isPresent(), "KUBE_DB_URL is set: no embedded server");
        PgConnectOptions test = PostgresTestResource.testDatabaseConnectOptions();
        execute(test, "CREATE TABLE survivors (v int)");

        PostgresTestResource.stopServer();

        assertThatThrownBy(() -> count(test, "SELECT 1")).isInstanceOf(ExecutionException.class);
        PostgresTestResource.startServer();
        assertThat(count(test, "SELECT count(*) FROM survivors")).isZero();
    }

    private static void execute(PgConnectOptions target, String sql) throws Exception {
        run(target, sql);
    }

    private static long count(PgConnectOptions target, String sql) throws Exception {
        return run(target, sql);
    }

    private static long run(PgConnectOptions target, String sql) throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            return PgConnection.connect(vertx, new PgConnectOptions(target).setConnectTimeout(5000))
                    .compose(c -> c.preparedQuery(sql).execute(Tuple.tuple()).eventually(() -> c.close()))
                    .map(rows -> rows.size() == 0 || rows.columnsNames() == null || rows.columnsNames().isEmpty()
                            ? 0L : rows.iterator().next().getLong(0))
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } finally {
            vertx.close();
        }
    }
}

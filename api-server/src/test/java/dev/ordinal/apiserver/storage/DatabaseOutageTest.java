package dev.ordinal.apiserver.storage;

import dev.ordinal.api.v1.CreateRequest;
import dev.ordinal.api.v1.GetRequest;
import dev.ordinal.apiserver.testing.PostgresTestResource;
import dev.ordinal.client.api.ApiException;
import io.grpc.Status;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

/**
 * The database becomes unreachable (connections refused, open ones killed) and comes back: writes
 * and reads answer UNAVAILABLE, readiness goes DOWN and liveness stays UP, and afterwards the store
 * works again with nothing half-written.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class DatabaseOutageTest {
    @TestHTTPResource("/")
    URL server;

    @Inject
    Pool pool;

    @ConfigProperty(name = "quarkus.datasource.reactive.url")
    String databaseUrl;

    ApiClient api;
    Vertx vertx;

    @BeforeEach
    void connect() {
        api = new ApiClient(server);
        vertx = Vertx.vertx();
    }

    @AfterEach
    void disconnect() throws Exception {
        try {
            admin("ALTER DATABASE " + database() + " ALLOW_CONNECTIONS true");
        } finally {
            api.close();
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void anOutageAnswersUnavailableTurnsReadinessDownAndLeavesNothingHalfWritten() throws Exception {
        api.blocking.create(CreateRequest.newBuilder().setObject(ApiClient.namespace("outage")).build());
        api.blocking.create(CreateRequest.newBuilder().setObject(ApiClient.pod("outage", "before")).build());
        given().get("/q/health/ready").then().statusCode(200);

        admin("ALTER DATABASE " + database() + " ALLOW_CONNECTIONS false");
        admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database() + "'");

        List<String> attempted = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            String name = "during-" + attempted.size();
            attempted.add(name);
            ApiException e = ApiClient.failure(Status.Code.UNAVAILABLE,
                    () -> api.blocking.create(CreateRequest.newBuilder().setObject(ApiClient.pod("outage", name)).build()));
            assertThat(e.getMessage()).startsWith("storage is unavailable");
        });
        ApiClient.failure(Status.Code.UNAVAILABLE, () -> api.blocking.get(GetRequest.newBuilder().setKind("Pod")
                .setNamespace("outage").setName("before").build()));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/q/health/ready").then().statusCode(503).body(containsString("\"database\"")));
        given().get("/q/health/live").then().statusCode(200);

        admin("ALTER DATABASE " + database() + " ALLOW_CONNECTIONS true");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200));
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                api.blocking.create(CreateRequest.newBuilder().setObject(ApiClient.pod("outage", "after")).build()) != null);

        for (String name : attempted) {
            // A create refused with UNAVAILABLE before any connection could be made wrote nothing.
            ApiClient.failure(Status.Code.NOT_FOUND, () -> api.blocking.get(GetRequest.newBuilder().setKind("Pod")
                    .setNamespace("outage").setName(name).build()));
        }
        var consistency = pool.query("SELECT (SELECT current FROM version_counter), (SELECT max(resource_version) FROM change_log), "
                        + "(SELECT count(*) FROM objects o WHERE NOT EXISTS (SELECT 1 FROM change_log c "
                        + "WHERE c.resource_version = o.resource_version AND c.name = o.name))")
                .execute().await().atMost(Duration.ofSeconds(10)).iterator().next();
        assertThat(consistency.getLong(0)).as("counter equals the newest logged change").isEqualTo(consistency.getLong(1));
        assertThat(consistency.getLong(2)).as("objects whose write is missing from the change log").isZero();
    }

    private String database() {
        return PgConnectOptions.fromUri(databaseUrl).getDatabase();
    }

    private void admin(String sql) throws Exception {
        PgConnectOptions options = PostgresTestResource.adminConnectOptions();
        PgConnection.connect(vertx, options)
                .compose(c -> c.query(sql).execute().eventually(() -> c.close()))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}

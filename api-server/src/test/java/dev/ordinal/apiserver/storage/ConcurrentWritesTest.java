package dev.ordinal.apiserver.storage;

import dev.ordinal.api.v1.CreateRequest;
import dev.ordinal.api.v1.GetRequest;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.UpdateRequest;
import dev.ordinal.apiserver.testing.PostgresTestResource;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.ApiObjects;
import io.grpc.Status;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

/** Optimistic concurrency and the ordering guarantees of resourceVersion under concurrent writers. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class ConcurrentWritesTest extends ApiServerTestBase {
    private static final Logger LOG = Logger.getLogger(ConcurrentWritesTest.class);

    @Inject
    Pool pool;


    @Test
    void ofTwoUpdatesFromTheSameVersionExactlyOneWinsAndTheOtherIsAborted() throws Exception {
        api.blocking.create(CreateRequest.newBuilder().setObject(ApiClient.namespace("conflicts")).build());
        Object created = api.blocking.create(CreateRequest.newBuilder()
                .setObject(ApiClient.pod("conflicts", "web-0", Map.of("v", "0"))).build());

        List<Object> updates = List.of("a", "b").stream().map(v -> ApiObjects.withMeta(created,
                ApiObjects.meta(created).toBuilder().putLabels("v", v).build())).toList();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<java.lang.Object>> outcomes = new ArrayList<>();
            for (Object update : updates) {
                outcomes.add(pool.submit(() -> {
                    start.await();
                    try {
                        return api.blocking.update(UpdateRequest.newBuilder().setObject(update).build());
                    } catch (RuntimeException e) {
                        return ApiException.fromGrpc(e);
                    }
                }));
            }
            start.countDown();
            List<java.lang.Object> results = new ArrayList<>();
            for (Future<java.lang.Object> f : outcomes) {
                results.add(f.get(30, TimeUnit.SECONDS));
            }
            List<Object> winners = results.stream().filter(r -> r instanceof Object).map(r -> (Object) r).toList();
            List<ApiException> losers = results.stream().filter(r -> r instanceof ApiException).map(r -> (ApiException) r).toList();
            assertThat(winners).hasSize(1);
            assertThat(losers).hasSize(1);
            assertThat(losers.get(0).code()).isEqualTo(Status.Code.ABORTED);
            assertThat(losers.get(0).reason()).isEqualTo("Conflict");
            assertThat(losers.get(0).getMessage()).contains("the object has been modified");

            Object stored = api.blocking.get(GetRequest.newBuilder().setKind("Pod").setNamespace("conflicts").setName("web-0").build());
            assertThat(stored).isEqualTo(winners.get(0));
            assertThat(ApiObjects.resourceVersion(stored)).isGreaterThan(ApiObjects.resourceVersion(created));
        } finally {
            pool.shutdownNow();
        }

        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("ordinal_apiserver_requests_seconds_count{code=\"ABORTED\",kind=\"Pod\",verb=\"update\""))
                .body(containsString("ordinal_apiserver_requests_seconds_count{code=\"OK\",kind=\"Pod\",verb=\"create\""));
    }

    @Test
    void eightWritersCreatingConcurrentlyGetUniqueVersionsAllLoggedInOrderWithoutGaps() throws Exception {
        api.blocking.create(CreateRequest.newBuilder().setObject(ApiClient.namespace("writers")).build());
        int writers = 8;
        int perWriter = 500;
        ExecutorService executor = Executors.newFixedThreadPool(writers);
        Map<Long, String> nameByVersion = new ConcurrentHashMap<>();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(executor.submit(() -> {
                    for (int i = 0; i < perWriter; i++) {
                        Object created = api.blocking.create(CreateRequest.newBuilder()
                                .setObject(ApiClient.pod("writers", "w" + writer + "-" + i)).build());
                        String previous = nameByVersion.put(ApiObjects.resourceVersion(created), ApiObjects.meta(created).getName());
                        assertThat(previous).as("resourceVersion handed out twice").isNull();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            executor.shutdownNow();
        }
        assertThat(nameByVersion).hasSize(writers * perWriter);

        long first = Collections.min(nameByVersion.keySet());
        long last = Collections.max(nameByVersion.keySet());
        List<Row> log = new ArrayList<>();
        pool.preparedQuery("SELECT resource_version, name, event_type, data FROM change_log "
                        + "WHERE resource_version BETWEEN $1 AND $2 ORDER BY resource_version")
                .execute(Tuple.of(first, last)).await().atMost(Duration.ofSeconds(30)).forEach(log::add);
        // Nothing else writes during this test, so the versions of these creates are contiguous.
        assertThat(log).hasSize((int) (last - first + 1)).hasSize(writers * perWriter);
        long expected = first;
        for (Row row : log) {
            long rv = row.getLong("resource_version");
            assertThat(rv).isEqualTo(expected++);
            assertThat(row.getString("name")).isEqualTo(nameByVersion.get(rv));
            assertThat(row.getShort("event_type")).isEqualTo((short) 1);
            Object logged = Object.parseFrom(row.getBuffer("data").getBytes());
            assertThat(ApiObjects.resourceVersion(logged)).isEqualTo(rv);
        }
    }

    /**
     * Not a benchmark (bench/ measures that): logs what concurrent asynchronous clients (16, or
     * -Dstore.test.clients) achieve here, and checks that every create succeeded.
     */
    @Test
    void asyncClientsCreateConcurrently() throws Exception {
        api.blocking.create(CreateRequest.newBuilder().setObject(ApiClient.namespace("throughput")).build());
        int clients = Integer.getInteger("store.test.clients", 16);
        int total = 16_000;
        Semaphore inFlight = new Semaphore(clients);
        AtomicInteger failures = new AtomicInteger();
        Set<String> names = Collections.synchronizedSet(new TreeSet<>());
        CountDownLatch finished = new CountDownLatch(total);
        long started = System.nanoTime();
        for (int i = 0; i < total; i++) {
            inFlight.acquire();
            var future = api.async.create(CreateRequest.newBuilder().setObject(ApiClient.pod("throughput", "p-" + i)).build());
            future.addListener(() -> {
                try {
                    names.add(ApiObjects.meta(future.get()).getName());
                } catch (Exception e) {
                    failures.incrementAndGet();
                } finally {
                    inFlight.release();
                    finished.countDown();
                }
            }, Runnable::run);
        }
        assertThat(finished.await(5, TimeUnit.MINUTES)).isTrue();
        double seconds = (System.nanoTime() - started) / 1e9;
        LOG.infof("%d creates by %d concurrent clients in %.2f s: %.0f creates/s", total, clients, seconds, total / seconds);
        LOG.infof("group commit: %s", given().get("/q/metrics").asString().lines()
                .filter(l -> l.startsWith("ordinal_apiserver_write_batch")).toList());
        assertThat(failures.get()).isZero();
        assertThat(names).hasSize(total);
    }
}

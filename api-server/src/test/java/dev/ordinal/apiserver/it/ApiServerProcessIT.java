package dev.ordinal.apiserver.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.apiserver.testing.PostgresTestResource;
import dev.ordinal.testkit.ApiServerProcess;
import dev.ordinal.testkit.CuttableProxy;
import dev.ordinal.client.ListOptions;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.Watch;
import dev.ordinal.client.WatchEvent;
import dev.ordinal.client.WatchListener;
import dev.ordinal.client.WatchOptions;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.informer.ResourceEventHandler;
import dev.ordinal.client.informer.SharedIndexInformer;
import dev.ordinal.client.informer.SharedInformerFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The api-server as separate processes, the way users run it: a watch resumed across a restart,
 * two instances on one database serving one order, and an informer cut off long enough for its
 * position to be compacted away relisting and converging.
 */
class ApiServerProcessIT {
    private static final List<String> databases = new ArrayList<>();

    @AfterAll
    static void dropDatabases() {
        databases.forEach(PostgresTestResource::dropDatabase);
    }

    @Test
    void watchResumedAfterRestartMissesNothingAndRepeatsNothing() throws Exception {
        String db = freshDatabase();
        List<WatchEvent<Pod>> seen = new CopyOnWriteArrayList<>();
        String resumeFrom;
        try (ApiServerProcess first = new ApiServerProcess(db, Map.of()).start();
                OrdinalClient client = OrdinalClient.connect(first.target())) {
            String start = client.resources(Pod.class).list(ListOptions.inNamespace("default")).resourceVersion();
            Watch watch = client.resources(Pod.class).watch(WatchOptions.all().withNamespace("default").fromResourceVersion(start),
                    collector(seen));
            for (int i = 0; i < 60; i++) {
                client.resources(Pod.class).create(pod("before-" + i));
            }
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 30);
            watch.close();
            resumeFrom = seen.get(seen.size() - 1).resourceVersion();
            first.stop();
        }
        try (ApiServerProcess second = new ApiServerProcess(db, Map.of()).start();
                OrdinalClient client = OrdinalClient.connect(second.target())) {
            for (int i = 0; i < 60; i++) {
                client.resources(Pod.class).create(pod("after-" + i));
            }
            try (Watch resumed = client.resources(Pod.class).watch(
                    WatchOptions.all().withNamespace("default").fromResourceVersion(resumeFrom), collector(seen))) {
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> names(seen).size() >= 120);
                for (int i = 0; i < 5; i++) {
                    client.resources(Pod.class).create(pod("late-" + i));
                }
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> names(seen).size() >= 125);
            }
        }
        List<String> names = names(seen);
        assertThat(names).doesNotHaveDuplicates().hasSize(125);
        assertThat(names.subList(0, 60)).containsExactlyElementsOf(range("before-", 60));
        assertThat(names.subList(60, 120)).containsExactlyElementsOf(range("after-", 60));
        assertStrictlyIncreasing(seen);
    }

    @Test
    void twoInstancesOnOneDatabaseServeOneTotalOrder() throws Exception {
        String db = freshDatabase();
        try (ApiServerProcess a = new ApiServerProcess(db, Map.of()).start();
                ApiServerProcess b = new ApiServerProcess(db, Map.of()).start();
                OrdinalClient ca = OrdinalClient.connect(a.target());
                OrdinalClient cb = OrdinalClient.connect(b.target())) {
            String start = ca.resources(Pod.class).list(ListOptions.inNamespace("default")).resourceVersion();
            List<WatchEvent<Pod>> onA = new CopyOnWriteArrayList<>();
            List<WatchEvent<Pod>> onB = new CopyOnWriteArrayList<>();
            WatchOptions from = WatchOptions.all().withNamespace("default").fromResourceVersion(start);
            try (Watch wa = ca.resources(Pod.class).watch(from, collector(onA));
                    Watch wb = cb.resources(Pod.class).watch(from, collector(onB))) {
                ExecutorService writers = Executors.newFixedThreadPool(4);
                List<Future<?>> done = new ArrayList<>();
                for (int w = 0; w < 4; w++) {
                    OrdinalClient via = w % 2 == 0 ? ca : cb;
                    String prefix = "w" + w + "-";
                    done.add(writers.submit(() -> {
                        for (int i = 0; i < 150; i++) {
                            via.resources(Pod.class).create(pod(prefix + i));
                        }
                    }));
                }
                for (Future<?> f : done) {
                    f.get(120, TimeUnit.SECONDS);
                }
                writers.shutdown();
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> onA.size() >= 600 && onB.size() >= 600);
            }
            assertThat(versionsAndNames(onA)).hasSize(600).isEqualTo(versionsAndNames(onB));
            assertStrictlyIncreasing(onA);
            assertThat(names(onA)).doesNotHaveDuplicates();
        }
    }

    @Test
    void informerCutOffPastTheRetainedLogRelistsAndConverges() throws Exception {
        String db = freshDatabase();
        Map<String, String> shortHistory = Map.of(
                "ORDINAL_API_SERVER_STORAGE_LOG_RETENTION", "1s",
                "ORDINAL_API_SERVER_STORAGE_COMPACTION_INTERVAL", "300ms",
                "ORDINAL_API_SERVER_WATCH_RING_SIZE", "16");
        try (ApiServerProcess server = new ApiServerProcess(db, shortHistory).start();
                OrdinalClient direct = OrdinalClient.connect(server.target());
                CuttableProxy proxy = new CuttableProxy(server.port());
                OrdinalClient viaProxy = OrdinalClient.connect(proxy.target());
                SharedInformerFactory factory = new SharedInformerFactory(viaProxy)) {
            for (int i = 0; i < 20; i++) {
                direct.resources(Pod.class).create(pod("keep-" + i));
            }
            SharedIndexInformer<Pod> informer = factory.informerFor(Pod.class, "default");
            Set<String> deletedSeen = ConcurrentHashMap.newKeySet();
            informer.addEventHandler(new ResourceEventHandler<>() {
                @Override
                public void onAdd(Pod pod) {
                }

                @Override
                public void onUpdate(Pod old, Pod current) {
                }

                @Override
                public void onDelete(Pod lastKnown) {
                    deletedSeen.add(lastKnown.getMetadata().getName());
                }
            });
            factory.start();
            assertThat(factory.waitForCacheSync(Duration.ofSeconds(30))).isTrue();
            String cutAt = informer.lastSyncResourceVersion();

            proxy.cut();
            for (int i = 0; i < 10; i++) {
                direct.resources(Pod.class).delete("default", "keep-" + i, dev.ordinal.client.DeleteOptions.defaults().withGracePeriodSeconds(0));
            }
            for (int i = 0; i < 40; i++) {
                direct.resources(Pod.class).create(pod("new-" + i));
            }
            // The informer's position is gone once a watch from it is refused as expired.
            Awaitility.await("log compacted past the informer").atMost(Duration.ofSeconds(30)).until(() -> expired(direct, cutAt));
            proxy.restore();

            Awaitility.await("informer converged").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                Map<String, String> stored = versionsByName(direct.resources(Pod.class).list(ListOptions.inNamespace("default")).items());
                Map<String, String> cached = versionsByName(informer.lister().list("default"));
                assertThat(cached).isEqualTo(stored);
            });
            assertThat(deletedSeen).containsExactlyInAnyOrderElementsOf(range("keep-", 10));
        }
    }

    @Test
    void sigtermStopsTheApiServerAndItsEmbeddedPostgres() throws Exception {
        java.nio.file.Path dataDir = java.nio.file.Files.createTempDirectory("ordinal-it-pg").resolve("postgres");
        // PostgreSQL may run as an unprivileged user (when the tests run as root): it must reach the directory.
        java.nio.file.Files.setPosixFilePermissions(dataDir.getParent(),
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        ApiServerProcess server = new ApiServerProcess(null, Map.of("ORDINAL_API_SERVER_EMBEDDED_DB_DIR", dataDir.toString()));
        try (server) {
            server.start();
            assertThat(dataDir.resolve("postmaster.pid")).exists();
            try (OrdinalClient client = OrdinalClient.connect(server.target())) {
                client.resources(Pod.class).create(pod("on-embedded"));
            }
            assertThat(server.stop()).as("exited by itself after SIGTERM").isTrue();
            // pg_ctl removes postmaster.pid once the server has shut down.
            assertThat(dataDir.resolve("postmaster.pid")).doesNotExist();
        }
    }

    @Test
    void reflectionLetsGenericToolsDiscoverTheApi() throws Exception {
        try (ApiServerProcess server = new ApiServerProcess(freshDatabase(), Map.of()).start()) {
            io.grpc.ManagedChannel channel = io.grpc.ManagedChannelBuilder.forTarget(server.target()).usePlaintext().build();
            try {
                List<String> services = new CopyOnWriteArrayList<>();
                java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
                io.grpc.stub.StreamObserver<grpc.reflection.v1alpha.Reflection.ServerReflectionRequest> requests =
                        grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(channel).serverReflectionInfo(new io.grpc.stub.StreamObserver<>() {
                            @Override
                            public void onNext(grpc.reflection.v1alpha.Reflection.ServerReflectionResponse response) {
                                response.getListServicesResponse().getServiceList().forEach(s -> services.add(s.getName()));
                            }

                            @Override
                            public void onError(Throwable t) {
                                done.countDown();
                            }

                            @Override
                            public void onCompleted() {
                                done.countDown();
                            }
                        });
                requests.onNext(grpc.reflection.v1alpha.Reflection.ServerReflectionRequest.newBuilder().setListServices("*").build());
                requests.onCompleted();
                assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
                assertThat(services).contains("ordinal.v1.ObjectService");
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private static boolean expired(OrdinalClient client, String from) throws InterruptedException {
        AtomicReference<ApiException> closedWith = new AtomicReference<>();
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        try (Watch w = client.resources(Pod.class).watch(WatchOptions.all().withNamespace("default").fromResourceVersion(from),
                new WatchListener<>() {
                    @Override
                    public void onEvent(WatchEvent<Pod> event) {
                    }

                    @Override
                    public void onClose(ApiException error) {
                        closedWith.set(error);
                        closed.countDown();
                    }
                })) {
            closed.await(1, TimeUnit.SECONDS);
        } catch (Exception e) {
            return false;
        }
        ApiException e = closedWith.get();
        return e != null && e.code() == io.grpc.Status.Code.OUT_OF_RANGE;
    }

    private static WatchListener<Pod> collector(List<WatchEvent<Pod>> into) {
        return new WatchListener<>() {
            @Override
            public void onEvent(WatchEvent<Pod> event) {
                if (event.type() != WatchEvent.Type.BOOKMARK) {
                    into.add(event);
                }
            }

            @Override
            public void onClose(ApiException error) {
            }
        };
    }

    private static void assertStrictlyIncreasing(List<WatchEvent<Pod>> events) {
        long previous = 0;
        for (WatchEvent<Pod> e : events) {
            long rv = Long.parseLong(e.resourceVersion());
            assertThat(rv).as("resourceVersion after %d", previous).isGreaterThan(previous);
            previous = rv;
        }
    }

    private static List<String> names(List<WatchEvent<Pod>> events) {
        return events.stream().map(e -> e.object().getMetadata().getName()).collect(Collectors.toList());
    }

    private static List<String> versionsAndNames(List<WatchEvent<Pod>> events) {
        return events.stream().map(e -> e.resourceVersion() + " " + e.object().getMetadata().getName()).collect(Collectors.toList());
    }

    private static Map<String, String> versionsByName(List<Pod> pods) {
        return pods.stream().collect(Collectors.toMap(p -> p.getMetadata().getName(),
                p -> p.getMetadata().getResourceVersion(), (x, y) -> x, TreeMap::new));
    }

    private static List<String> range(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(prefix + i);
        }
        return Collections.unmodifiableList(out);
    }

    private static Pod pod(String name) {
        return Pod.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name).putLabels("app", "it"))
                .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("main").setImage("python3")))
                .build();
    }

    private static String freshDatabase() {
        String db = PostgresTestResource.createDatabase("ordinal_it_");
        databases.add(db);
        return PostgresTestResource.databaseUrl(db);
    }
}

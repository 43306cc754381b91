package dev.ordinal.controllermanager.gc;

import static dev.ordinal.controllermanager.ApiFixtures.claim;
import static dev.ordinal.controllermanager.ApiFixtures.revision;
import static dev.ordinal.controllermanager.ApiFixtures.statefulSet;
import static dev.ordinal.controllermanager.TestObjects.ownerRef;
import static dev.ordinal.controllermanager.TestObjects.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Message;
import dev.ordinal.api.v1.ControllerRevision;
import dev.ordinal.api.v1.Namespace;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.OwnerReference;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.Service;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.client.DeleteOptions;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.controllermanager.ControllerHarness;
import dev.ordinal.controllermanager.ControllerMetrics;
import dev.ordinal.controllermanager.TestObjects;
import dev.ordinal.controllermanager.endpoints.EndpointsController;
import dev.ordinal.controllermanager.namespace.NamespaceController;
import dev.ordinal.testkit.ApiServerProcess;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cascading deletion against the real api-server, which turns each propagation policy into the
 * owner's finalizer: what {@code kubectl delete sts web --cascade=background|foreground|orphan}
 * and {@code kubectl delete namespace} leave behind.
 */
class GarbageCollectorIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static ApiServerProcess apiServer;
    private static OrdinalClient client;
    private static ControllerHarness controllers;

    @BeforeAll
    static void start() throws Exception {
        apiServer = ApiServerProcess.embedded(Map.of()).start();
        client = OrdinalClient.connect(apiServer.target());
        ControllerMetrics metrics = ControllerMetrics.inMemory();
        // The volume controller releases the claims' protection finalizer, which the api-server adds.
        controllers = ControllerHarness.start(client, new GarbageCollector(metrics), new NamespaceController(metrics),
                new EndpointsController(metrics), new dev.ordinal.controllermanager.volume.VolumeController(metrics,
                        dev.ordinal.controllermanager.volume.VolumeControllerConfig.of(
                                java.nio.file.Files.createTempDirectory("shared-volumes"))));
    }

    @AfterAll
    static void stop() throws Exception {
        if (controllers != null) {
            controllers.close();
        }
        if (client != null) {
            client.close();
        }
        if (apiServer != null) {
            apiServer.stop();
        }
    }

    private static <T extends Message> boolean exists(Class<T> type, String ns, String name) {
        try {
            client.resources(type).get(ns, name);
            return true;
        } catch (ApiException e) {
            if (e.code() == Status.Code.NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    private static Namespace namespace(String name) {
        return client.resources(Namespace.class).create(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name)).build());
    }

    /** A StatefulSet with two pods, a revision and a claim it owns (retention Delete), plus one it does not. */
    private static StatefulSet setWithDependents(String ns, OwnerReference.Builder... refTweaks) {
        StatefulSet set = client.resources(StatefulSet.class).create(statefulSet(ns, "web"));
        OwnerReference ref = ownerRef(set, true);
        for (int i = 0; i < 2; i++) {
            Pod p = pod(ns, "web-" + i, Map.of("app", "web"), "nginx");
            client.resources(Pod.class).create(p.toBuilder().setMetadata(p.getMetadata().toBuilder().addOwnerReferences(ref)).build());
        }
        client.resources(ControllerRevision.class).create(revision(ns, "web-7d4b9c", ref));
        client.resources(PersistentVolumeClaim.class).create(claim(ns, "data-web-0", ref));
        client.resources(PersistentVolumeClaim.class).create(claim(ns, "data-web-1"));
        return set;
    }

    @Test
    void backgroundDeletionTakesPodsRevisionsAndOwnedClaimsOnly() {
        String ns = "background";
        namespace(ns);
        setWithDependents(ns);

        client.resources(StatefulSet.class).delete(ns, "web", DeleteOptions.defaults().withPropagationPolicy("Background"));

        await().atMost(WAIT).until(() -> !exists(Pod.class, ns, "web-0") && !exists(Pod.class, ns, "web-1")
                && !exists(ControllerRevision.class, ns, "web-7d4b9c") && !exists(PersistentVolumeClaim.class, ns, "data-web-0"));
        assertThat(exists(PersistentVolumeClaim.class, ns, "data-web-1")).as("a claim without owner reference is kept").isTrue();
    }

    @Test
    void foregroundDeletionKeepsTheOwnerUntilItsBlockingDependentsAreGone() {
        String ns = "foreground";
        namespace(ns);
        setWithDependents(ns);
        // One pod holds on (as a node agent's slow shutdown would) so the wait can be seen.
        client.resources(Pod.class).modify(ns, "web-0", p -> p.toBuilder()
                .setMetadata(p.getMetadata().toBuilder().addFinalizers("example.com/hold")).build());

        client.resources(StatefulSet.class).delete(ns, "web", DeleteOptions.defaults().withPropagationPolicy("Foreground"));

        await().atMost(WAIT).until(() -> !exists(Pod.class, ns, "web-1") && !exists(ControllerRevision.class, ns, "web-7d4b9c"));
        StatefulSet waiting = client.resources(StatefulSet.class).get(ns, "web");
        assertThat(waiting.getMetadata().hasDeletionTimestamp()).isTrue();
        assertThat(waiting.getMetadata().getFinalizersList()).contains("foregroundDeletion");
        assertThat(client.resources(Pod.class).get(ns, "web-0").getMetadata().hasDeletionTimestamp()).isTrue();

        client.resources(Pod.class).modify(ns, "web-0", p -> p.toBuilder()
                .setMetadata(p.getMetadata().toBuilder().clearFinalizers()).build());
        await().atMost(WAIT).until(() -> !exists(StatefulSet.class, ns, "web"));
        assertThat(exists(PersistentVolumeClaim.class, ns, "data-web-1")).isTrue();
    }

    @Test
    void orphanDeletionLeavesDependentsWithoutTheReference() {
        String ns = "orphan";
        namespace(ns);
        setWithDependents(ns);

        client.resources(StatefulSet.class).delete(ns, "web", DeleteOptions.defaults().withPropagationPolicy("Orphan"));

        await().atMost(WAIT).until(() -> !exists(StatefulSet.class, ns, "web"));
        for (String name : List.of("web-0", "web-1")) {
            assertThat(client.resources(Pod.class).get(ns, name).getMetadata().getOwnerReferencesList()).isEmpty();
        }
        assertThat(client.resources(ControllerRevision.class).get(ns, "web-7d4b9c").getMetadata().getOwnerReferencesList()).isEmpty();
        assertThat(client.resources(PersistentVolumeClaim.class).get(ns, "data-web-0").getMetadata().getOwnerReferencesList()).isEmpty();
    }

    @Test
    void deletedNamespaceIsEmptiedAndThenDisappears() {
        String ns = "team-a";
        namespace(ns);
        setWithDependents(ns);
        client.resources(Service.class).create(TestObjects.headlessService(ns, "nginx", Map.of("app", "web")));

        client.resources(Namespace.class).delete("", ns);

        await().atMost(WAIT).until(() -> !exists(Namespace.class, "", ns));
        assertThat(client.resources(Pod.class).list(dev.ordinal.client.ListOptions.inNamespace(ns)).items()).isEmpty();
        assertThat(client.resources(PersistentVolumeClaim.class).list(dev.ordinal.client.ListOptions.inNamespace(ns)).items()).isEmpty();
    }
}

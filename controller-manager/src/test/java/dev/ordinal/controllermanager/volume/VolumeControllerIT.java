package dev.ordinal.controllermanager.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.Event;
import dev.ordinal.api.v1.LabelSelector;
import dev.ordinal.api.v1.Namespace;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.PersistentVolumeClaimSpec;
import dev.ordinal.api.v1.PersistentVolumeClaimVolumeSource;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.PodTemplateSpec;
import dev.ordinal.api.v1.ResourceRequirements;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.api.v1.StatefulSetSpec;
import dev.ordinal.api.v1.StatusCause;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.api.v1.Volume;
import dev.ordinal.client.ListOptions;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.VolumeNames;
import dev.ordinal.controllermanager.ControllerHarness;
import dev.ordinal.controllermanager.ControllerMetrics;
import dev.ordinal.controllermanager.statefulset.StatefulSetController;
import dev.ordinal.controllermanager.statefulset.StatefulSetControllerConfig;
import dev.ordinal.testkit.ApiServerProcess;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Claims, volumes and classes against the real api-server (its built-in classes, defaulting,
 * protection finalizers and resize rules) with the volume and StatefulSet controllers running:
 * what {@code kubectl get pvc,pv} and {@code kubectl describe pvc} show a user.
 */
class VolumeControllerIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final AtomicInteger NAMESPACES = new AtomicInteger();
    private static ApiServerProcess apiServer;
    private static OrdinalClient client;
    private static ControllerHarness controllers;
    private static Path sharedRoot;

    @BeforeAll
    static void start() throws Exception {
        sharedRoot = Files.createTempDirectory("shared-volumes").toRealPath();
        apiServer = ApiServerProcess.embedded(Map.of()).start();
        client = OrdinalClient.connect(apiServer.target());
        ControllerMetrics metrics = ControllerMetrics.inMemory();
        controllers = ControllerHarness.start(client, true, new VolumeController(metrics, VolumeControllerConfig.of(sharedRoot)),
                new StatefulSetController(StatefulSetControllerConfig.defaults()));
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

    private static String namespace() {
        String ns = "vol-" + NAMESPACES.incrementAndGet();
        client.resources(Namespace.class).create(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(ns)).build());
        return ns;
    }

    private static PersistentVolumeClaim claim(String ns, String name, String className, String storage) {
        PersistentVolumeClaimSpec.Builder spec = PersistentVolumeClaimSpec.newBuilder().addAccessModes("ReadWriteOnce")
                .setResources(ResourceRequirements.newBuilder().putRequests("storage", storage));
        if (className != null) {
            spec.setStorageClassName(className);
        }
        return client.resources(PersistentVolumeClaim.class).create(PersistentVolumeClaim.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace(ns).setName(name)).setSpec(spec).build());
    }

    private static PersistentVolumeClaim get(String ns, String name) {
        return client.resources(PersistentVolumeClaim.class).get(ns, name);
    }

    private static PersistentVolumeClaim awaitBound(String ns, String name) {
        await().atMost(WAIT).until(() -> "Bound".equals(get(ns, name).getStatus().getPhase()));
        return get(ns, name);
    }

    private static boolean exists(String ns, String name) {
        try {
            get(ns, name);
            return true;
        } catch (ApiException e) {
            if (e.code() == Status.Code.NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    private static boolean volumeExists(String name) {
        try {
            client.resources(PersistentVolume.class).get(name);
            return true;
        } catch (ApiException e) {
            if (e.code() == Status.Code.NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    private static List<Event> events(String ns, String involved) {
        return client.resources(Event.class).list(ListOptions.inNamespace(ns)).items().stream()
                .filter(e -> e.getInvolvedObject().getName().equals(involved)).toList();
    }

    private static void createClass(String name, String reclaim, boolean expandable) {
        try {
            client.resources(StorageClass.class).create(StorageClass.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name))
                    .setProvisioner(VolumeNames.SHARED_PROVISIONER).setReclaimPolicy(reclaim).setAllowVolumeExpansion(expandable).build());
        } catch (ApiException e) {
            if (e.code() != Status.Code.ALREADY_EXISTS) {
                throw e;
            }
        }
    }

    private static PersistentVolumeClaim withStorage(PersistentVolumeClaim pvc, String storage) {
        PersistentVolumeClaim.Builder b = pvc.toBuilder();
        b.getSpecBuilder().getResourcesBuilder().putRequests("storage", storage);
        return b.build();
    }

    @Test
    void theBuiltInClassesExistAndSharedIsTheDefault() {
        StorageClass shared = client.resources(StorageClass.class).get("shared");
        assertThat(shared.getProvisioner()).isEqualTo("ordinal.dev/shared");
        assertThat(shared.getMetadata().getAnnotationsMap()).containsEntry("storageclass.kubernetes.io/is-default-class", "true");
        assertThat(List.of(shared.getVolumeBindingMode(), shared.getReclaimPolicy())).containsExactly("Immediate", "Delete");
        assertThat(shared.getAllowVolumeExpansion()).isTrue();
        StorageClass local = client.resources(StorageClass.class).get("local");
        assertThat(List.of(local.getProvisioner(), local.getVolumeBindingMode(), local.getReclaimPolicy()))
                .containsExactly("ordinal.dev/local", "WaitForFirstConsumer", "Delete");
    }

    @Test
    void aClaimWithoutClassIsProvisionedOnSharedAndBoundWithItsDirectory() {
        String ns = namespace();
        PersistentVolumeClaim created = claim(ns, "data", null, "1Gi");
        assertThat(created.getSpec().getStorageClassName()).as("DefaultStorageClass admission").isEqualTo("shared");
        assertThat(created.getMetadata().getFinalizersList()).containsExactly("kubernetes.io/pvc-protection");

        PersistentVolumeClaim bound = awaitBound(ns, "data");
        String pvName = "pvc-" + created.getMetadata().getUid();
        assertThat(bound.getSpec().getVolumeName()).isEqualTo(pvName);
        assertThat(bound.getStatus().getCapacityMap()).containsEntry("storage", "1Gi");
        PersistentVolume pv = client.resources(PersistentVolume.class).get(pvName);
        assertThat(pv.getMetadata().getAnnotationsMap()).containsEntry("pv.kubernetes.io/provisioned-by", "ordinal.dev/shared");
        assertThat(pv.getMetadata().getFinalizersList()).contains("kubernetes.io/pv-protection");
        assertThat(pv.getSpec().getClaimRef().getUid()).isEqualTo(created.getMetadata().getUid());
        Path dir = Path.of(pv.getSpec().getCsi().getVolumeAttributesOrThrow("path"));
        assertThat(dir).isEqualTo(sharedRoot.resolve(pvName)).isDirectory();
        await().atMost(WAIT).until(() -> "Bound".equals(client.resources(PersistentVolume.class).get(pvName).getStatus().getPhase()));
        await().atMost(WAIT).untilAsserted(() -> assertThat(events(ns, "data")).extracting(Event::getReason).contains("ProvisioningSucceeded"));
    }

    @Test
    void deleteReclaimsTheVolumeAndItsDataWhileRetainKeepsBoth() throws Exception {
        String ns = namespace();
        createClass("keep", "Retain", true);
        String deletedPv = awaitBound(ns, claim(ns, "scratch", null, "1Gi").getMetadata().getName()).getSpec().getVolumeName();
        String keptPv = awaitBound(ns, claim(ns, "precious", "keep", "1Gi").getMetadata().getName()).getSpec().getVolumeName();
        Files.writeString(sharedRoot.resolve(keptPv).resolve("db"), "rows");
        Files.writeString(sharedRoot.resolve(deletedPv).resolve("tmp"), "junk");

        client.resources(PersistentVolumeClaim.class).delete(ns, "scratch");
        client.resources(PersistentVolumeClaim.class).delete(ns, "precious");
        await().atMost(WAIT).until(() -> !volumeExists(deletedPv));
        assertThat(sharedRoot.resolve(deletedPv)).doesNotExist();
        await().atMost(WAIT).until(() -> "Released".equals(client.resources(PersistentVolume.class).get(keptPv).getStatus().getPhase()));
        assertThat(sharedRoot.resolve(keptPv).resolve("db")).hasContent("rows");
        assertThat(exists(ns, "scratch") || exists(ns, "precious")).isFalse();
    }

    @Test
    void aLocalClaimWaitsForItsNodeAndItsVolumeIsLeftToThatNodeOnDelete() {
        String ns = namespace();
        String node = ns + "-node";
        client.resources(Node.class).create(Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(node)
                .putLabels(VolumeNames.HOSTNAME_LABEL, node)
                .putAnnotations(VolumeNames.LOCAL_VOLUME_ROOT, "/var/lib/" + node + "/local-volumes")).build());
        claim(ns, "data", "local", "1Gi");
        await().atMost(WAIT).untilAsserted(() -> assertThat(events(ns, "data")).extracting(Event::getReason)
                .contains("WaitForFirstConsumer"));
        assertThat(get(ns, "data").getStatus().getPhase()).isEqualTo("Pending");

        // What the scheduler does once it placed the claim's first pod.
        PersistentVolumeClaim selected = get(ns, "data");
        client.resources(PersistentVolumeClaim.class).update(selected.toBuilder().setMetadata(selected.getMetadata().toBuilder()
                .putAnnotations(VolumeNames.SELECTED_NODE, node)).build());
        PersistentVolumeClaim bound = awaitBound(ns, "data");
        PersistentVolume pv = client.resources(PersistentVolume.class).get(bound.getSpec().getVolumeName());
        assertThat(pv.getSpec().getLocal().getPath()).isEqualTo("/var/lib/" + node + "/local-volumes/" + pv.getMetadata().getName());
        assertThat(pv.getSpec().getNodeAffinity().getRequired().getNodeSelectorTerms(0).getMatchExpressions(0).getValuesList())
                .containsExactly(node);

        client.resources(PersistentVolumeClaim.class).delete(ns, "data");
        await().atMost(WAIT).until(() -> "Released".equals(
                client.resources(PersistentVolume.class).get(pv.getMetadata().getName()).getStatus().getPhase()));
        assertThat(volumeExists(pv.getMetadata().getName())).as("only its node can delete the data, then the PV").isTrue();
    }

    @Test
    void aClaimInUseByAPodIsDeletedOnlyAfterThePod() {
        String ns = namespace();
        awaitBound(ns, claim(ns, "data", null, "1Gi").getMetadata().getName());
        client.resources(Pod.class).create(Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace(ns).setName("db"))
                .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("db").setImage("postgres"))
                        .addVolumes(Volume.newBuilder().setName("data").setPersistentVolumeClaim(
                                PersistentVolumeClaimVolumeSource.newBuilder().setClaimName("data"))))
                .build());

        client.resources(PersistentVolumeClaim.class).delete(ns, "data");
        // Protection holds it (Terminating) as long as the pod is there; nothing else would release it.
        await().atMost(WAIT).until(() -> get(ns, "data").getMetadata().hasDeletionTimestamp());
        await().during(Duration.ofSeconds(2)).atMost(WAIT).until(() -> exists(ns, "data"));

        client.resources(Pod.class).delete(ns, "db");
        await().atMost(WAIT).until(() -> !exists(ns, "data"));
    }

    @Test
    void aRaisedRequestGrowsTheVolumeAndTheReportedCapacity() {
        String ns = namespace();
        PersistentVolumeClaim bound = awaitBound(ns, claim(ns, "data", null, "1Gi").getMetadata().getName());
        client.resources(PersistentVolumeClaim.class).update(withStorage(bound, "3Gi"));
        await().atMost(WAIT).until(() -> "3Gi".equals(get(ns, "data").getStatus().getCapacityOrDefault("storage", "")));
        assertThat(get(ns, "data").getStatus().getConditionsList()).noneMatch(c -> c.getType().equals("Resizing"));
        assertThat(client.resources(PersistentVolume.class).get(bound.getSpec().getVolumeName()).getSpec().getCapacityMap())
                .containsEntry("storage", "3Gi");
        await().atMost(WAIT).untilAsserted(() -> assertThat(events(ns, "data")).extracting(Event::getReason)
                .contains("ExternalExpanding", "VolumeResizeSuccessful"));
    }

    @Test
    void aStatefulSetTemplateGrowthRaisesItsClaims() {
        String ns = namespace();
        PersistentVolumeClaim template = PersistentVolumeClaim.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("data"))
                .setSpec(PersistentVolumeClaimSpec.newBuilder().addAccessModes("ReadWriteOnce")
                        .setResources(ResourceRequirements.newBuilder().putRequests("storage", "1Gi"))).build();
        StatefulSet set = client.resources(StatefulSet.class).create(StatefulSet.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace(ns).setName("web"))
                .setSpec(StatefulSetSpec.newBuilder().setReplicas(1).setServiceName("web")
                        .setSelector(LabelSelector.newBuilder().putMatchLabels("app", "web"))
                        .setTemplate(PodTemplateSpec.newBuilder().setMetadata(ObjectMeta.newBuilder().putLabels("app", "web"))
                                .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("app").setImage("nginx"))))
                        .addVolumeClaimTemplates(template))
                .build());
        await().atMost(WAIT).until(() -> exists(ns, "data-web-0"));
        awaitBound(ns, "data-web-0");

        StatefulSet.Builder grown = client.resources(StatefulSet.class).get(ns, "web").toBuilder();
        grown.getSpecBuilder().getVolumeClaimTemplatesBuilder(0).getSpecBuilder().getResourcesBuilder().putRequests("storage", "2Gi");
        client.resources(StatefulSet.class).update(grown.build());
        await().atMost(WAIT).until(() -> "2Gi".equals(get(ns, "data-web-0").getStatus().getCapacityOrDefault("storage", "")));
        assertThat(get(ns, "data-web-0").getSpec().getResources().getRequestsMap()).containsEntry("storage", "2Gi");

        StatefulSet.Builder shrunk = client.resources(StatefulSet.class).get(ns, "web").toBuilder();
        shrunk.getSpecBuilder().getVolumeClaimTemplatesBuilder(0).getSpecBuilder().getResourcesBuilder().putRequests("storage", "1Gi");
        assertInvalid(() -> client.resources(StatefulSet.class).update(shrunk.build()),
                "spec.volumeClaimTemplates[0].spec.resources.requests.storage", "field can not be less than previous value");
        assertThat(set.getMetadata().getName()).isEqualTo("web");
    }

    @Test
    void mistakesGetClearErrors() {
        String ns = namespace();
        claim(ns, "typo", "no-such-class", "1Gi");
        await().atMost(WAIT).untilAsserted(() -> assertThat(get(ns, "typo").getStatus().getConditionsList()).anySatisfy(c -> {
            assertThat(c.getReason()).isEqualTo("ProvisioningFailed");
            assertThat(c.getMessage()).isEqualTo("storageclass.storage.k8s.io \"no-such-class\" not found");
        }));
        assertThat(get(ns, "typo").getStatus().getPhase()).isEqualTo("Pending");
        await().atMost(WAIT).untilAsserted(() -> assertThat(events(ns, "typo")).anySatisfy(e -> {
            assertThat(e.getReason()).isEqualTo("ProvisioningFailed");
            assertThat(e.getType()).isEqualTo("Warning");
        }));

        PersistentVolumeClaim bound = awaitBound(ns, claim(ns, "data", null, "2Gi").getMetadata().getName());
        assertInvalid(() -> client.resources(PersistentVolumeClaim.class).update(withStorage(bound, "1Gi")),
                "spec.resources.requests.storage", "field can not be less than previous value");

        createClass("fixed", "Delete", false);
        PersistentVolumeClaim fixed = awaitBound(ns, claim(ns, "fixed", "fixed", "1Gi").getMetadata().getName());
        assertInvalid(() -> client.resources(PersistentVolumeClaim.class).update(withStorage(fixed, "2Gi")),
                "spec.resources.requests.storage",
                "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize");
        assertThat(get(ns, "fixed").getSpec().getResources().getRequestsMap()).as("nothing half-written").containsEntry("storage", "1Gi");
    }

    private static void assertInvalid(Runnable call, String field, String rule) {
        ApiException e = catchThrowableOfType(ApiException.class, call::run);
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.causes()).extracting(StatusCause::getField).contains(field);
        assertThat(e.causes()).filteredOn(c -> c.getField().equals(field)).extracting(StatusCause::getMessage)
                .anySatisfy(m -> assertThat(m).contains(rule));
    }
}

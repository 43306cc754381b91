package dev.ordinal.controllermanager.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.PersistentVolumeClaimSpec;
import dev.ordinal.api.v1.ResourceRequirements;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.api.VolumeNames;
import dev.ordinal.client.testing.FakeApi;
import dev.ordinal.controllermanager.ControllerHarness;
import dev.ordinal.controllermanager.ControllerMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The volume controller's loop against the in-memory API: the writes it makes to provision, bind,
 * grow and reclaim, and none once converged. FakeApi does not add the protection finalizers the
 * api-server adds; VolumeControllerIT covers those.
 */
class VolumeControllerTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final FakeApi api = FakeApi.start();
    private final OrdinalClient client = api.newClient();
    private final ControllerMetrics metrics = ControllerMetrics.inMemory();
    private ControllerHarness harness;
    @TempDir
    Path sharedRoot;

    @AfterEach
    void tearDown() {
        if (harness != null) {
            harness.close();
        }
        client.close();
        api.close();
    }

    private void start() throws InterruptedException {
        api.create(StorageClass.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("shared"))
                .setProvisioner(VolumeNames.SHARED_PROVISIONER).setReclaimPolicy("Delete").setVolumeBindingMode("Immediate")
                .setAllowVolumeExpansion(true).build());
        harness = ControllerHarness.start(client, new VolumeController(metrics, VolumeControllerConfig.of(sharedRoot)));
    }

    private PersistentVolumeClaim claim() {
        return api.create(PersistentVolumeClaim.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("data"))
                .setSpec(PersistentVolumeClaimSpec.newBuilder().addAccessModes("ReadWriteOnce").setStorageClassName("shared")
                        .setResources(ResourceRequirements.newBuilder().putRequests("storage", "1Gi")))
                .build());
    }

    private Optional<PersistentVolumeClaim> current() {
        return api.get(Kind.PERSISTENT_VOLUME_CLAIM, "default", "data");
    }

    private PersistentVolumeClaim awaitBound() {
        await().atMost(WAIT).until(() -> current().map(c -> "Bound".equals(c.getStatus().getPhase())).orElse(false));
        return current().orElseThrow();
    }

    @Test
    void aProvisionedClaimIsBoundAndThenLeftAlone() throws Exception {
        start();
        PersistentVolumeClaim created = claim();
        PersistentVolumeClaim bound = awaitBound();
        String pv = "pvc-" + created.getMetadata().getUid();
        assertThat(bound.getSpec().getVolumeName()).isEqualTo(pv);
        assertThat(sharedRoot.resolve(pv)).isDirectory();
        await().atMost(WAIT).until(() -> api.<PersistentVolume>get(Kind.PERSISTENT_VOLUME, "", pv)
                .map(v -> "Bound".equals(v.getStatus().getPhase())).orElse(false));

        // Converged: syncing everything again (a change to the class enqueues its claims) writes nothing.
        double before = metrics.syncs(VolumeController.NAME, true);
        api.resetCalls();
        StorageClass sc = api.<StorageClass>get(Kind.STORAGE_CLASS, "", "shared").orElseThrow();
        api.update(sc.toBuilder().setMetadata(sc.getMetadata().toBuilder().putLabels("touched", "yes")).build());
        await().atMost(WAIT).until(() -> metrics.syncs(VolumeController.NAME, true) > before);
        assertThat(api.calls(FakeApi.Verb.CREATE, Kind.PERSISTENT_VOLUME) + api.calls(FakeApi.Verb.UPDATE, Kind.PERSISTENT_VOLUME)
                + api.calls(FakeApi.Verb.UPDATE_STATUS, Kind.PERSISTENT_VOLUME) + api.calls(FakeApi.Verb.UPDATE, Kind.PERSISTENT_VOLUME_CLAIM)
                + api.calls(FakeApi.Verb.UPDATE_STATUS, Kind.PERSISTENT_VOLUME_CLAIM)).isZero();
    }

    @Test
    void growingAndDeletingAClaimGrowsThenReclaimsItsVolume() throws Exception {
        start();
        claim();
        PersistentVolumeClaim bound = awaitBound();
        String pv = bound.getSpec().getVolumeName();
        Files.writeString(sharedRoot.resolve(pv).resolve("data"), "x");

        PersistentVolumeClaim.Builder grown = bound.toBuilder();
        grown.getSpecBuilder().getResourcesBuilder().putRequests("storage", "4Gi");
        api.update(grown.build());
        await().atMost(WAIT).until(() -> "4Gi".equals(current().orElseThrow().getStatus().getCapacityOrDefault("storage", "")));
        assertThat(api.<PersistentVolume>get(Kind.PERSISTENT_VOLUME, "", pv).orElseThrow().getSpec().getCapacityMap())
                .containsEntry("storage", "4Gi");

        api.delete(Kind.PERSISTENT_VOLUME_CLAIM, "default", "data");
        await().atMost(WAIT).until(() -> api.get(Kind.PERSISTENT_VOLUME, "", pv).isEmpty());
        assertThat(sharedRoot.resolve(pv)).doesNotExist();
    }
}

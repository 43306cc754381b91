package dev.ordinal.controllermanager.volume;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import dev.ordinal.api.v1.CSIPersistentVolumeSource;
import dev.ordinal.api.v1.HostPathVolumeSource;
import dev.ordinal.api.v1.LabelSelector;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.ObjectReference;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.PersistentVolumeClaimSpec;
import dev.ordinal.api.v1.PersistentVolumeClaimVolumeSource;
import dev.ordinal.api.v1.PersistentVolumeSpec;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.ResourceRequirements;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.api.v1.Volume;
import dev.ordinal.client.api.VolumeNames;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The volume controller's decisions on plain objects: binding, provisioning, phases, reclaim, protection, expansion. */
class VolumeDecisionsTest {
    static final Path ROOT = Path.of("/srv/shared");
    static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    static PersistentVolumeClaim claim(String name, String storage, String className, String... modes) {
        PersistentVolumeClaimSpec.Builder spec = PersistentVolumeClaimSpec.newBuilder()
                .addAllAccessModes(modes.length == 0 ? List.of("ReadWriteOnce") : List.of(modes))
                .setResources(ResourceRequirements.newBuilder().putRequests("storage", storage)).setVolumeMode("Filesystem");
        if (className != null) {
            spec.setStorageClassName(className);
        }
        PersistentVolumeClaim.Builder b = PersistentVolumeClaim.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name).setUid("uid-" + name).setResourceVersion("1"))
                .setSpec(spec);
        b.getStatusBuilder().setPhase("Pending");
        return b.build();
    }

    static PersistentVolume volume(String name, String storage, String className, String... modes) {
        PersistentVolume.Builder b = PersistentVolume.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName(name).setUid("uid-" + name).setResourceVersion("1"))
                .setSpec(PersistentVolumeSpec.newBuilder().putCapacity("storage", storage)
                        .addAllAccessModes(modes.length == 0 ? List.of("ReadWriteOnce") : List.of(modes))
                        .setStorageClassName(className).setPersistentVolumeReclaimPolicy("Retain").setVolumeMode("Filesystem")
                        .setHostPath(HostPathVolumeSource.newBuilder().setPath("/data/" + name)));
        b.getStatusBuilder().setPhase("Available");
        return b.build();
    }

    static StorageClass storageClass(String name, String provisioner, String mode) {
        return StorageClass.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name)).setProvisioner(provisioner)
                .setReclaimPolicy("Delete").setVolumeBindingMode(mode).setAllowVolumeExpansion(true).build();
    }

    static ClaimSync.Plan decide(PersistentVolumeClaim claim, Optional<StorageClass> sc, List<PersistentVolume> volumes, Optional<Node> node) {
        return ClaimSync.decide(new ClaimSync.Input(claim, sc, volumes, node, ROOT, NOW));
    }

    static List<String> reasons(List<ClaimSync.Event> events) {
        return events.stream().map(ClaimSync.Event::reason).toList();
    }

    @Nested
    class Binding {
        @Test
        void theSmallestFittingVolumeOfTheClassWithTheAccessModesWins() {
            PersistentVolumeClaim c = claim("data", "5Gi", "");
            List<PersistentVolume> volumes = List.of(
                    volume("too-small", "1Gi", ""),
                    volume("other-class", "5Gi", "fast"),
                    volume("read-only", "5Gi", "", "ReadOnlyMany"),
                    volume("big", "100Gi", ""),
                    volume("fits", "10Gi", "", "ReadWriteOnce", "ReadWriteMany"));
            ClaimSync.Plan p = decide(c, Optional.empty(), volumes, Optional.empty());
            assertThat(p.updateVolume()).hasValueSatisfying(pv -> {
                assertThat(pv.getMetadata().getName()).isEqualTo("fits");
                assertThat(pv.getSpec().getClaimRef().getUid()).isEqualTo("uid-data");
                assertThat(pv.getMetadata().getAnnotationsMap()).containsEntry(VolumeNames.BOUND_BY_CONTROLLER, "yes");
            });
            assertThat(p.updateClaim()).hasValueSatisfying(u -> {
                assertThat(u.getSpec().getVolumeName()).isEqualTo("fits");
                assertThat(u.getMetadata().getAnnotationsMap()).containsEntry(VolumeNames.BIND_COMPLETED, "yes");
            });
            assertThat(p.status().getPhase()).isEqualTo("Bound");
            assertThat(p.status().getCapacityMap()).containsEntry("storage", "10Gi");
            assertThat(p.status().getAccessModesList()).containsExactly("ReadWriteOnce", "ReadWriteMany");
        }

        @Test
        void aSelectorAndAPreBoundVolumeAreHonoured() {
            PersistentVolumeClaim c = claim("data", "1Gi", "").toBuilder()
                    .setSpec(claim("data", "1Gi", "").getSpec().toBuilder().setSelector(LabelSelector.newBuilder().putMatchLabels("disk", "ssd")))
                    .build();
            PersistentVolume plain = volume("plain", "1Gi", "");
            PersistentVolume ssd = volume("ssd", "2Gi", "").toBuilder()
                    .setMetadata(volume("ssd", "2Gi", "").getMetadata().toBuilder().putLabels("disk", "ssd")).build();
            assertThat(decide(c, Optional.empty(), List.of(plain, ssd), Optional.empty()).updateVolume().orElseThrow()
                    .getMetadata().getName()).isEqualTo("ssd");

            PersistentVolume reserved = volume("reserved", "50Gi", "").toBuilder().setSpec(volume("reserved", "50Gi", "").getSpec()
                    .toBuilder().setClaimRef(ObjectReference.newBuilder().setNamespace("default").setName("other"))).build();
            PersistentVolumeClaim other = claim("other", "1Gi", "");
            ClaimSync.Plan p = decide(other, Optional.empty(), List.of(plain, reserved), Optional.empty());
            assertThat(p.updateVolume().orElseThrow().getMetadata().getName()).isEqualTo("reserved");
            assertThat(p.updateVolume().orElseThrow().getMetadata().getAnnotationsMap())
                    .as("a user's pre-binding is not the controller's").doesNotContainKey(VolumeNames.BOUND_BY_CONTROLLER);
            assertThat(decide(claim("third", "1Gi", ""), Optional.empty(), List.of(reserved), Optional.empty()).updateVolume())
                    .as("a volume reserved for another claim").isEmpty();
        }

        @Test
        void aClaimNamingATooSmallVolumeSaysWhy() {
            PersistentVolumeClaim c = claim("data", "5Gi", "");
            c = c.toBuilder().setSpec(c.getSpec().toBuilder().setVolumeName("small")).build();
            ClaimSync.Plan p = decide(c, Optional.empty(), List.of(volume("small", "1Gi", "")), Optional.empty());
            assertThat(p.updateVolume()).isEmpty();
            assertThat(p.events()).extracting(ClaimSync.Event::message)
                    .containsExactly("Cannot bind to requested volume \"small\": requested PV is too small");
        }

        @Test
        void aBoundClaimWhoseVolumeVanishedIsLost() {
            PersistentVolumeClaim c = claim("data", "1Gi", "");
            PersistentVolumeClaim.Builder b = c.toBuilder();
            b.getSpecBuilder().setVolumeName("gone");
            b.getStatusBuilder().setPhase("Bound");
            ClaimSync.Plan p = decide(b.build(), Optional.empty(), List.of(), Optional.empty());
            assertThat(p.status().getPhase()).isEqualTo("Lost");
            assertThat(reasons(p.events())).containsExactly("ClaimLost");
        }
    }

    @Nested
    class Provisioning {
        @Test
        void theSharedProvisionerMakesADirectoryAndAVolumePreBoundToTheClaim() {
            PersistentVolumeClaim c = claim("data", "2Gi", "shared");
            ClaimSync.Plan p = decide(c, Optional.of(storageClass("shared", VolumeNames.SHARED_PROVISIONER, "Immediate")), List.of(),
                    Optional.empty());
            assertThat(p.createDirectory()).contains(ROOT.resolve("pvc-uid-data"));
            PersistentVolume pv = p.createVolume().orElseThrow();
            assertThat(pv.getMetadata().getName()).isEqualTo("pvc-uid-data");
            assertThat(pv.getMetadata().getAnnotationsMap()).containsEntry(VolumeNames.PROVISIONED_BY, VolumeNames.SHARED_PROVISIONER);
            assertThat(pv.getSpec().getCsi()).isEqualTo(CSIPersistentVolumeSource.newBuilder().setDriver(VolumeNames.SHARED_PROVISIONER)
                    .setVolumeHandle("pvc-uid-data").putVolumeAttributes("path", "/srv/shared/pvc-uid-data").build());
            assertThat(pv.getSpec().getClaimRef().getUid()).isEqualTo("uid-data");
            assertThat(pv.getSpec().getPersistentVolumeReclaimPolicy()).isEqualTo("Delete");
            assertThat(pv.getSpec().getCapacityMap()).containsEntry("storage", "2Gi");
            assertThat(p.updateClaim().orElseThrow().getMetadata().getAnnotationsMap())
                    .containsEntry(VolumeNames.STORAGE_PROVISIONER, VolumeNames.SHARED_PROVISIONER);
            assertThat(reasons(p.events())).containsExactly("ProvisioningSucceeded");

            // The next sync finds the provisioned volume and binds to it.
            ClaimSync.Plan bind = decide(p.updateClaim().get(), Optional.of(storageClass("shared", VolumeNames.SHARED_PROVISIONER,
                    "Immediate")), List.of(pv), Optional.empty());
            assertThat(bind.createVolume()).isEmpty();
            assertThat(bind.updateVolume()).as("claimRef already carries the uid").isEmpty();
            assertThat(bind.updateClaim().orElseThrow().getSpec().getVolumeName()).isEqualTo("pvc-uid-data");
            assertThat(bind.status().getPhase()).isEqualTo("Bound");
        }

        @Test
        void anUnknownClassLeavesTheClaimPendingWithAnEventAndACondition() {
            PersistentVolumeClaim c = claim("data", "1Gi", "nope");
            ClaimSync.Plan p = decide(c, Optional.empty(), List.of(), Optional.empty());
            assertThat(p.events()).containsExactly(new ClaimSync.Event("Warning", "ProvisioningFailed",
                    "storageclass.storage.k8s.io \"nope\" not found"));
            assertThat(p.status().getPhase()).isEqualTo("Pending");
            assertThat(p.status().getConditionsList()).singleElement().satisfies(cond -> {
                assertThat(cond.getType()).isEqualTo(ClaimSync.PROVISIONED);
                assertThat(cond.getStatus()).isEqualTo("False");
                assertThat(cond.getReason()).isEqualTo("ProvisioningFailed");
                assertThat(cond.getMessage()).isEqualTo("storageclass.storage.k8s.io \"nope\" not found");
            });
            PersistentVolumeClaim reported = c.toBuilder().setStatus(p.status()).build();
            ClaimSync.Plan again = decide(reported, Optional.empty(), List.of(), Optional.empty());
            assertThat(again.writesNothing(reported)).isTrue();
            assertThat(again.events()).as("said once, not on every sync").isEmpty();
        }

        @Test
        void localVolumesWaitForTheFirstConsumersNodeAndLandUnderItsRoot() {
            StorageClass local = storageClass("local", VolumeNames.LOCAL_PROVISIONER, "WaitForFirstConsumer");
            PersistentVolumeClaim c = claim("data", "1Gi", "local");
            ClaimSync.Plan waiting = decide(c, Optional.of(local), List.of(), Optional.empty());
            assertThat(waiting.createVolume()).isEmpty();
            assertThat(reasons(waiting.events())).containsExactly("WaitForFirstConsumer");

            PersistentVolumeClaim selected = c.toBuilder().setMetadata(c.getMetadata().toBuilder()
                    .putAnnotations(VolumeNames.SELECTED_NODE, "node-2")).build();
            Node bare = Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("node-2")).build();
            ClaimSync.Plan noRoot = decide(selected, Optional.of(local), List.of(), Optional.of(bare));
            assertThat(noRoot.createVolume()).isEmpty();
            assertThat(noRoot.events()).extracting(ClaimSync.Event::message).singleElement().asString()
                    .contains("node \"node-2\" does not publish its local volume directory");

            Node node = bare.toBuilder().setMetadata(bare.getMetadata().toBuilder()
                    .putAnnotations(VolumeNames.LOCAL_VOLUME_ROOT, "/var/ordinal/node-2/local-volumes")).build();
            PersistentVolume pv = decide(selected, Optional.of(local), List.of(), Optional.of(node)).createVolume().orElseThrow();
            assertThat(pv.getSpec().getLocal().getPath()).isEqualTo("/var/ordinal/node-2/local-volumes/pvc-uid-data");
            var term = pv.getSpec().getNodeAffinity().getRequired().getNodeSelectorTerms(0).getMatchExpressions(0);
            assertThat(List.of(term.getKey(), term.getOperator(), term.getValues(0))).containsExactly("kubernetes.io/hostname", "In", "node-2");
            assertThat(pv.getMetadata().getAnnotationsMap()).containsEntry(VolumeNames.PROVISIONED_BY, VolumeNames.LOCAL_PROVISIONER);
        }
    }

    @Nested
    class Expansion {
        @Test
        void aRaisedRequestGrowsTheVolumeThenTheReportedCapacity() {
            PersistentVolume pv = volume("pvc-uid-data", "1Gi", "shared").toBuilder()
                    .setSpec(volume("pvc-uid-data", "1Gi", "shared").getSpec().toBuilder()
                            .setClaimRef(ObjectReference.newBuilder().setNamespace("default").setName("data").setUid("uid-data")))
                    .build();
            PersistentVolumeClaim.Builder b = claim("data", "3Gi", "shared").toBuilder();
            b.getSpecBuilder().setVolumeName(pv.getMetadata().getName());
            b.getMetadataBuilder().putAnnotations(VolumeNames.BIND_COMPLETED, "yes");
            b.getStatusBuilder().setPhase("Bound").putCapacity("storage", "1Gi").addAccessModes("ReadWriteOnce");
            PersistentVolumeClaim raised = b.build();

            ClaimSync.Plan grow = decide(raised, Optional.empty(), List.of(pv), Optional.empty());
            assertThat(grow.updateVolume().orElseThrow().getSpec().getCapacityMap()).containsEntry("storage", "3Gi");
            assertThat(grow.status().getConditionsList()).extracting(c -> c.getType()).containsExactly(ClaimSync.RESIZING);
            assertThat(grow.status().getCapacityMap()).containsEntry("storage", "1Gi");
            assertThat(reasons(grow.events())).containsExactly("ExternalExpanding");

            PersistentVolumeClaim resizing = raised.toBuilder().setStatus(grow.status()).build();
            ClaimSync.Plan done = decide(resizing, Optional.empty(), List.of(grow.updateVolume().get()), Optional.empty());
            assertThat(done.updateVolume()).isEmpty();
            assertThat(done.status().getCapacityMap()).containsEntry("storage", "3Gi");
            assertThat(done.status().getConditionsList()).isEmpty();
            assertThat(reasons(done.events())).containsExactly("VolumeResizeSuccessful");

            PersistentVolumeClaim finished = resizing.toBuilder().setStatus(done.status()).build();
            ClaimSync.Plan steady = decide(finished, Optional.empty(), List.of(grow.updateVolume().get()), Optional.empty());
            assertThat(steady.writesNothing(finished)).isTrue();
            assertThat(steady.events()).isEmpty();
        }
    }

    @Nested
    class Volumes {
        private PersistentVolume claimed(String provisioner, String policy, String phase) {
            PersistentVolume.Builder b = volume("pvc-uid-data", "1Gi", "shared").toBuilder();
            b.getSpecBuilder().setClaimRef(ObjectReference.newBuilder().setNamespace("default").setName("data").setUid("uid-data"))
                    .setPersistentVolumeReclaimPolicy(policy).clearHostPath()
                    .setCsi(CSIPersistentVolumeSource.newBuilder().setDriver(provisioner).setVolumeHandle("pvc-uid-data")
                            .putVolumeAttributes("path", ROOT.resolve("pvc-uid-data").toString()));
            if (!provisioner.isEmpty()) {
                b.getMetadataBuilder().putAnnotations(VolumeNames.PROVISIONED_BY, provisioner);
            }
            b.getMetadataBuilder().addFinalizers(VolumeNames.PV_PROTECTION);
            b.getStatusBuilder().setPhase(phase);
            return b.build();
        }

        @Test
        void phasesFollowTheClaim() {
            PersistentVolume pv = claimed(VolumeNames.SHARED_PROVISIONER, "Delete", "Available");
            PersistentVolumeClaim c = claim("data", "1Gi", "shared");
            PersistentVolumeClaim bound = c.toBuilder().setSpec(c.getSpec().toBuilder().setVolumeName(pv.getMetadata().getName())).build();
            assertThat(VolumeSync.decide(pv, Optional.of(c), ROOT, NOW).status().getPhase()).isEqualTo("Available");
            assertThat(VolumeSync.decide(pv, Optional.of(bound), ROOT, NOW).status().getPhase()).isEqualTo("Bound");
            PersistentVolume unclaimed = volume("plain", "1Gi", "");
            assertThat(VolumeSync.decide(unclaimed, Optional.empty(), ROOT, NOW).status()).isEqualTo(unclaimed.getStatus());
        }

        @Test
        void aReleasedSharedVolumeWithDeleteLosesItsDirectoryAndGoes() {
            VolumeSync.Plan p = VolumeSync.decide(claimed(VolumeNames.SHARED_PROVISIONER, "Delete", "Bound"), Optional.empty(), ROOT, NOW);
            assertThat(p.status().getPhase()).isEqualTo("Released");
            assertThat(p.deleteDirectory()).contains(ROOT.resolve("pvc-uid-data"));
            assertThat(p.delete()).isTrue();
        }

        @Test
        void retainKeepsTheDataAndLocalVolumesAreLeftToTheirNode() {
            VolumeSync.Plan retain = VolumeSync.decide(claimed(VolumeNames.SHARED_PROVISIONER, "Retain", "Bound"), Optional.empty(), ROOT, NOW);
            assertThat(retain.status().getPhase()).isEqualTo("Released");
            assertThat(retain.deleteDirectory()).isEmpty();
            assertThat(retain.delete()).isFalse();
            VolumeSync.Plan local = VolumeSync.decide(claimed(VolumeNames.LOCAL_PROVISIONER, "Delete", "Bound"), Optional.empty(), ROOT, NOW);
            assertThat(local.status().getPhase()).isEqualTo("Released");
            assertThat(local.delete()).isFalse();
            VolumeSync.Plan foreign = VolumeSync.decide(claimed("", "Delete", "Bound"), Optional.empty(), ROOT, NOW);
            assertThat(foreign.status().getPhase()).isEqualTo("Failed");
            assertThat(reasons(foreign.events())).containsExactly("VolumeFailedDelete");
        }

        @Test
        void aDirectoryOutsideTheSharedRootIsNeverDeleted() {
            PersistentVolume pv = claimed(VolumeNames.SHARED_PROVISIONER, "Delete", "Bound");
            PersistentVolume.Builder b = pv.toBuilder();
            b.getSpecBuilder().getCsiBuilder().putVolumeAttributes("path", "/srv/shared/../etc");
            VolumeSync.Plan p = VolumeSync.decide(b.build(), Optional.empty(), ROOT, NOW);
            assertThat(p.deleteDirectory()).isEmpty();
            assertThat(p.delete()).isFalse();
            assertThat(p.status().getPhase()).isEqualTo("Failed");
        }

        @Test
        void theProtectionFinalizerGoesOnlyWhenTheVolumeIsNotBound() {
            PersistentVolume pv = claimed(VolumeNames.SHARED_PROVISIONER, "Retain", "Bound");
            PersistentVolume deleting = pv.toBuilder().setMetadata(pv.getMetadata().toBuilder()
                    .setDeletionTimestamp(Timestamp.newBuilder().setSeconds(1))).build();
            PersistentVolumeClaim c = claim("data", "1Gi", "shared");
            PersistentVolumeClaim bound = c.toBuilder().setSpec(c.getSpec().toBuilder().setVolumeName(pv.getMetadata().getName())).build();
            assertThat(VolumeSync.decide(deleting, Optional.of(bound), ROOT, NOW).update()).isEmpty();
            assertThat(VolumeSync.decide(deleting, Optional.empty(), ROOT, NOW).update().orElseThrow().getMetadata().getFinalizersList())
                    .isEmpty();
        }
    }

    @Test
    void aClaimIsProtectedWhileAPodThatHasNotFinishedUsesIt() {
        PersistentVolumeClaim c = claim("data", "1Gi", "shared");
        c = c.toBuilder().setMetadata(c.getMetadata().toBuilder().addFinalizers(VolumeNames.PVC_PROTECTION)
                .setDeletionTimestamp(Timestamp.newBuilder().setSeconds(1))).build();
        Pod.Builder running = Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("web-0"))
                .setSpec(PodSpec.newBuilder().addVolumes(Volume.newBuilder().setName("d")
                        .setPersistentVolumeClaim(PersistentVolumeClaimVolumeSource.newBuilder().setClaimName("data"))));
        running.getStatusBuilder().setPhase("Running");
        assertThat(ClaimProtection.mayRelease(c, List.of(running.build()))).isFalse();
        Pod.Builder finished = running.clone();
        finished.getStatusBuilder().setPhase("Succeeded");
        assertThat(ClaimProtection.mayRelease(c, List.of(finished.build()))).isTrue();
        assertThat(ClaimProtection.withoutFinalizer(c).getMetadata().getFinalizersList()).isEmpty();
    }
}

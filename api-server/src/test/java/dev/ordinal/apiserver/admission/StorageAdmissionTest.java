package dev.ordinal.apiserver.admission;

import static dev.ordinal.apiserver.admission.Fixtures.assertCause;
import static dev.ordinal.apiserver.admission.Fixtures.assertOnlyCause;
import static dev.ordinal.apiserver.admission.Fixtures.claimSpec;
import static dev.ordinal.apiserver.admission.Fixtures.create;
import static dev.ordinal.apiserver.admission.Fixtures.createRejected;
import static dev.ordinal.apiserver.admission.Fixtures.meta;
import static dev.ordinal.apiserver.admission.Fixtures.update;
import static dev.ordinal.apiserver.admission.Fixtures.updateRejected;
import static dev.ordinal.apiserver.admission.Fixtures.updateStatus;
import static dev.ordinal.apiserver.admission.Fixtures.statusUpdateRejected;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.api.v1.CSIPersistentVolumeSource;
import dev.ordinal.api.v1.HostPathVolumeSource;
import dev.ordinal.api.v1.LocalVolumeSource;
import dev.ordinal.api.v1.NodeSelector;
import dev.ordinal.api.v1.NodeSelectorRequirement;
import dev.ordinal.api.v1.NodeSelectorTerm;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.PersistentVolumeClaimStatus;
import dev.ordinal.api.v1.PersistentVolumeSpec;
import dev.ordinal.api.v1.StatusCause;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.api.v1.VolumeAttachment;
import dev.ordinal.api.v1.VolumeAttachmentSource;
import dev.ordinal.api.v1.VolumeAttachmentSpec;
import dev.ordinal.api.v1.VolumeNodeAffinity;
import java.util.List;
import org.junit.jupiter.api.Test;

class StorageAdmissionTest {

    private static PersistentVolumeClaim claim(String storage) {
        return PersistentVolumeClaim.newBuilder().setMetadata(meta("data-web-0")).setSpec(claimSpec(storage)).build();
    }

    private static PersistentVolumeClaim withStorage(PersistentVolumeClaim pvc, String storage) {
        PersistentVolumeClaim.Builder b = pvc.toBuilder();
        b.getSpecBuilder().getResourcesBuilder().putRequests("storage", storage);
        return b.build();
    }

    @Test
    void claimsDefaultToFilesystem() {
        assertThat(create(claim("1Gi")).getSpec().getVolumeMode()).isEqualTo("Filesystem");
    }

    @Test
    void claimsNeedAccessModesAndAPositiveStorageRequest() {
        PersistentVolumeClaim.Builder b = claim("0").toBuilder();
        b.getSpecBuilder().clearAccessModes().addAccessModes("WriteSometimes");
        List<StatusCause> causes = createRejected(b.build());
        assertCause(causes, "spec.accessModes[0]", FieldErrors.NOT_SUPPORTED, "\"ReadWriteOnce\"");
        assertCause(causes, "spec.resources.requests[storage]", FieldErrors.INVALID, "must be greater than zero");

        PersistentVolumeClaim.Builder none = claim("1Gi").toBuilder();
        none.getSpecBuilder().clearAccessModes().clearResources();
        causes = createRejected(none.build());
        assertCause(causes, "spec.accessModes", FieldErrors.REQUIRED, "at least 1 access mode is required");
        assertCause(causes, "spec.resources.requests[storage]", FieldErrors.REQUIRED, "Required value");

        assertOnlyCause(createRejected(claim("lots")), "spec.resources.requests[storage]", FieldErrors.INVALID,
                "quantities must match the regular expression");
    }

    @Test
    void claimsMayGrowAndBindButNotShrinkOrChange() {
        PersistentVolumeClaim old = create(claim("1Gi"));
        assertThat(update(withStorage(old, "2Gi"), old).getSpec().getResources().getRequestsMap()).containsEntry("storage", "2Gi");
        assertOnlyCause(updateRejected(withStorage(old, "512Mi"), old), "spec.resources.requests.storage",
                FieldErrors.FORBIDDEN, "field can not be less than previous value");

        PersistentVolumeClaim.Builder bound = old.toBuilder();
        bound.getSpecBuilder().setVolumeName("pv-1");
        PersistentVolumeClaim boundClaim = update(bound.build(), old);
        assertThat(boundClaim.getSpec().getVolumeName()).isEqualTo("pv-1");
        PersistentVolumeClaim.Builder rebound = boundClaim.toBuilder();
        rebound.getSpecBuilder().setVolumeName("pv-2");
        assertCause(updateRejected(rebound.build(), boundClaim), "spec.volumeName", FieldErrors.INVALID, "field is immutable");

        PersistentVolumeClaim.Builder modes = old.toBuilder();
        modes.getSpecBuilder().addAccessModes("ReadOnlyMany");
        assertOnlyCause(updateRejected(modes.build(), old), "spec", FieldErrors.FORBIDDEN, "spec is immutable after creation");
    }

    @Test
    void newClaimsAndVolumesArePendingAndProtected() {
        PersistentVolumeClaim pvc = create(claim("1Gi"));
        assertThat(pvc.getStatus().getPhase()).isEqualTo("Pending");
        assertThat(pvc.getMetadata().getFinalizersList()).containsExactly("kubernetes.io/pvc-protection");
        PersistentVolume pv = create(volume(PersistentVolumeSpec.newBuilder().setHostPath(HostPathVolumeSource.newBuilder().setPath("/d"))));
        assertThat(pv.getMetadata().getFinalizersList()).containsExactly("kubernetes.io/pv-protection");
    }

    @Test
    void aClaimGrowsOnlyWhenBoundAndItsClassAllowsExpansion() {
        PersistentVolumeClaim.Builder b = claim("1Gi").toBuilder();
        b.getSpecBuilder().setStorageClassName("shared");
        PersistentVolumeClaim pending = create(b.build());
        StorageClass expandable = StorageClass.newBuilder().setMetadata(meta("shared")).setProvisioner("ordinal.dev/shared")
                .setAllowVolumeExpansion(true).build();
        assertOnlyCause(resizeRejected(withStorage(pending, "2Gi"), pending, expandable), "spec.resources.requests.storage",
                FieldErrors.FORBIDDEN, "only a bound claim can be resized; this claim is Pending");

        PersistentVolumeClaim.Builder bound = pending.toBuilder();
        bound.getStatusBuilder().setPhase("Bound");
        PersistentVolumeClaim old = bound.build();
        Fixtures.ADMISSION.admitClaimResize(Fixtures.wrap(withStorage(old, "2Gi")), Fixtures.wrap(old), Fixtures.wrap(expandable));
        assertOnlyCause(resizeRejected(withStorage(old, "2Gi"), old, expandable.toBuilder().setAllowVolumeExpansion(false).build()),
                "spec.resources.requests.storage", FieldErrors.FORBIDDEN,
                "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize");
        assertOnlyCause(resizeRejected(withStorage(old, "2Gi"), old, null), "spec.resources.requests.storage",
                FieldErrors.FORBIDDEN, "must support resize");
        // An unchanged request is not a resize, whatever the class says.
        Fixtures.ADMISSION.admitClaimResize(Fixtures.wrap(old), Fixtures.wrap(old), null);
    }

    private static List<StatusCause> resizeRejected(PersistentVolumeClaim updated, PersistentVolumeClaim old, StorageClass sc) {
        return Fixtures.rejected(() -> {
            Fixtures.ADMISSION.admitClaimResize(Fixtures.wrap(updated), Fixtures.wrap(old), sc == null ? null : Fixtures.wrap(sc));
            return null;
        });
    }

    @Test
    void theDefaultClassIsTheNewestMarkedOne() {
        dev.ordinal.api.v1.Object older = Fixtures.wrap(StorageClass.newBuilder().setMetadata(meta("a").toBuilder()
                .putAnnotations(DefaultStorageClass.IS_DEFAULT_ANNOTATION, "true")
                .setCreationTimestamp(com.google.protobuf.Timestamp.newBuilder().setSeconds(100))).setProvisioner("p").build());
        dev.ordinal.api.v1.Object newer = Fixtures.wrap(StorageClass.newBuilder().setMetadata(meta("b").toBuilder()
                .putAnnotations(DefaultStorageClass.IS_DEFAULT_ANNOTATION, "true")
                .setCreationTimestamp(com.google.protobuf.Timestamp.newBuilder().setSeconds(200))).setProvisioner("p").build());
        dev.ordinal.api.v1.Object plain = Fixtures.wrap(StorageClass.newBuilder().setMetadata(meta("c").toBuilder()
                .setCreationTimestamp(com.google.protobuf.Timestamp.newBuilder().setSeconds(300))).setProvisioner("p").build());
        dev.ordinal.api.v1.Object unset = Fixtures.wrap(claim("1Gi"));
        assertThat(DefaultStorageClass.apply(unset, List.of(older, newer, plain)).getPersistentVolumeClaim().getSpec()
                .getStorageClassName()).isEqualTo("b");
        assertThat(DefaultStorageClass.apply(unset, List.of(plain)).getPersistentVolumeClaim().getSpec().hasStorageClassName()).isFalse();
        PersistentVolumeClaim.Builder empty = claim("1Gi").toBuilder();
        empty.getSpecBuilder().setStorageClassName("");
        // "" asks for no class at all, as in Kubernetes: only an absent name is defaulted.
        assertThat(DefaultStorageClass.wantsDefault(Fixtures.wrap(empty.build()))).isFalse();
    }

    @Test
    void storageClassNameIsImmutableOnceSet() {
        PersistentVolumeClaim.Builder b = claim("1Gi").toBuilder();
        b.getSpecBuilder().setStorageClassName("fast");
        PersistentVolumeClaim old = create(b.build());
        PersistentVolumeClaim.Builder changed = old.toBuilder();
        changed.getSpecBuilder().setStorageClassName("slow");
        assertCause(updateRejected(changed.build(), old), "spec.storageClassName", FieldErrors.INVALID, "field is immutable");
    }

    @Test
    void claimStatusIsValidated() {
        PersistentVolumeClaim old = create(claim("1Gi"));
        PersistentVolumeClaim bound = old.toBuilder().setStatus(PersistentVolumeClaimStatus.newBuilder().setPhase("Bound")
                .putCapacity("storage", "1Gi")).build();
        assertThat(updateStatus(bound, old).getStatus().getPhase()).isEqualTo("Bound");
        PersistentVolumeClaim bad = old.toBuilder().setStatus(PersistentVolumeClaimStatus.newBuilder().setPhase("Happy")
                .putCapacity("storage", "1 Gi")).build();
        List<StatusCause> causes = statusUpdateRejected(bad, old);
        assertCause(causes, "status.phase", FieldErrors.NOT_SUPPORTED, "\"Pending\", \"Bound\", \"Lost\"");
        assertCause(causes, "status.capacity[storage]", FieldErrors.INVALID, "quantities must match");
    }

    private static PersistentVolume volume(PersistentVolumeSpec.Builder spec) {
        return PersistentVolume.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("pv-1"))
                .setSpec(spec.putCapacity("storage", "10Gi").addAccessModes("ReadWriteOnce")).build();
    }

    private static VolumeNodeAffinity onNode(String node) {
        return VolumeNodeAffinity.newBuilder().setRequired(NodeSelector.newBuilder().addNodeSelectorTerms(NodeSelectorTerm.newBuilder()
                .addMatchExpressions(NodeSelectorRequirement.newBuilder().setKey("kubernetes.io/hostname").setOperator("In").addValues(node)))).build();
    }

    @Test
    void volumesDefaultToRetainAndFilesystem() {
        PersistentVolume pv = create(volume(PersistentVolumeSpec.newBuilder().setHostPath(HostPathVolumeSource.newBuilder().setPath("/srv/pv-1"))));
        assertThat(pv.getSpec().getPersistentVolumeReclaimPolicy()).isEqualTo("Retain");
        assertThat(pv.getSpec().getVolumeMode()).isEqualTo("Filesystem");
        assertThat(pv.getStatus().getPhase()).isEqualTo("Pending");
    }

    @Test
    void volumesNeedExactlyOneSourceAndLocalOnesANode() {
        assertOnlyCause(createRejected(volume(PersistentVolumeSpec.newBuilder())), "spec", FieldErrors.REQUIRED, "must specify a volume type");
        assertOnlyCause(createRejected(volume(PersistentVolumeSpec.newBuilder()
                        .setHostPath(HostPathVolumeSource.newBuilder().setPath("/a"))
                        .setCsi(CSIPersistentVolumeSource.newBuilder().setDriver("d").setVolumeHandle("h")))),
                "spec", FieldErrors.FORBIDDEN, "may not specify more than 1 volume type");
        assertOnlyCause(createRejected(volume(PersistentVolumeSpec.newBuilder().setLocal(LocalVolumeSource.newBuilder().setPath("/mnt/disk")))),
                "spec.nodeAffinity", FieldErrors.REQUIRED, "Local volumes require node affinity");
        assertThat(create(volume(PersistentVolumeSpec.newBuilder().setLocal(LocalVolumeSource.newBuilder().setPath("/mnt/disk"))
                .setNodeAffinity(onNode("node-1")))).getSpec().hasLocal()).isTrue();
        assertOnlyCause(createRejected(volume(PersistentVolumeSpec.newBuilder().setCsi(CSIPersistentVolumeSource.newBuilder()
                        .setDriver("d").setVolumeHandle("h")).setPersistentVolumeReclaimPolicy("Shred"))),
                "spec.persistentVolumeReclaimPolicy", FieldErrors.NOT_SUPPORTED, "\"Retain\", \"Delete\", \"Recycle\"");
        PersistentVolume noCapacity = volume(PersistentVolumeSpec.newBuilder().setHostPath(HostPathVolumeSource.newBuilder().setPath("/a")));
        noCapacity = noCapacity.toBuilder().setSpec(noCapacity.getSpec().toBuilder().clearCapacity()).build();
        assertOnlyCause(createRejected(noCapacity), "spec.capacity[storage]", FieldErrors.REQUIRED, "Required value");
    }

    @Test
    void volumeSourcesAreImmutable() {
        PersistentVolume old = create(volume(PersistentVolumeSpec.newBuilder().setHostPath(HostPathVolumeSource.newBuilder().setPath("/a"))));
        PersistentVolume.Builder moved = old.toBuilder();
        moved.getSpecBuilder().setHostPath(HostPathVolumeSource.newBuilder().setPath("/b"));
        assertOnlyCause(updateRejected(moved.build(), old), "spec.persistentvolumesource", FieldErrors.FORBIDDEN, "is immutable after creation");
    }

    private static StorageClass storageClass() {
        return StorageClass.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("local")).setProvisioner("ordinal.dev/hostpath")
                .putParameters("root", "/srv").build();
    }

    @Test
    void storageClassesDefaultAndFreezeTheirProvisioner() {
        StorageClass sc = create(storageClass());
        assertThat(sc.getReclaimPolicy()).isEqualTo("Delete");
        assertThat(sc.getVolumeBindingMode()).isEqualTo("Immediate");
        StorageClass changed = sc.toBuilder().setProvisioner("other.dev/x").putParameters("root", "/tmp").setReclaimPolicy("Retain")
                .setAllowVolumeExpansion(true).build();
        List<StatusCause> causes = updateRejected(changed, sc);
        assertCause(causes, "provisioner", FieldErrors.FORBIDDEN, "updates to provisioner are forbidden");
        assertCause(causes, "parameters", FieldErrors.FORBIDDEN, "updates to parameters are forbidden");
        assertCause(causes, "reclaimPolicy", FieldErrors.FORBIDDEN, "updates to reclaimPolicy are forbidden");
        assertThat(causes).hasSize(3);
        assertThat(update(sc.toBuilder().setAllowVolumeExpansion(true).build(), sc).getAllowVolumeExpansion()).isTrue();
    }

    @Test
    void storageClassesValidateTheirEnums() {
        List<StatusCause> causes = createRejected(storageClass().toBuilder().clearProvisioner().setReclaimPolicy("Recycle")
                .setVolumeBindingMode("Later").build());
        assertCause(causes, "provisioner", FieldErrors.REQUIRED, "Required value");
        assertCause(causes, "reclaimPolicy", FieldErrors.NOT_SUPPORTED, "\"Delete\", \"Retain\"");
        assertCause(causes, "volumeBindingMode", FieldErrors.NOT_SUPPORTED, "\"Immediate\", \"WaitForFirstConsumer\"");
    }

    @Test
    void volumeAttachmentsNeedTheirPartiesAndNeverChange() {
        VolumeAttachment va = VolumeAttachment.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("csi-abc"))
                .setSpec(VolumeAttachmentSpec.newBuilder().setAttacher("ordinal.dev/hostpath").setNodeName("node-1")
                        .setSource(VolumeAttachmentSource.newBuilder().setPersistentVolumeName("pv-1"))).build();
        VolumeAttachment stored = create(va);
        VolumeAttachment moved = stored.toBuilder().setSpec(stored.getSpec().toBuilder().setNodeName("node-2")).build();
        assertOnlyCause(updateRejected(moved, stored), "spec", FieldErrors.INVALID, "field is immutable");
        List<StatusCause> causes = createRejected(va.toBuilder().setSpec(VolumeAttachmentSpec.getDefaultInstance()).build());
        assertCause(causes, "spec.attacher", FieldErrors.REQUIRED, "Required value");
        assertCause(causes, "spec.nodeName", FieldErrors.REQUIRED, "Required value");
        assertCause(causes, "spec.source.persistentVolumeName", FieldErrors.REQUIRED, "Required value");
    }
}

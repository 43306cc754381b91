package dev.ordinal.apiserver.admission;

import static dev.ordinal.apiserver.admission.Fixtures.ADMISSION;
import static dev.ordinal.apiserver.admission.Fixtures.meta;
import static dev.ordinal.apiserver.admission.Fixtures.wrap;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.ordinal.api.v1.ControllerRevision;
import dev.ordinal.api.v1.EndpointAddress;
import dev.ordinal.api.v1.EndpointPort;
import dev.ordinal.api.v1.EndpointSubset;
import dev.ordinal.api.v1.Endpoints;
import dev.ordinal.api.v1.Event;
import dev.ordinal.api.v1.HostPathVolumeSource;
import dev.ordinal.api.v1.Lease;
import dev.ordinal.api.v1.LeaseSpec;
import dev.ordinal.api.v1.Namespace;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeStatus;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.ObjectReference;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.PersistentVolumeSpec;
import dev.ordinal.api.v1.PodTemplateSpec;
import dev.ordinal.api.v1.RevisionData;
import dev.ordinal.api.v1.RevisionSpec;
import dev.ordinal.api.v1.Service;
import dev.ordinal.api.v1.ServicePort;
import dev.ordinal.api.v1.ServiceSpec;
import dev.ordinal.api.v1.StatefulSetUpdateStrategy;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.api.v1.VolumeAttachment;
import dev.ordinal.api.v1.VolumeAttachmentSource;
import dev.ordinal.api.v1.VolumeAttachmentSpec;
import dev.ordinal.client.api.ApiObjects;
import dev.ordinal.client.api.Kind;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * For a valid manifest of every kind: admission accepts it, defaulting is idempotent, re-applying the
 * user's manifest over the stored object is no change (so storage bumps no generation and no
 * immutability rule trips), and a status write of the stored object changes nothing.
 */
class AdmissionRoundTripTest {

    static Stream<Message> manifests() {
        return Stream.of(
                Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("team-a")).build(),
                Fixtures.pod("web-0"),
                Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("node-1"))
                        .setStatus(NodeStatus.newBuilder().putCapacity("cpu", "4").putCapacity("memory", "8Gi")).build(),
                Service.newBuilder().setMetadata(meta("nginx")).setSpec(ServiceSpec.newBuilder().setClusterIp("None")
                        .putSelector("app", "web").addPorts(ServicePort.newBuilder().setName("web").setPort(80))).build(),
                Endpoints.newBuilder().setMetadata(meta("nginx")).addSubsets(EndpointSubset.newBuilder()
                        .addAddresses(EndpointAddress.newBuilder().setIp("127.64.0.2"))
                        .addPorts(EndpointPort.newBuilder().setName("web").setPort(80))).build(),
                PersistentVolumeClaim.newBuilder().setMetadata(meta("data-web-0")).setSpec(Fixtures.claimSpec("1Gi")).build(),
                PersistentVolume.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("pv-1")).setSpec(PersistentVolumeSpec.newBuilder()
                        .putCapacity("storage", "1Gi").addAccessModes("ReadWriteOnce")
                        .setHostPath(HostPathVolumeSource.newBuilder().setPath("/srv/pv-1"))).build(),
                StorageClass.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("standard")).setProvisioner("ordinal.dev/hostpath").build(),
                VolumeAttachment.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("va-1")).setSpec(VolumeAttachmentSpec.newBuilder()
                        .setAttacher("ordinal.dev/hostpath").setNodeName("node-1")
                        .setSource(VolumeAttachmentSource.newBuilder().setPersistentVolumeName("pv-1"))).build(),
                Event.newBuilder().setMetadata(meta("web.1")).setType("Warning").setReason("FailedCreate")
                        .setInvolvedObject(ObjectReference.newBuilder().setKind("StatefulSet").setName("web")).build(),
                Lease.newBuilder().setMetadata(meta("controller-manager")).setSpec(LeaseSpec.newBuilder()
                        .setHolderIdentity("cm-1").setLeaseDurationSeconds(15)).build(),
                Fixtures.statefulSet(),
                Fixtures.statefulSet().toBuilder().setSpec(Fixtures.statefulSet().getSpec().toBuilder()
                        .setUpdateStrategy(StatefulSetUpdateStrategy.newBuilder().setType("OnDelete"))
                        .setPodManagementPolicy("Parallel")).build(),
                ControllerRevision.newBuilder().setMetadata(meta("web-abc")).setRevision(1)
                        .setData(RevisionData.newBuilder().setSpec(RevisionSpec.newBuilder()
                                .setTemplate(PodTemplateSpec.newBuilder().setSpec(Fixtures.podSpec())))).build());
    }

    @Test
    void everyKindHasAManifestHere() {
        Set<Kind> covered = manifests().map(m -> Kind.of(m.getClass())).collect(Collectors.toCollection(() -> EnumSet.noneOf(Kind.class)));
        assertThat(covered).containsExactlyInAnyOrderElementsOf(Arrays.asList(Kind.values()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("manifests")
    void admittedObjectsAreStable(Message manifest) {
        Object stored = ADMISSION.admitCreate(wrap(manifest));
        assertThat(ADMISSION.admitCreate(stored)).as("defaulting is idempotent").isEqualTo(stored);
        Object reapplied = ADMISSION.admitUpdate(wrap(manifest), stored);
        assertThat(ApiObjects.specPart(reapplied)).as("re-applying the manifest changes nothing")
                .isEqualTo(ApiObjects.specPart(stored));
        assertThat(ADMISSION.admitUpdate(stored, stored)).isEqualTo(stored);
        if (ApiObjects.hasStatus(ApiObjects.kind(stored))) {
            assertThat(ADMISSION.admitStatusUpdate(stored, stored)).isEqualTo(stored);
        }
    }
}

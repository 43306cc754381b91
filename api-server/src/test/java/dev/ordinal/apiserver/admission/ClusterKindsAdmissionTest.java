package dev.ordinal.apiserver.admission;

import static dev.ordinal.apiserver.admission.Fixtures.assertCause;
import static dev.ordinal.apiserver.admission.Fixtures.assertOnlyCause;
import static dev.ordinal.apiserver.admission.Fixtures.create;
import static dev.ordinal.apiserver.admission.Fixtures.createRejected;
import static dev.ordinal.apiserver.admission.Fixtures.meta;
import static dev.ordinal.apiserver.admission.Fixtures.statusUpdateRejected;
import static dev.ordinal.apiserver.admission.Fixtures.updateRejected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ordinal.api.v1.ControllerRevision;
import dev.ordinal.api.v1.Event;
import dev.ordinal.api.v1.Lease;
import dev.ordinal.api.v1.LeaseSpec;
import dev.ordinal.api.v1.Namespace;
import dev.ordinal.api.v1.NamespaceStatus;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeCondition;
import dev.ordinal.api.v1.NodeSpec;
import dev.ordinal.api.v1.NodeStatus;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.ObjectReference;
import dev.ordinal.api.v1.PodTemplateSpec;
import dev.ordinal.api.v1.RevisionData;
import dev.ordinal.api.v1.RevisionSpec;
import dev.ordinal.api.v1.StatusCause;
import dev.ordinal.api.v1.Taint;
import dev.ordinal.client.api.ApiException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterKindsAdmissionTest {

    private static Node node(NodeSpec.Builder spec, NodeStatus.Builder status) {
        return Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("node-1")).setSpec(spec).setStatus(status).build();
    }

    @Test
    void nodesValidateTaintsAndQuantities() {
        Node good = node(NodeSpec.newBuilder().addTaints(Taint.newBuilder().setKey("node.kubernetes.io/out-of-service").setEffect("NoExecute")),
                NodeStatus.newBuilder().putCapacity("cpu", "4").putCapacity("memory", "8Gi").putAllocatable("pods", "110"));
        assertThat(create(good).getStatus().getCapacityMap()).containsEntry("memory", "8Gi");
        List<StatusCause> causes = createRejected(node(NodeSpec.newBuilder()
                        .addTaints(Taint.newBuilder().setKey("gpu").setEffect("NoRun"))
                        .addTaints(Taint.newBuilder().setEffect("NoSchedule")),
                NodeStatus.newBuilder().putCapacity("memory", "8 GB").putAllocatable("cpu", "-1")));
        assertCause(causes, "spec.taints[0].effect", FieldErrors.NOT_SUPPORTED, "\"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"");
        assertCause(causes, "spec.taints[1].key", FieldErrors.REQUIRED, "Required value");
        assertCause(causes, "status.capacity[memory]", FieldErrors.INVALID, "quantities must match");
        assertCause(causes, "status.allocatable[cpu]", FieldErrors.INVALID, "must be greater than or equal to 0");
        assertThat(causes).hasSize(4);
    }

    @Test
    void nodeStatusUpdatesCheckConditions() {
        Node old = create(node(NodeSpec.newBuilder(), NodeStatus.newBuilder()));
        Node bad = old.toBuilder().setStatus(NodeStatus.newBuilder().addConditions(NodeCondition.newBuilder().setType("Ready").setStatus("Maybe"))).build();
        assertOnlyCause(statusUpdateRejected(bad, old), "status.conditions[0].status", FieldErrors.NOT_SUPPORTED, "\"True\", \"False\", \"Unknown\"");
    }

    @Test
    void namespacesStartActive() {
        Namespace ns = create(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("team-a")).build());
        assertThat(ns.getStatus().getPhase()).isEqualTo("Active");
        Namespace bad = ns.toBuilder().setStatus(NamespaceStatus.newBuilder().setPhase("Sleeping")).build();
        assertOnlyCause(statusUpdateRejected(bad, ns), "status.phase", FieldErrors.NOT_SUPPORTED, "\"Active\", \"Terminating\"");
    }

    @Test
    void leasesNeedAPositiveDuration() {
        Lease lease = Lease.newBuilder().setMetadata(meta("node-1")).setSpec(LeaseSpec.newBuilder().setHolderIdentity("node-1")
                .setLeaseDurationSeconds(40)).build();
        assertThat(create(lease).getSpec().getLeaseDurationSeconds()).isEqualTo(40);
        assertOnlyCause(createRejected(lease.toBuilder().setSpec(lease.getSpec().toBuilder().setLeaseDurationSeconds(0)).build()),
                "spec.leaseDurationSeconds", FieldErrors.INVALID, "must be greater than zero");
    }

    @Test
    void eventsNeedTheirObjectAndAKnownType() {
        Event event = Event.newBuilder().setMetadata(meta("web.17a")).setType("Normal").setReason("SuccessfulCreate")
                .setInvolvedObject(ObjectReference.newBuilder().setKind("StatefulSet").setName("web").setNamespace("default")).build();
        assertThat(create(event).getReason()).isEqualTo("SuccessfulCreate");
        List<StatusCause> causes = createRejected(event.toBuilder().setType("Info")
                .setInvolvedObject(ObjectReference.newBuilder().setNamespace("other")).build());
        assertCause(causes, "type", FieldErrors.NOT_SUPPORTED, "\"Normal\", \"Warning\"");
        assertCause(causes, "involvedObject.kind", FieldErrors.REQUIRED, "Required value");
        assertCause(causes, "involvedObject.name", FieldErrors.REQUIRED, "Required value");
        assertCause(causes, "involvedObject.namespace", FieldErrors.INVALID, "does not match event.namespace");
        assertThat(causes).hasSize(4);
    }

    @Test
    void revisionsKeepTheirDataAndMayBeRenumbered() {
        ControllerRevision rev = ControllerRevision.newBuilder().setMetadata(meta("web-6d4f8b9c7"))
                .setData(RevisionData.newBuilder().setSpec(RevisionSpec.newBuilder().setTemplate(PodTemplateSpec.newBuilder()
                        .setSpec(Fixtures.podSpec())))).setRevision(1).build();
        ControllerRevision stored = create(rev);
        assertThat(Fixtures.update(stored.toBuilder().setRevision(5).build(), stored).getRevision()).isEqualTo(5);
        ControllerRevision changed = stored.toBuilder().setData(RevisionData.getDefaultInstance()).build();
        assertOnlyCause(updateRejected(changed, stored), "data", FieldErrors.INVALID, "field is immutable");
        assertOnlyCause(createRejected(rev.toBuilder().setRevision(-1).build()), "revision", FieldErrors.INVALID,
                "must be greater than or equal to 0");
    }

    @Test
    void kindsWithoutStatusHaveNoStatusUpdate() {
        Lease lease = Lease.newBuilder().setMetadata(meta("l")).build();
        ApiException e = catchThrowableOfType(ApiException.class,
                () -> Fixtures.ADMISSION.admitStatusUpdate(Fixtures.wrap(lease), Fixtures.wrap(lease)));
        assertThat(e.reason()).isEqualTo("BadRequest");
    }
}

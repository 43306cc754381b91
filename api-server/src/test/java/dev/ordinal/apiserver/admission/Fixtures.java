package dev.ordinal.apiserver.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.ContainerPort;
import dev.ordinal.api.v1.LabelSelector;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.PersistentVolumeClaimSpec;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.PodTemplateSpec;
import dev.ordinal.api.v1.ResourceRequirements;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.api.v1.StatefulSetSpec;
import dev.ordinal.api.v1.StatusCause;
import dev.ordinal.api.v1.VolumeMount;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.Kind;
import io.grpc.Status;
import java.util.List;
import java.util.function.Supplier;

/** Valid objects to start each test from, and assertions on admission errors. */
final class Fixtures {
    static final Admission ADMISSION = new Admission();

    private Fixtures() {
    }

    static ObjectMeta meta(String name) {
        return ObjectMeta.newBuilder().setName(name).setNamespace("default").build();
    }

    static Container container(String name) {
        return Container.newBuilder()
                .setName(name)
                .setImage("registry.local/web:1.0")
                .addPorts(ContainerPort.newBuilder().setName("http").setContainerPort(8080))
                .build();
    }

    static PodSpec podSpec() {
        return PodSpec.newBuilder().addContainers(container("web")).build();
    }

    static Pod pod(String name) {
        return Pod.newBuilder().setMetadata(meta(name)).setSpec(podSpec()).build();
    }

    static PersistentVolumeClaimSpec claimSpec(String storage) {
        return PersistentVolumeClaimSpec.newBuilder()
                .addAccessModes("ReadWriteOnce")
                .setResources(ResourceRequirements.newBuilder().putRequests("storage", storage))
                .build();
    }

    static PersistentVolumeClaim claimTemplate(String name, String storage) {
        return PersistentVolumeClaim.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName(name))
                .setSpec(claimSpec(storage))
                .build();
    }

    /** A StatefulSet "web" with one claim template "data" mounted at /data, as users write them. */
    static StatefulSet statefulSet() {
        Container c = container("web").toBuilder()
                .addVolumeMounts(VolumeMount.newBuilder().setName("data").setMountPath("/data"))
                .build();
        return StatefulSet.newBuilder()
                .setMetadata(meta("web"))
                .setSpec(StatefulSetSpec.newBuilder()
                        .setReplicas(3)
                        .setServiceName("nginx")
                        .setSelector(LabelSelector.newBuilder().putMatchLabels("app", "web"))
                        .setTemplate(PodTemplateSpec.newBuilder()
                                .setMetadata(ObjectMeta.newBuilder().putLabels("app", "web"))
                                .setSpec(PodSpec.newBuilder().addContainers(c)))
                        .addVolumeClaimTemplates(claimTemplate("data", "1Gi")))
                .build();
    }

    static Object wrap(com.google.protobuf.Message message) {
        return Kind.of(message.getClass()).wrap(message);
    }

    @SuppressWarnings("unchecked")
    static <T extends com.google.protobuf.Message> T create(T message) {
        return (T) Kind.of(message.getClass()).unwrap(ADMISSION.admitCreate(wrap(message)));
    }

    @SuppressWarnings("unchecked")
    static <T extends com.google.protobuf.Message> T update(T updated, T old) {
        return (T) Kind.of(updated.getClass()).unwrap(ADMISSION.admitUpdate(wrap(updated), wrap(old)));
    }

    @SuppressWarnings("unchecked")
    static <T extends com.google.protobuf.Message> T updateStatus(T updated, T old) {
        return (T) Kind.of(updated.getClass()).unwrap(ADMISSION.admitStatusUpdate(wrap(updated), wrap(old)));
    }

    /** Runs an admission call expected to fail validation and returns the causes it listed. */
    static List<StatusCause> rejected(Supplier<?> call) {
        ApiException e = catchThrowableOfType(ApiException.class, call::get);
        assertThat(e).as("admission should have rejected the object").isNotNull();
        assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.reason()).isEqualTo("Invalid");
        assertThat(e.status().getCode()).isEqualTo(422);
        return e.causes();
    }

    static List<StatusCause> createRejected(com.google.protobuf.Message message) {
        return rejected(() -> ADMISSION.admitCreate(wrap(message)));
    }

    static List<StatusCause> updateRejected(com.google.protobuf.Message updated, com.google.protobuf.Message old) {
        return rejected(() -> ADMISSION.admitUpdate(wrap(updated), wrap(old)));
    }

    static List<StatusCause> statusUpdateRejected(com.google.protobuf.Message updated, com.google.protobuf.Message old) {
        return rejected(() -> ADMISSION.admitStatusUpdate(wrap(updated), wrap(old)));
    }

    /** Asserts that exactly one cause names {@code field}, with that reason and a message containing {@code rule}. */
    static void assertCause(List<StatusCause> causes, String field, String reason, String rule) {
        assertThat(causes)
                .as("causes %s", causes)
                .anySatisfy(c -> {
                    assertThat(c.getField()).isEqualTo(field);
                    assertThat(c.getReason()).isEqualTo(reason);
                    assertThat(c.getMessage()).contains(rule);
                });
    }

    static void assertOnlyCause(List<StatusCause> causes, String field, String reason, String rule) {
        assertThat(causes).as("causes %s", causes).hasSize(1);
        assertCause(causes, field, reason, rule);
    }
}

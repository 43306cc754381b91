package dev.ordinal.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.ContainerState;
import dev.ordinal.api.v1.ContainerStateRunning;
import dev.ordinal.api.v1.ContainerStateWaiting;
import dev.ordinal.api.v1.ContainerStatus;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.PodStatus;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.api.v1.StatefulSetSpec;
import dev.ordinal.api.v1.StatefulSetStatus;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.api.Times;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The rows kubectl get prints, computed the way Kubernetes' printers do. */
class TablesTest {
    private static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");

    @Test
    void agesLikeKubectl() {
        assertThat(Tables.humanDuration(Duration.ofSeconds(7))).isEqualTo("7s");
        assertThat(Tables.humanDuration(Duration.ofSeconds(119))).isEqualTo("119s");
        assertThat(Tables.humanDuration(Duration.ofSeconds(310))).isEqualTo("5m10s");
        assertThat(Tables.humanDuration(Duration.ofMinutes(42))).isEqualTo("42m");
        assertThat(Tables.humanDuration(Duration.ofHours(3))).isEqualTo("3h");
        assertThat(Tables.humanDuration(Duration.ofMinutes(190))).isEqualTo("3h10m");
        assertThat(Tables.humanDuration(Duration.ofHours(52))).isEqualTo("2d4h");
        assertThat(Tables.humanDuration(Duration.ofDays(30))).isEqualTo("30d");
    }

    @Test
    void podRowShowsReadinessStatusRestartsAndWideColumns() {
        Object pod = Object.newBuilder().setPod(Pod.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName("web-0").setNamespace("default")
                        .setCreationTimestamp(Times.timestamp(NOW.minusSeconds(65))))
                .setSpec(PodSpec.newBuilder().setNodeName("node-1").addContainers(Container.newBuilder().setName("a"))
                        .addContainers(Container.newBuilder().setName("b")))
                .setStatus(PodStatus.newBuilder().setPhase("Running").setPodIp("127.64.0.5")
                        .addContainerStatuses(ContainerStatus.newBuilder().setName("a").setReady(true).setRestartCount(2)
                                .setState(ContainerState.newBuilder().setRunning(ContainerStateRunning.getDefaultInstance())))
                        .addContainerStatuses(ContainerStatus.newBuilder().setName("b").setRestartCount(1)
                                .setLastState(ContainerState.newBuilder().setTerminated(dev.ordinal.api.v1.ContainerStateTerminated.newBuilder()
                                        .setExitCode(1).setFinishedAt(Times.timestamp(NOW.minusSeconds(310)))))
                                .setState(ContainerState.newBuilder().setWaiting(ContainerStateWaiting.newBuilder().setReason("CrashLoopBackOff")))))).build();
        JsonNode table = Tables.table(Kind.POD, List.of(pod), "42", "", null, NOW);
        assertThat(table.at("/metadata/resourceVersion").asText()).isEqualTo("42");
        assertThat(table.get("columnDefinitions").findValuesAsText("name"))
                .containsExactly("Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates");
        assertThat(table.at("/rows/0/cells").toString())
                .isEqualTo("[\"web-0\",\"1/2\",\"CrashLoopBackOff\",\"3 (5m10s ago)\",\"65s\",\"127.64.0.5\",\"node-1\",\"<none>\",\"<none>\"]");
        assertThat(table.at("/rows/0/object/kind").asText()).isEqualTo("PartialObjectMetadata");
        assertThat(table.at("/rows/0/object/metadata/name").asText()).isEqualTo("web-0");
    }

    @Test
    void restartsWithoutALastTerminationAreJustTheCount() {
        Object pod = Object.newBuilder().setPod(Pod.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName("web-1").setCreationTimestamp(Times.timestamp(NOW.minusSeconds(5))))
                .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("a")))
                .setStatus(PodStatus.newBuilder().setPhase("Running").addContainerStatuses(ContainerStatus.newBuilder()
                        .setName("a").setReady(true).setState(ContainerState.newBuilder().setRunning(ContainerStateRunning.getDefaultInstance()))))).build();
        JsonNode table = Tables.table(Kind.POD, List.of(pod), "1", "", null, NOW);
        assertThat(table.at("/rows/0/cells/3").asText()).isEqualTo("0");
        assertThat(table.at("/rows/0/cells/3").isTextual()).isTrue();
    }

    @Test
    void statefulSetRowShowsReadyOfDesiredAndTheTemplate() {
        Object sts = Object.newBuilder().setStatefulSet(StatefulSet.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName("web").setCreationTimestamp(Times.timestamp(NOW.minusSeconds(3 * 3600))))
                .setSpec(StatefulSetSpec.newBuilder().setReplicas(3).setTemplate(dev.ordinal.api.v1.PodTemplateSpec.newBuilder()
                        .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("nginx").setImage("nginx:1.27")))))
                .setStatus(StatefulSetStatus.newBuilder().setReadyReplicas(2))).build();
        JsonNode table = Tables.table(Kind.STATEFUL_SET, List.of(sts), "7", "", "None", NOW);
        assertThat(table.at("/rows/0/cells").toString()).isEqualTo("[\"web\",\"2/3\",\"3h\",\"nginx\",\"nginx:1.27\"]");
        assertThat(table.at("/columnDefinitions/3/priority").asInt()).isEqualTo(1);
        assertThat(table.at("/rows/0/object").isMissingNode()).isTrue();
    }
}

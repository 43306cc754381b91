package dev.ordinal.apiserver.admission;

import static dev.ordinal.apiserver.admission.Fixtures.assertCause;
import static dev.ordinal.apiserver.admission.Fixtures.assertOnlyCause;
import static dev.ordinal.apiserver.admission.Fixtures.create;
import static dev.ordinal.apiserver.admission.Fixtures.createRejected;
import static dev.ordinal.apiserver.admission.Fixtures.pod;
import static dev.ordinal.apiserver.admission.Fixtures.statusUpdateRejected;
import static dev.ordinal.apiserver.admission.Fixtures.update;
import static dev.ordinal.apiserver.admission.Fixtures.updateRejected;
import static dev.ordinal.apiserver.admission.Fixtures.updateStatus;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import dev.ordinal.api.v1.Affinity;
import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.ContainerPort;
import dev.ordinal.api.v1.EmptyDirVolumeSource;
import dev.ordinal.api.v1.EnvVar;
import dev.ordinal.api.v1.EnvVarSource;
import dev.ordinal.api.v1.ExecAction;
import dev.ordinal.api.v1.HTTPGetAction;
import dev.ordinal.api.v1.HostPathVolumeSource;
import dev.ordinal.api.v1.IntOrString;
import dev.ordinal.api.v1.NodeAffinity;
import dev.ordinal.api.v1.NodeSelector;
import dev.ordinal.api.v1.NodeSelectorRequirement;
import dev.ordinal.api.v1.NodeSelectorTerm;
import dev.ordinal.api.v1.ObjectFieldSelector;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodCondition;
import dev.ordinal.api.v1.PodStatus;
import dev.ordinal.api.v1.Probe;
import dev.ordinal.api.v1.ResourceRequirements;
import dev.ordinal.api.v1.StatusCause;
import dev.ordinal.api.v1.TCPSocketAction;
import dev.ordinal.api.v1.Toleration;
import dev.ordinal.api.v1.TopologySpreadConstraint;
import dev.ordinal.api.v1.Volume;
import dev.ordinal.api.v1.VolumeMount;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PodAdmissionTest {

    private static Pod withContainer(UnaryOperator<Container.Builder> change) {
        Pod.Builder b = pod("web-0").toBuilder();
        b.getSpecBuilder().setContainers(0, change.apply(b.getSpec().getContainers(0).toBuilder()));
        return b.build();
    }

    private static Pod withSpec(UnaryOperator<dev.ordinal.api.v1.PodSpec.Builder> change) {
        Pod.Builder b = pod("web-0").toBuilder();
        b.setSpec(change.apply(b.getSpec().toBuilder()));
        return b.build();
    }

    private static final String C0 = "spec.containers[0]";

    static Stream<Arguments> invalidPods() {
        return Stream.of(
                Arguments.of("no containers", withSpec(s -> s.clearContainers()),
                        "spec.containers", FieldErrors.REQUIRED, "must have at least one container"),
                Arguments.of("container name not a DNS label", withContainer(c -> c.setName("Web_1")),
                        C0 + ".name", FieldErrors.INVALID, "RFC 1123 label"),
                Arguments.of("container name shared with an init container",
                        withSpec(s -> s.addInitContainers(Fixtures.container("web").toBuilder().clearPorts())),
                        C0 + ".name", FieldErrors.DUPLICATE, "\"web\""),
                Arguments.of("no image", withContainer(c -> c.setImage("")),
                        C0 + ".image", FieldErrors.REQUIRED, "Required value"),
                Arguments.of("container port 0", withContainer(c -> c.setPorts(0, c.getPorts(0).toBuilder().setContainerPort(0))),
                        C0 + ".ports[0].containerPort", FieldErrors.REQUIRED, "Required value"),
                Arguments.of("container port too large",
                        withContainer(c -> c.addPorts(ContainerPort.newBuilder().setName("admin").setContainerPort(70000))),
                        C0 + ".ports[1].containerPort", FieldErrors.INVALID, "must be between 1 and 65535, inclusive"),
                Arguments.of("host port negative", withContainer(c -> c.setPorts(0, c.getPorts(0).toBuilder().setHostPort(-1))),
                        C0 + ".ports[0].hostPort", FieldErrors.INVALID, "must be between 0 and 65535, inclusive"),
                Arguments.of("unknown protocol", withContainer(c -> c.setPorts(0, c.getPorts(0).toBuilder().setProtocol("HTTP"))),
                        C0 + ".ports[0].protocol", FieldErrors.NOT_SUPPORTED, "supported values: \"TCP\", \"UDP\", \"SCTP\""),
                Arguments.of("port name too long",
                        withContainer(c -> c.setPorts(0, c.getPorts(0).toBuilder().setName("a-very-long-port-name"))),
                        C0 + ".ports[0].name", FieldErrors.INVALID, "must be no more than 15 characters"),
                Arguments.of("port name without a letter",
                        withContainer(c -> c.setPorts(0, c.getPorts(0).toBuilder().setName("8080"))),
                        C0 + ".ports[0].name", FieldErrors.INVALID, "must contain at least one letter"),
                Arguments.of("duplicate port name",
                        withContainer(c -> c.addPorts(ContainerPort.newBuilder().setName("http").setContainerPort(9090))),
                        C0 + ".ports[1].name", FieldErrors.DUPLICATE, "\"http\""),
                Arguments.of("env name starting with a digit",
                        withContainer(c -> c.addEnv(EnvVar.newBuilder().setName("1VAR").setValue("x"))),
                        C0 + ".env[0].name", FieldErrors.INVALID, "must not start with a digit"),
                Arguments.of("env fieldRef to an unsupported field",
                        withContainer(c -> c.addEnv(EnvVar.newBuilder().setName("X").setValueFrom(EnvVarSource.newBuilder()
                                .setFieldRef(ObjectFieldSelector.newBuilder().setFieldPath("spec.containers"))))),
                        C0 + ".env[0].valueFrom.fieldRef.fieldPath", FieldErrors.NOT_SUPPORTED, "metadata.name"),
                Arguments.of("env with value and valueFrom",
                        withContainer(c -> c.addEnv(EnvVar.newBuilder().setName("X").setValue("v").setValueFrom(EnvVarSource.newBuilder()
                                .setFieldRef(ObjectFieldSelector.newBuilder().setFieldPath("metadata.name"))))),
                        C0 + ".env[0].valueFrom", FieldErrors.INVALID, "may not be specified when `value` is not empty"),
                Arguments.of("malformed quantity",
                        withContainer(c -> c.setResources(ResourceRequirements.newBuilder().putRequests("memory", "1Gb"))),
                        C0 + ".resources.requests[memory]", FieldErrors.INVALID, "quantities must match the regular expression"),
                Arguments.of("request above limit",
                        withContainer(c -> c.setResources(ResourceRequirements.newBuilder()
                                .putLimits("cpu", "500m").putRequests("cpu", "1"))),
                        C0 + ".resources.requests[cpu]", FieldErrors.INVALID, "must be less than or equal to cpu limit of 500m"),
                Arguments.of("unknown resource name",
                        withContainer(c -> c.setResources(ResourceRequirements.newBuilder().putRequests("gpu", "1"))),
                        C0 + ".resources.requests[gpu]", FieldErrors.INVALID, "must be a standard resource for containers"),
                Arguments.of("mount of a missing volume",
                        withContainer(c -> c.addVolumeMounts(VolumeMount.newBuilder().setName("data").setMountPath("/data"))),
                        C0 + ".volumeMounts[0].name", FieldErrors.NOT_FOUND, "\"data\""),
                Arguments.of("relative mount path",
                        withSpec(s -> s.addVolumes(Volume.newBuilder().setName("data").setEmptyDir(EmptyDirVolumeSource.getDefaultInstance()))
                                .setContainers(0, s.getContainers(0).toBuilder()
                                        .addVolumeMounts(VolumeMount.newBuilder().setName("data").setMountPath("data")))),
                        C0 + ".volumeMounts[0].mountPath", FieldErrors.INVALID, "must be an absolute path"),
                Arguments.of("duplicate mount path",
                        withSpec(s -> s.addVolumes(Volume.newBuilder().setName("data").setEmptyDir(EmptyDirVolumeSource.getDefaultInstance()))
                                .setContainers(0, s.getContainers(0).toBuilder()
                                        .addVolumeMounts(VolumeMount.newBuilder().setName("data").setMountPath("/data"))
                                        .addVolumeMounts(VolumeMount.newBuilder().setName("data").setMountPath("/data")))),
                        C0 + ".volumeMounts[1].mountPath", FieldErrors.INVALID, "must be unique"),
                Arguments.of("volume with two sources",
                        withSpec(s -> s.addVolumes(Volume.newBuilder().setName("data")
                                .setEmptyDir(EmptyDirVolumeSource.getDefaultInstance())
                                .setHostPath(HostPathVolumeSource.newBuilder().setPath("/srv")))),
                        "spec.volumes[0]", FieldErrors.FORBIDDEN, "may not specify more than 1 volume type"),
                Arguments.of("duplicate volume names",
                        withSpec(s -> s.addVolumes(Volume.newBuilder().setName("data").setEmptyDir(EmptyDirVolumeSource.getDefaultInstance()))
                                .addVolumes(Volume.newBuilder().setName("data").setEmptyDir(EmptyDirVolumeSource.getDefaultInstance()))),
                        "spec.volumes[1].name", FieldErrors.DUPLICATE, "\"data\""),
                Arguments.of("probe without handler", withContainer(c -> c.setReadinessProbe(Probe.getDefaultInstance())),
                        C0 + ".readinessProbe", FieldErrors.REQUIRED, "must specify a handler type"),
                Arguments.of("probe with two handlers",
                        withContainer(c -> c.setReadinessProbe(Probe.newBuilder()
                                .setExec(ExecAction.newBuilder().addCommand("true"))
                                .setTcpSocket(TCPSocketAction.newBuilder().setPort(IntOrString.newBuilder().setIntVal(8080))))),
                        C0 + ".readinessProbe", FieldErrors.FORBIDDEN, "may not specify more than 1 handler type"),
                Arguments.of("liveness success threshold above 1",
                        withContainer(c -> c.setLivenessProbe(Probe.newBuilder().setSuccessThreshold(2)
                                .setExec(ExecAction.newBuilder().addCommand("true")))),
                        C0 + ".livenessProbe.successThreshold", FieldErrors.INVALID, "must be 1"),
                Arguments.of("negative period",
                        withContainer(c -> c.setReadinessProbe(Probe.newBuilder().setPeriodSeconds(-5)
                                .setExec(ExecAction.newBuilder().addCommand("true")))),
                        C0 + ".readinessProbe.periodSeconds", FieldErrors.INVALID, "must be greater than or equal to 1"),
                Arguments.of("probe port out of range",
                        withContainer(c -> c.setReadinessProbe(Probe.newBuilder()
                                .setHttpGet(HTTPGetAction.newBuilder().setPort(IntOrString.newBuilder().setIntVal(0))))),
                        C0 + ".readinessProbe.httpGet.port", FieldErrors.INVALID, "must be between 1 and 65535"),
                Arguments.of("restart policy", withSpec(s -> s.setRestartPolicy("Sometimes")),
                        "spec.restartPolicy", FieldErrors.NOT_SUPPORTED, "\"Always\", \"OnFailure\", \"Never\""),
                Arguments.of("negative grace period", withSpec(s -> s.setTerminationGracePeriodSeconds(-1)),
                        "spec.terminationGracePeriodSeconds", FieldErrors.INVALID, "must be greater than or equal to 0"),
                Arguments.of("hostname not a label", withSpec(s -> s.setHostname("web.0")),
                        "spec.hostname", FieldErrors.INVALID, "RFC 1123 label"),
                Arguments.of("toleration effect", withSpec(s -> s.addTolerations(Toleration.newBuilder()
                                .setKey("k").setOperator("Equal").setValue("v").setEffect("NoRun"))),
                        "spec.tolerations[0].effect", FieldErrors.NOT_SUPPORTED, "NoExecute"),
                Arguments.of("toleration without key must be Exists", withSpec(s -> s.addTolerations(Toleration.newBuilder()
                                .setOperator("Equal"))),
                        "spec.tolerations[0].operator", FieldErrors.INVALID, "operator must be Exists when `key` is empty"),
                Arguments.of("node affinity operator", withSpec(s -> s.setAffinity(Affinity.newBuilder().setNodeAffinity(
                                NodeAffinity.newBuilder().setRequiredDuringSchedulingIgnoredDuringExecution(NodeSelector.newBuilder()
                                        .addNodeSelectorTerms(NodeSelectorTerm.newBuilder().addMatchExpressions(
                                                NodeSelectorRequirement.newBuilder().setKey("zone").setOperator("Near"))))))),
                        "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
                                + ".matchExpressions[0].operator", FieldErrors.NOT_SUPPORTED, "\"Gt\", \"Lt\""),
                Arguments.of("Gt needs one integer", withSpec(s -> s.setAffinity(Affinity.newBuilder().setNodeAffinity(
                                NodeAffinity.newBuilder().setRequiredDuringSchedulingIgnoredDuringExecution(NodeSelector.newBuilder()
                                        .addNodeSelectorTerms(NodeSelectorTerm.newBuilder().addMatchExpressions(
                                                NodeSelectorRequirement.newBuilder().setKey("cores").setOperator("Gt").addValues("many"))))))),
                        "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
                                + ".matchExpressions[0].values[0]", FieldErrors.INVALID, "must be an integer"),
                Arguments.of("host port used twice", withSpec(s -> s.setContainers(0, s.getContainers(0).toBuilder()
                                .setPorts(0, s.getContainers(0).getPorts(0).toBuilder().setHostPort(80))
                                .addPorts(ContainerPort.newBuilder().setName("alt").setContainerPort(8081).setHostPort(80)))),
                        C0 + ".ports[1].hostPort", FieldErrors.DUPLICATE, "80/TCP"),
                Arguments.of("probe on an init container", withSpec(s -> s.addInitContainers(Fixtures.container("init").toBuilder()
                                .clearPorts().setReadinessProbe(Probe.newBuilder().setExec(ExecAction.newBuilder().addCommand("true"))))),
                        "spec.initContainers[0].readinessProbe", FieldErrors.FORBIDDEN, "may not be set for init containers"),
                Arguments.of("env resourceFieldRef to an unknown resource",
                        withContainer(c -> c.addEnv(EnvVar.newBuilder().setName("MEM").setValueFrom(EnvVarSource.newBuilder()
                                .setResourceFieldRef(dev.ordinal.api.v1.ResourceFieldSelector.newBuilder().setResource("limits.gpu"))))),
                        C0 + ".env[0].valueFrom.resourceFieldRef.resource", FieldErrors.NOT_SUPPORTED, "limits.memory"),
                Arguments.of("tolerationSeconds without NoExecute", withSpec(s -> s.addTolerations(Toleration.newBuilder()
                                .setKey("k").setOperator("Exists").setEffect("NoSchedule").setTolerationSeconds(30))),
                        "spec.tolerations[0].effect", FieldErrors.INVALID, "effect must be 'NoExecute' when `tolerationSeconds` is set"),
                Arguments.of("pod anti-affinity without topology key", withSpec(s -> s.setAffinity(Affinity.newBuilder()
                                .setPodAntiAffinity(dev.ordinal.api.v1.PodAntiAffinity.newBuilder()
                                        .addRequiredDuringSchedulingIgnoredDuringExecution(dev.ordinal.api.v1.PodAffinityTerm.newBuilder()
                                                .setLabelSelector(dev.ordinal.api.v1.LabelSelector.newBuilder().putMatchLabels("app", "web")))))),
                        "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey",
                        FieldErrors.REQUIRED, "can not be empty"),
                Arguments.of("emptyDir size limit", withSpec(s -> s.addVolumes(Volume.newBuilder().setName("tmp")
                                .setEmptyDir(EmptyDirVolumeSource.newBuilder().setSizeLimit("-1Gi")))),
                        "spec.volumes[0].emptyDir.sizeLimit", FieldErrors.INVALID, "must be greater than or equal to 0"),
                Arguments.of("subPath escaping the volume", withSpec(s -> s.addVolumes(Volume.newBuilder().setName("data"))
                                .setContainers(0, s.getContainers(0).toBuilder().addVolumeMounts(VolumeMount.newBuilder()
                                        .setName("data").setMountPath("/data").setSubPath("../etc")))),
                        C0 + ".volumeMounts[0].subPath", FieldErrors.INVALID, "must not contain '..'"),
                Arguments.of("spread skew 0", withSpec(s -> s.addTopologySpreadConstraints(TopologySpreadConstraint.newBuilder()
                                .setMaxSkew(0).setTopologyKey("zone").setWhenUnsatisfiable("DoNotSchedule"))),
                        "spec.topologySpreadConstraints[0].maxSkew", FieldErrors.INVALID, "must be greater than zero"),
                Arguments.of("spread whenUnsatisfiable", withSpec(s -> s.addTopologySpreadConstraints(TopologySpreadConstraint.newBuilder()
                                .setMaxSkew(1).setTopologyKey("zone").setWhenUnsatisfiable("Maybe"))),
                        "spec.topologySpreadConstraints[0].whenUnsatisfiable", FieldErrors.NOT_SUPPORTED, "ScheduleAnyway"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidPods")
    void refusesInvalidPodsNamingTheFieldAndRule(String what, Pod pod, String field, String reason, String rule) {
        assertOnlyCause(createRejected(pod), field, reason, rule);
    }

    @Test
    void listsEveryOffendingFieldAtOnce() {
        Pod bad = withContainer(c -> c.setName("").setImage("")
                .setPorts(0, c.getPorts(0).toBuilder().setContainerPort(99999)));
        bad = bad.toBuilder().setMetadata(bad.getMetadata().toBuilder().setName("Web_0").putLabels("bad key!", "v")).build();
        List<StatusCause> causes = createRejected(bad);
        assertCause(causes, "metadata.name", FieldErrors.INVALID, "RFC 1123 subdomain");
        assertCause(causes, "metadata.labels[bad key!]", FieldErrors.INVALID, "name part must consist of");
        assertCause(causes, C0 + ".name", FieldErrors.REQUIRED, "Required value");
        assertCause(causes, C0 + ".image", FieldErrors.REQUIRED, "Required value");
        assertCause(causes, C0 + ".ports[0].containerPort", FieldErrors.INVALID, "must be between 1 and 65535, inclusive");
        assertThat(causes).hasSize(5);
    }

    @Test
    void fillsKubernetesDefaults() {
        Pod.Builder b = withContainer(c -> c
                .setReadinessProbe(Probe.newBuilder().setHttpGet(HTTPGetAction.newBuilder().setPort(IntOrString.newBuilder().setStrVal("http"))))
                .setResources(ResourceRequirements.newBuilder().putLimits("memory", "1Gi"))
                .addEnv(EnvVar.newBuilder().setName("POD_NAME").setValueFrom(EnvVarSource.newBuilder()
                        .setFieldRef(ObjectFieldSelector.newBuilder().setFieldPath("metadata.name")))))
                .toBuilder();
        b.getSpecBuilder().addVolumes(Volume.newBuilder().setName("scratch"));
        Pod pod = b.build();

        Pod stored = create(pod);

        var spec = stored.getSpec();
        assertThat(spec.getRestartPolicy()).isEqualTo("Always");
        assertThat(spec.getTerminationGracePeriodSeconds()).isEqualTo(30);
        assertThat(spec.getDnsPolicy()).isEqualTo("ClusterFirst");
        assertThat(spec.getSchedulerName()).isEqualTo("default-scheduler");
        assertThat(spec.getVolumes(0).hasEmptyDir()).as("a volume without a source is an emptyDir").isTrue();
        Container c = spec.getContainers(0);
        assertThat(c.getImagePullPolicy()).isEqualTo("IfNotPresent");
        assertThat(c.getTerminationMessagePath()).isEqualTo("/dev/termination-log");
        assertThat(c.getTerminationMessagePolicy()).isEqualTo("File");
        assertThat(c.getPorts(0).getProtocol()).isEqualTo("TCP");
        assertThat(c.getResources().getRequestsMap()).containsEntry("memory", "1Gi");
        assertThat(c.getEnv(0).getValueFrom().getFieldRef().getApiVersion()).isEqualTo("v1");
        Probe probe = c.getReadinessProbe();
        assertThat(List.of(probe.getTimeoutSeconds(), probe.getPeriodSeconds(), probe.getSuccessThreshold(), probe.getFailureThreshold()))
                .containsExactly(1, 10, 1, 3);
        assertThat(probe.getHttpGet().getPath()).isEqualTo("/");
        assertThat(probe.getHttpGet().getScheme()).isEqualTo("HTTP");
        assertThat(stored.getStatus().getPhase()).isEqualTo("Pending");
        assertThat(create(stored)).as("defaulting is idempotent").isEqualTo(stored);
    }

    @Test
    void acceptsGenerateNameInsteadOfName() {
        Pod pod = pod("").toBuilder().setMetadata(Fixtures.meta("").toBuilder().setGenerateName("web-")).build();
        assertThat(create(pod).getMetadata().getGenerateName()).isEqualTo("web-");
        Pod badPrefix = pod("").toBuilder().setMetadata(Fixtures.meta("").toBuilder().setGenerateName("Web_")).build();
        assertOnlyCause(createRejected(badPrefix), "metadata.generateName", FieldErrors.INVALID, "RFC 1123 subdomain");
        assertOnlyCause(createRejected(pod("")), "metadata.name", FieldErrors.REQUIRED, "name or generateName is required");
    }

    // ------------------------------------------------------------------ update

    @Test
    void allowsImageChangesBindingAndAddedTolerations() {
        Pod old = create(pod("web-0"));
        Pod.Builder b = old.toBuilder();
        b.getSpecBuilder().setContainers(0, old.getSpec().getContainers(0).toBuilder().setImage("registry.local/web:2.0"))
                .setNodeName("node-1")
                .addTolerations(Toleration.newBuilder().setKey("k").setOperator("Exists").setEffect("NoSchedule"))
                .setActiveDeadlineSeconds(600);
        Pod stored = update(b.build(), old);
        assertThat(stored.getSpec().getContainers(0).getImage()).isEqualTo("registry.local/web:2.0");
        assertThat(stored.getSpec().getNodeName()).isEqualTo("node-1");
    }

    @Test
    void refusesOtherSpecChanges() {
        Pod old = create(pod("web-0"));
        Pod.Builder b = old.toBuilder();
        b.getSpecBuilder().setContainers(0, old.getSpec().getContainers(0).toBuilder().addArgs("--verbose"));
        assertOnlyCause(updateRejected(b.build(), old), "spec", FieldErrors.FORBIDDEN,
                "pod updates may not change fields other than `spec.containers[*].image`");
    }

    @Test
    void refusesMovingABoundPodAndDroppingTolerations() {
        Pod.Builder bound = create(pod("web-0")).toBuilder();
        bound.getSpecBuilder().setNodeName("node-1")
                .addTolerations(Toleration.newBuilder().setKey("k").setOperator("Exists").setEffect("NoSchedule"));
        Pod old = bound.build();
        Pod.Builder moved = old.toBuilder();
        moved.getSpecBuilder().setNodeName("node-2").clearTolerations();
        List<StatusCause> causes = updateRejected(moved.build(), old);
        assertCause(causes, "spec.nodeName", FieldErrors.FORBIDDEN, "may not be changed once the pod is bound");
        assertCause(causes, "spec.tolerations", FieldErrors.FORBIDDEN, "existing toleration can not be modified");
    }

    @Test
    void gracePeriodChangesOnlyWhileDeleting() {
        Pod old = create(pod("web-0"));
        Pod.Builder shorter = old.toBuilder();
        shorter.getSpecBuilder().setTerminationGracePeriodSeconds(0);
        assertOnlyCause(updateRejected(shorter.build(), old), "spec", FieldErrors.FORBIDDEN, "pod updates may not change");

        Pod deleting = old.toBuilder().setMetadata(old.getMetadata().toBuilder()
                .setDeletionTimestamp(Timestamp.newBuilder().setSeconds(1))).build();
        Pod.Builder forced = deleting.toBuilder();
        forced.getSpecBuilder().setTerminationGracePeriodSeconds(0);
        assertThat(update(forced.build(), deleting).getSpec().getTerminationGracePeriodSeconds()).isZero();
    }

    @Test
    void reapplyingTheUserManifestIsNoChange() {
        Pod manifest = pod("web-0");
        Pod stored = create(manifest);
        assertThat(update(manifest, stored)).isEqualTo(stored);
    }

    @Test
    void specUpdateKeepsTheStoredStatus() {
        Pod old = create(pod("web-0")).toBuilder().setStatus(PodStatus.newBuilder().setPhase("Running")).build();
        Pod sent = old.toBuilder().setStatus(PodStatus.newBuilder().setPhase("Failed")).build();
        assertThat(update(sent, old).getStatus().getPhase()).isEqualTo("Running");
    }

    // ------------------------------------------------------------------ status

    @Test
    void statusUpdatesValidateOnlyTheStatus() {
        Pod old = create(pod("web-0"));
        Pod running = old.toBuilder().setStatus(PodStatus.newBuilder().setPhase("Running").setPodIp("127.64.0.5")
                .addConditions(PodCondition.newBuilder().setType("Ready").setStatus("True"))).build();
        Pod stored = updateStatus(running, old);
        assertThat(stored.getStatus().getPhase()).isEqualTo("Running");

        Pod sneaky = running.toBuilder().setSpec(running.getSpec().toBuilder().setNodeName("elsewhere")).build();
        assertThat(updateStatus(sneaky, old).getSpec().getNodeName()).as("status writes keep the stored spec").isEmpty();

        Pod bad = old.toBuilder().setStatus(PodStatus.newBuilder().setPhase("Sleeping").setPodIp("300.1.1.1")
                .addConditions(PodCondition.newBuilder().setType("Ready").setStatus("Yes"))).build();
        List<StatusCause> causes = statusUpdateRejected(bad, old);
        assertCause(causes, "status.phase", FieldErrors.NOT_SUPPORTED, "\"Pending\", \"Running\"");
        assertCause(causes, "status.podIP", FieldErrors.INVALID, "must be a valid IP address");
        assertCause(causes, "status.conditions[0].status", FieldErrors.NOT_SUPPORTED, "\"True\", \"False\", \"Unknown\"");
    }

    @Test
    void aTerminalPodStaysTerminal() {
        Pod failed = create(pod("web-0")).toBuilder().setStatus(PodStatus.newBuilder().setPhase("Failed")).build();
        Pod revived = failed.toBuilder().setStatus(PodStatus.newBuilder().setPhase("Running")).build();
        assertOnlyCause(statusUpdateRejected(revived, failed), "status.phase", FieldErrors.FORBIDDEN,
                "cannot transition from terminal phase Failed to Running");
    }
}

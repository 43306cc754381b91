package dev.ordinal.apiserver.admission;

import static dev.ordinal.apiserver.admission.Fixtures.assertCause;
import static dev.ordinal.apiserver.admission.Fixtures.assertOnlyCause;
import static dev.ordinal.apiserver.admission.Fixtures.claimTemplate;
import static dev.ordinal.apiserver.admission.Fixtures.create;
import static dev.ordinal.apiserver.admission.Fixtures.createRejected;
import static dev.ordinal.apiserver.admission.Fixtures.statefulSet;
import static dev.ordinal.apiserver.admission.Fixtures.statusUpdateRejected;
import static dev.ordinal.apiserver.admission.Fixtures.update;
import static dev.ordinal.apiserver.admission.Fixtures.updateRejected;
import static dev.ordinal.apiserver.admission.Fixtures.updateStatus;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.api.v1.ContainerPort;
import dev.ordinal.api.v1.IntOrString;
import dev.ordinal.api.v1.LabelSelector;
import dev.ordinal.api.v1.LabelSelectorRequirement;
import dev.ordinal.api.v1.RollingUpdateStatefulSetStrategy;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.api.v1.StatefulSetOrdinals;
import dev.ordinal.api.v1.StatefulSetPersistentVolumeClaimRetentionPolicy;
import dev.ordinal.api.v1.StatefulSetSpec;
import dev.ordinal.api.v1.StatefulSetStatus;
import dev.ordinal.api.v1.StatefulSetUpdateStrategy;
import dev.ordinal.api.v1.StatusCause;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StatefulSetAdmissionTest {

    private static StatefulSet withSpec(UnaryOperator<StatefulSetSpec.Builder> change) {
        StatefulSet set = statefulSet();
        return set.toBuilder().setSpec(change.apply(set.getSpec().toBuilder())).build();
    }

    private static StatefulSet rollingUpdate(RollingUpdateStatefulSetStrategy.Builder ru) {
        return withSpec(s -> s.setUpdateStrategy(StatefulSetUpdateStrategy.newBuilder().setType("RollingUpdate").setRollingUpdate(ru)));
    }

    private static IntOrString intOrString(java.lang.Object v) {
        return v instanceof Integer i ? IntOrString.newBuilder().setIntVal(i).build() : IntOrString.newBuilder().setStrVal((String) v).build();
    }

    @Test
    void fillsTheDefaultsOfSpecSection1() {
        StatefulSet set = withSpec(s -> s.clearReplicas());
        StatefulSetSpec spec = create(set).getSpec();
        assertThat(spec.getReplicas()).isEqualTo(1);
        assertThat(spec.getPodManagementPolicy()).isEqualTo("OrderedReady");
        assertThat(spec.getUpdateStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(spec.getUpdateStrategy().getRollingUpdate().getPartition()).isZero();
        assertThat(spec.getUpdateStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isEqualTo(1);
        assertThat(spec.getRevisionHistoryLimit()).isEqualTo(10);
        assertThat(spec.getPersistentVolumeClaimRetentionPolicy().getWhenDeleted()).isEqualTo("Retain");
        assertThat(spec.getPersistentVolumeClaimRetentionPolicy().getWhenScaled()).isEqualTo("Retain");
        assertThat(spec.hasOrdinals()).as("absent ordinals stay absent (start 0)").isFalse();
        assertThat(spec.getTemplate().getSpec().getRestartPolicy()).isEqualTo("Always");
        assertThat(spec.getTemplate().getSpec().getContainers(0).getImagePullPolicy()).isEqualTo("IfNotPresent");
        assertThat(spec.getVolumeClaimTemplates(0).getSpec().getVolumeMode()).isEqualTo("Filesystem");
    }

    @Test
    void explicitRollingUpdateWithoutParametersStaysNil() {
        StatefulSet set = withSpec(s -> s.setUpdateStrategy(StatefulSetUpdateStrategy.newBuilder().setType("RollingUpdate")));
        assertThat(create(set).getSpec().getUpdateStrategy().hasRollingUpdate()).isFalse();
    }

    @Test
    void partialRollingUpdateGetsTheMissingParameter() {
        StatefulSet set = rollingUpdate(RollingUpdateStatefulSetStrategy.newBuilder().setPartition(2));
        RollingUpdateStatefulSetStrategy ru = create(set).getSpec().getUpdateStrategy().getRollingUpdate();
        assertThat(ru.getPartition()).isEqualTo(2);
        assertThat(ru.getMaxUnavailable().getIntVal()).isEqualTo(1);
    }

    @Test
    void acceptsATemplateMountingItsClaimTemplate() {
        // The "data" volume exists only through volumeClaimTemplates; the template must still be valid.
        assertThat(create(statefulSet()).getSpec().getTemplate().getSpec().getVolumesCount()).isZero();
    }

    @Test
    void acceptsFiftyTwoCharacterNamesAndRefusesLonger() {
        String ok = "a".repeat(52);
        StatefulSet set = statefulSet().toBuilder().setMetadata(Fixtures.meta(ok)).build();
        assertThat(create(set).getMetadata().getName()).isEqualTo(ok);
        StatefulSet tooLong = statefulSet().toBuilder().setMetadata(Fixtures.meta("a".repeat(53))).build();
        assertOnlyCause(createRejected(tooLong), "metadata.name", FieldErrors.INVALID, "must be no more than 52 characters");
    }

    static Stream<Arguments> invalidSets() {
        return Stream.of(
                Arguments.of("name is not a DNS label", statefulSet().toBuilder().setMetadata(Fixtures.meta("web.v2")).build(),
                        "metadata.name", FieldErrors.INVALID, "RFC 1123 label"),
                Arguments.of("empty selector", withSpec(s -> s.clearSelector()),
                        "spec.selector", FieldErrors.INVALID, "empty selector is invalid for statefulset"),
                Arguments.of("selector not matching the template", withSpec(s -> s.setSelector(LabelSelector.newBuilder().putMatchLabels("app", "db"))),
                        "spec.template.metadata.labels", FieldErrors.INVALID, "`selector` does not match template `labels`"),
                Arguments.of("selector operator", withSpec(s -> s.setSelector(LabelSelector.newBuilder().putMatchLabels("app", "web")
                                .addMatchExpressions(LabelSelectorRequirement.newBuilder().setKey("tier").setOperator("Like")))),
                        "spec.selector.matchExpressions[0].operator", FieldErrors.NOT_SUPPORTED, "\"In\", \"NotIn\""),
                Arguments.of("restartPolicy Never", withSpec(s -> s.setTemplate(s.getTemplate().toBuilder()
                                .setSpec(s.getTemplate().getSpec().toBuilder().setRestartPolicy("Never")))),
                        "spec.template.spec.restartPolicy", FieldErrors.NOT_SUPPORTED, "supported values: \"Always\""),
                Arguments.of("activeDeadlineSeconds", withSpec(s -> s.setTemplate(s.getTemplate().toBuilder()
                                .setSpec(s.getTemplate().getSpec().toBuilder().setActiveDeadlineSeconds(60)))),
                        "spec.template.spec.activeDeadlineSeconds", FieldErrors.FORBIDDEN, "activeDeadlineSeconds in StatefulSet is not Supported"),
                Arguments.of("serviceName not a DNS label", withSpec(s -> s.setServiceName("Nginx")),
                        "spec.serviceName", FieldErrors.INVALID, "RFC 1123 label"),
                Arguments.of("negative replicas", withSpec(s -> s.setReplicas(-1)),
                        "spec.replicas", FieldErrors.INVALID, "must be greater than or equal to 0"),
                Arguments.of("negative minReadySeconds", withSpec(s -> s.setMinReadySeconds(-1)),
                        "spec.minReadySeconds", FieldErrors.INVALID, "must be greater than or equal to 0"),
                Arguments.of("negative ordinals.start", withSpec(s -> s.setOrdinals(StatefulSetOrdinals.newBuilder().setStart(-1))),
                        "spec.ordinals.start", FieldErrors.INVALID, "must be greater than or equal to 0"),
                Arguments.of("negative partition", rollingUpdate(RollingUpdateStatefulSetStrategy.newBuilder().setPartition(-1)),
                        "spec.updateStrategy.rollingUpdate.partition", FieldErrors.INVALID, "must be greater than or equal to 0"),
                Arguments.of("maxUnavailable 0", rollingUpdate(RollingUpdateStatefulSetStrategy.newBuilder().setMaxUnavailable(intOrString(0))),
                        "spec.updateStrategy.rollingUpdate.maxUnavailable", FieldErrors.INVALID, "must be greater than 0"),
                Arguments.of("maxUnavailable 0%", rollingUpdate(RollingUpdateStatefulSetStrategy.newBuilder().setMaxUnavailable(intOrString("0%"))),
                        "spec.updateStrategy.rollingUpdate.maxUnavailable", FieldErrors.INVALID, "must be between 1% and 100%"),
                Arguments.of("maxUnavailable 101%", rollingUpdate(RollingUpdateStatefulSetStrategy.newBuilder().setMaxUnavailable(intOrString("101%"))),
                        "spec.updateStrategy.rollingUpdate.maxUnavailable", FieldErrors.INVALID, "must be between 1% and 100%"),
                Arguments.of("maxUnavailable not a percent", rollingUpdate(RollingUpdateStatefulSetStrategy.newBuilder().setMaxUnavailable(intOrString("half"))),
                        "spec.updateStrategy.rollingUpdate.maxUnavailable", FieldErrors.INVALID, "a valid percent string"),
                Arguments.of("rollingUpdate with OnDelete", withSpec(s -> s.setUpdateStrategy(StatefulSetUpdateStrategy.newBuilder()
                                .setType("OnDelete").setRollingUpdate(RollingUpdateStatefulSetStrategy.newBuilder().setPartition(1)))),
                        "spec.updateStrategy.rollingUpdate", FieldErrors.INVALID, "only allowed for updateStrategy 'RollingUpdate'"),
                Arguments.of("unknown update strategy", withSpec(s -> s.setUpdateStrategy(StatefulSetUpdateStrategy.newBuilder().setType("Recreate"))),
                        "spec.updateStrategy.type", FieldErrors.NOT_SUPPORTED, "\"RollingUpdate\", \"OnDelete\""),
                Arguments.of("unknown pod management policy", withSpec(s -> s.setPodManagementPolicy("Random")),
                        "spec.podManagementPolicy", FieldErrors.NOT_SUPPORTED, "\"OrderedReady\", \"Parallel\""),
                Arguments.of("unknown retention policy", withSpec(s -> s.setPersistentVolumeClaimRetentionPolicy(
                                StatefulSetPersistentVolumeClaimRetentionPolicy.newBuilder().setWhenScaled("Archive"))),
                        "spec.persistentVolumeClaimRetentionPolicy.whenScaled", FieldErrors.NOT_SUPPORTED, "\"Retain\", \"Delete\""),
                Arguments.of("duplicate claim template", withSpec(s -> s.addVolumeClaimTemplates(claimTemplate("data", "2Gi"))),
                        "spec.volumeClaimTemplates[1].metadata.name", FieldErrors.DUPLICATE, "\"data\""),
                Arguments.of("claim template name not a label", withSpec(s -> s.addVolumeClaimTemplates(claimTemplate("logs.v1", "2Gi"))),
                        "spec.volumeClaimTemplates[1].metadata.name", FieldErrors.INVALID, "RFC 1123 label"),
                Arguments.of("claim template without storage", withSpec(s -> s.addVolumeClaimTemplates(claimTemplate("logs", "1Gi")
                                .toBuilder().setSpec(claimTemplate("logs", "1Gi").getSpec().toBuilder().clearResources()).build())),
                        "spec.volumeClaimTemplates[1].spec.resources.requests[storage]", FieldErrors.REQUIRED, "Required value"),
                Arguments.of("template validated as a pod", withSpec(s -> s.setTemplate(s.getTemplate().toBuilder().setSpec(
                                s.getTemplate().getSpec().toBuilder().setContainers(0, s.getTemplate().getSpec().getContainers(0).toBuilder()
                                        .addPorts(ContainerPort.newBuilder().setName("metrics").setContainerPort(0)))))),
                        "spec.template.spec.containers[0].ports[1].containerPort", FieldErrors.REQUIRED, "Required value"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSets")
    void refusesInvalidSets(String what, StatefulSet set, String field, String reason, String rule) {
        assertOnlyCause(createRejected(set), field, reason, rule);
    }

    // ------------------------------------------------------------------ update

    @Test
    void mutableFieldsMayChange() {
        StatefulSet old = create(statefulSet());
        StatefulSet.Builder b = old.toBuilder();
        b.getSpecBuilder().setReplicas(5).setMinReadySeconds(10).setRevisionHistoryLimit(2)
                .setOrdinals(StatefulSetOrdinals.newBuilder().setStart(3))
                .setUpdateStrategy(StatefulSetUpdateStrategy.newBuilder().setType("OnDelete"))
                .setPersistentVolumeClaimRetentionPolicy(StatefulSetPersistentVolumeClaimRetentionPolicy.newBuilder()
                        .setWhenDeleted("Delete").setWhenScaled("Delete"))
                .getTemplateBuilder().getSpecBuilder().getContainersBuilder(0).setImage("registry.local/web:2.0");
        StatefulSet stored = update(b.build(), old);
        assertThat(stored.getSpec().getReplicas()).isEqualTo(5);
        assertThat(stored.getSpec().getUpdateStrategy().hasRollingUpdate()).isFalse();
    }

    @Test
    void reapplyingTheManifestPassesImmutabilityThanksToDefaulting() {
        StatefulSet stored = create(statefulSet());
        assertThat(update(statefulSet(), stored)).isEqualTo(stored);
    }

    static Stream<Arguments> immutableChanges() {
        return Stream.of(
                Arguments.of("selector", (UnaryOperator<StatefulSetSpec.Builder>) s -> s.setSelector(LabelSelector.newBuilder()
                        .putMatchLabels("app", "web").putMatchLabels("tier", "x")).setTemplate(s.getTemplate().toBuilder()
                        .setMetadata(s.getTemplate().getMetadata().toBuilder().putLabels("tier", "x")))),
                Arguments.of("serviceName", (UnaryOperator<StatefulSetSpec.Builder>) s -> s.setServiceName("other")),
                Arguments.of("podManagementPolicy", (UnaryOperator<StatefulSetSpec.Builder>) s -> s.setPodManagementPolicy("Parallel")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("immutableChanges")
    void refusesChangesOutsideTheMutableFields(String what, UnaryOperator<StatefulSetSpec.Builder> change) {
        StatefulSet old = create(statefulSet());
        StatefulSet updated = old.toBuilder().setSpec(change.apply(old.getSpec().toBuilder())).build();
        List<StatusCause> causes = updateRejected(updated, old);
        assertCause(causes, "spec", FieldErrors.FORBIDDEN,
                "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy',"
                        + " 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden");
    }

    @Test
    void claimTemplateStorageMayGrowAndItsLabelsChange() {
        StatefulSet old = create(statefulSet());
        StatefulSet.Builder b = old.toBuilder();
        var template = b.getSpecBuilder().getVolumeClaimTemplatesBuilder(0);
        template.getSpecBuilder().getResourcesBuilder().putRequests("storage", "5Gi");
        template.getMetadataBuilder().putLabels("tier", "fast").putAnnotations("note", "resized");
        StatefulSet stored = update(b.build(), old);
        assertThat(stored.getSpec().getVolumeClaimTemplates(0).getSpec().getResources().getRequestsMap())
                .containsEntry("storage", "5Gi");
    }

    @Test
    void claimTemplateStorageNeverShrinks() {
        StatefulSet.Builder grown = create(statefulSet()).toBuilder();
        grown.getSpecBuilder().getVolumeClaimTemplatesBuilder(0).getSpecBuilder().getResourcesBuilder().putRequests("storage", "10Gi");
        StatefulSet old = grown.build();
        StatefulSet.Builder shrunk = old.toBuilder();
        shrunk.getSpecBuilder().getVolumeClaimTemplatesBuilder(0).getSpecBuilder().getResourcesBuilder().putRequests("storage", "2Gi");
        assertOnlyCause(updateRejected(shrunk.build(), old), "spec.volumeClaimTemplates[0].spec.resources.requests.storage",
                FieldErrors.FORBIDDEN, "field can not be less than previous value (10Gi to 2Gi)");
    }

    @Test
    void claimTemplateChangesOtherThanStorageAreRefusedNamingTheTemplate() {
        StatefulSet old = create(statefulSet());
        StatefulSet.Builder modes = old.toBuilder();
        modes.getSpecBuilder().getVolumeClaimTemplatesBuilder(0).getSpecBuilder().clearAccessModes().addAccessModes("ReadWriteMany");
        assertOnlyCause(updateRejected(modes.build(), old), "spec.volumeClaimTemplates[0]", FieldErrors.FORBIDDEN,
                "only spec.resources.requests.storage (which may only grow), labels and annotations of a volumeClaimTemplate may change");
    }

    @Test
    void claimTemplatesCannotBeAddedOrRemoved() {
        StatefulSet old = create(statefulSet());
        StatefulSet.Builder added = old.toBuilder();
        added.getSpecBuilder().addVolumeClaimTemplates(claimTemplate("logs", "1Gi"));
        assertCause(updateRejected(added.build(), old), "spec.volumeClaimTemplates", FieldErrors.FORBIDDEN, "may not be added or removed");
        StatefulSet.Builder removed = old.toBuilder();
        removed.getSpecBuilder().clearVolumeClaimTemplates();
        // The template still mounts "data", so that is reported too.
        assertCause(updateRejected(removed.build(), old), "spec.volumeClaimTemplates", FieldErrors.FORBIDDEN, "may not be added or removed");
    }

    // ------------------------------------------------------------------ status

    private static StatefulSet withStatus(StatefulSet set, UnaryOperator<StatefulSetStatus.Builder> status) {
        return set.toBuilder().setStatus(status.apply(StatefulSetStatus.newBuilder())).build();
    }

    private static StatefulSet stored() {
        StatefulSet set = create(statefulSet());
        return set.toBuilder().setMetadata(set.getMetadata().toBuilder().setGeneration(2)).build();
    }

    @Test
    void acceptsConsistentStatus() {
        StatefulSet old = stored();
        StatefulSet updated = withStatus(old, s -> s.setObservedGeneration(2).setReplicas(3).setReadyReplicas(3)
                .setAvailableReplicas(2).setCurrentReplicas(3).setUpdatedReplicas(1).setCollisionCount(0)
                .setCurrentRevision("web-abc").setUpdateRevision("web-def"));
        assertThat(updateStatus(updated, old).getStatus().getAvailableReplicas()).isEqualTo(2);
    }

    @Test
    void refusesInconsistentCounters() {
        StatefulSet old = stored();
        StatefulSet updated = withStatus(old, s -> s.setObservedGeneration(3).setReplicas(2).setReadyReplicas(3)
                .setAvailableReplicas(3).setCurrentReplicas(-1).setUpdatedReplicas(4));
        List<StatusCause> causes = statusUpdateRejected(updated, old);
        assertCause(causes, "status.readyReplicas", FieldErrors.INVALID, "must be less than or equal to status.replicas (2)");
        assertCause(causes, "status.availableReplicas", FieldErrors.INVALID, "must be less than or equal to status.replicas (2)");
        assertCause(causes, "status.currentReplicas", FieldErrors.INVALID, "must be greater than or equal to 0");
        assertCause(causes, "status.updatedReplicas", FieldErrors.INVALID, "must be less than or equal to status.replicas (2)");
        assertCause(causes, "status.observedGeneration", FieldErrors.INVALID, "cannot be greater than metadata.generation (2)");
        assertThat(causes).hasSize(5);
    }

    @Test
    void availableNeverExceedsReady() {
        StatefulSet old = stored();
        StatefulSet updated = withStatus(old, s -> s.setReplicas(3).setReadyReplicas(1).setAvailableReplicas(2));
        assertOnlyCause(statusUpdateRejected(updated, old), "status.availableReplicas", FieldErrors.INVALID,
                "must be less than or equal to status.readyReplicas (1)");
    }

    @Test
    void collisionCountNeverDecreases() {
        StatefulSet old = withStatus(stored(), s -> s.setCollisionCount(2));
        assertOnlyCause(statusUpdateRejected(withStatus(old, s -> s.setCollisionCount(1)), old),
                "status.collisionCount", FieldErrors.INVALID, "cannot be decremented (was 2)");
        assertThat(updateStatus(withStatus(old, s -> s.setCollisionCount(3)), old).getStatus().getCollisionCount()).isEqualTo(3);
    }
}

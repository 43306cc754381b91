package dev.ordinal.apiserver.storage;

import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.apiserver.admission.Admission;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.ApiObjects;
import dev.ordinal.client.api.Kind;
import io.grpc.Status;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The per-verb decisions, without a database: what is stored, logged and answered. */
class WriteRulesTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private final Admission admission = new Admission();
    private final WriteRules rules = new WriteRules(admission, 10_000);
    private final Map<ObjectKey, Object> state = new HashMap<>();
    private long version = 100;

    private WriteRules.Decision apply(Write write) {
        WriteRules.Decision d = rules.decide(write, state::get, version + 1, NOW);
        if (d.change() != WriteRules.Change.NONE) {
            version++;
            if (d.stored() == null) {
                state.remove(write.key());
            } else {
                state.put(write.key(), d.stored());
            }
        }
        return d;
    }

    private static ObjectKey pod(String name) {
        return new ObjectKey(Kind.POD, "ns", name);
    }

    private Object createPod(String name, PodSpec.Builder spec) {
        state.putIfAbsent(new ObjectKey(Kind.NAMESPACE, "", "ns"), ApiClient.namespace("ns"));
        // Admitted first (validated and defaulted), as ObjectStore.create does before the batcher.
        return apply(new Write.Create(pod(name), admission.admitCreate(ApiClient.withPodSpec(ApiClient.pod("ns", name), spec))))
                .stored();
    }

    @Test
    void aSecondUpdateFromTheSameVersionConflictsAsIfSequential() {
        Object created = createPod("a", PodSpec.newBuilder());
        Object first = ApiObjects.withMeta(created, ApiObjects.meta(created).toBuilder().putLabels("x", "1").build());
        Object second = ApiObjects.withMeta(created, ApiObjects.meta(created).toBuilder().putLabels("x", "2").build());
        assertThat(apply(new Write.Update(pod("a"), first)).change()).isEqualTo(WriteRules.Change.MODIFIED);
        ApiException e = catchThrowableOfType(ApiException.class, () -> apply(new Write.Update(pod("a"), second)));
        assertThat(e.code()).isEqualTo(Status.Code.ABORTED);
        assertThat(ApiObjects.meta(state.get(pod("a"))).getLabelsMap()).containsEntry("x", "1");
    }

    @Test
    void anUpdateCarryingTheUidOfAnEarlierObjectOfTheSameNameConflictsAndChangesNothing() {
        Object old = createPod("web-0", PodSpec.newBuilder());
        state.remove(pod("web-0")); // deleted, then recreated by its controller under the same name
        Object recreated = createPod("web-0", PodSpec.newBuilder());
        // A node agent that was cut off reports the old pod Failed, without a resourceVersion.
        Object staleStatus = ApiObjects.withMeta(Object.newBuilder(old).setPod(old.getPod().toBuilder()
                .setStatus(old.getPod().getStatus().toBuilder().setPhase("Failed").setReason("NodeFenced"))).build(),
                ApiObjects.meta(old).toBuilder().clearResourceVersion().build());
        ApiException e = catchThrowableOfType(ApiException.class, () -> apply(new Write.UpdateStatus(pod("web-0"), staleStatus)));
        assertThat(e.code()).isEqualTo(Status.Code.ABORTED);
        assertThat(e.getMessage()).contains("Precondition failed: UID in precondition: " + ApiObjects.meta(old).getUid());
        Object staleLabels = ApiObjects.withMeta(old, ApiObjects.meta(old).toBuilder().clearResourceVersion().putLabels("x", "1").build());
        assertThat(catchThrowableOfType(ApiException.class, () -> apply(new Write.Update(pod("web-0"), staleLabels))).code())
                .isEqualTo(Status.Code.ABORTED);
        assertThat(state.get(pod("web-0"))).isEqualTo(recreated);

        // Without a uid, or with the current one, the write goes through.
        Object current = ApiObjects.withMeta(recreated, ApiObjects.meta(recreated).toBuilder().putLabels("x", "1").build());
        assertThat(apply(new Write.Update(pod("web-0"), current)).change()).isEqualTo(WriteRules.Change.MODIFIED);
    }

    @Test
    void bindingAPodMarksItScheduledInTheSameWrite() {
        Object created = createPod("web-0", PodSpec.newBuilder());
        Object bound = Object.newBuilder(created).setPod(created.getPod().toBuilder()
                .setSpec(created.getPod().getSpec().toBuilder().setNodeName("node-1"))).build();
        Object stored = apply(new Write.Update(pod("web-0"), bound)).stored();
        assertThat(stored.getPod().getSpec().getNodeName()).isEqualTo("node-1");
        assertThat(stored.getPod().getStatus().getConditionsList())
                .filteredOn(c -> c.getType().equals("PodScheduled"))
                .singleElement()
                .satisfies(c -> {
                    assertThat(c.getStatus()).isEqualTo("True");
                    assertThat(c.getLastTransitionTime().getSeconds()).isEqualTo(NOW.getEpochSecond());
                });

        // Later updates of a bound pod leave the condition to its owners.
        Object relabelled = ApiObjects.withMeta(stored, ApiObjects.meta(stored).toBuilder().putLabels("x", "1").build());
        Object again = apply(new Write.Update(pod("web-0"), relabelled)).stored();
        assertThat(again.getPod().getStatus()).isEqualTo(stored.getPod().getStatus());
    }

    @Test
    void aRefusedWriteConsumesNoVersion() {
        createPod("a", PodSpec.newBuilder());
        long before = version;
        catchThrowableOfType(ApiException.class, () -> apply(new Write.Create(pod("a"), ApiClient.pod("ns", "a"))));
        assertThat(version).isEqualTo(before);
    }

    @Test
    void aBoundPodsGraceComesFromTheRequestThenTheSpecThenThirtySeconds() {
        createPod("spec", PodSpec.newBuilder().setNodeName("n").setTerminationGracePeriodSeconds(45));
        createPod("default", PodSpec.newBuilder().setNodeName("n"));
        createPod("request", PodSpec.newBuilder().setNodeName("n").setTerminationGracePeriodSeconds(45));
        assertThat(graceAfterDelete("spec", OptionalLong.empty())).isEqualTo(45);
        assertThat(graceAfterDelete("default", OptionalLong.empty())).isEqualTo(30);
        assertThat(graceAfterDelete("request", OptionalLong.of(3))).isEqualTo(3);
        assertThat(ApiObjects.meta(state.get(pod("request"))).getDeletionTimestamp().getSeconds())
                .isEqualTo(NOW.getEpochSecond() + 3);
    }

    private long graceAfterDelete(String name, OptionalLong grace) {
        WriteRules.Decision d = apply(new Write.Delete(pod(name), "", "", grace, ""));
        assertThat(d.result().removed()).isFalse();
        return ApiObjects.meta(d.stored()).getDeletionGracePeriodSeconds();
    }

    @Test
    void aBoundPodWhoseContainersFinishedIsRemovedAtOnce() {
        for (String phase : new String[] {"Succeeded", "Failed"}) {
            String name = phase.toLowerCase(java.util.Locale.ROOT);
            Object created = createPod(name, PodSpec.newBuilder().setNodeName("n"));
            Object finished = created.toBuilder().setPod(created.getPod().toBuilder()
                    .setStatus(created.getPod().getStatus().toBuilder().setPhase(phase))).build();
            state.put(pod(name), finished);
            WriteRules.Decision d = apply(new Write.Delete(pod(name), "", "", OptionalLong.empty(), ""));
            assertThat(d.result().removed()).as(phase).isTrue();
            assertThat(state).doesNotContainKey(pod(name));
        }
    }

    @Test
    void aRemovalLogsTheLastStateAtTheDeletionsVersion() {
        createPod("gone", PodSpec.newBuilder());
        WriteRules.Decision d = apply(new Write.Delete(pod("gone"), "", "", OptionalLong.empty(), ""));
        assertThat(d.change()).isEqualTo(WriteRules.Change.DELETED);
        assertThat(d.stored()).isNull();
        assertThat(ApiObjects.resourceVersion(d.result().object())).isEqualTo(version);
        assertThat(state).doesNotContainKey(pod("gone"));
    }

    @Test
    void objectsOverTheSizeLimitAreRefused() {
        state.put(new ObjectKey(Kind.NAMESPACE, "", "ns"), ApiClient.namespace("ns"));
        Object big = ApiObjects.withMeta(ApiClient.pod("ns", "big"), ApiClient.meta("ns", "big").putAnnotations("a", "x".repeat(20_000)).build());
        ApiException e = catchThrowableOfType(ApiException.class, () -> apply(new Write.Create(pod("big"), big)));
        assertThat(e.reason()).isEqualTo("RequestEntityTooLarge");
    }
}

package dev.ordinal.controllermanager.namespace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.api.v1.Condition;
import dev.ordinal.api.v1.Namespace;
import dev.ordinal.api.v1.NamespaceSpec;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.api.Times;
import dev.ordinal.controllermanager.namespace.NamespaceTermination.Content;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class NamespaceTerminationTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final Namespace ns = Namespace.newBuilder()
            .setMetadata(ObjectMeta.newBuilder().setName("team-a").setDeletionTimestamp(Times.timestamp(T0)))
            .setSpec(NamespaceSpec.newBuilder().addFinalizers("kubernetes")).build();

    private static Content content(Kind kind, String name, boolean deleting, String... finalizers) {
        ObjectMeta.Builder m = ObjectMeta.newBuilder().setNamespace("team-a").setName(name).setUid(name + "-uid")
                .addAllFinalizers(List.of(finalizers));
        if (deleting) {
            m.setDeletionTimestamp(Times.timestamp(T0));
        }
        return new Content(kind, m.build());
    }

    @Test
    void deletesWhatIsNotYetGoingAndReportsWhatRemains() {
        Content pod = content(Kind.POD, "web-0", true);
        Content pvc = content(Kind.PERSISTENT_VOLUME_CLAIM, "data-web-0", false);
        Content sts = content(Kind.STATEFUL_SET, "web", true, "foregroundDeletion");

        NamespaceTermination.Plan plan = NamespaceTermination.plan(ns, List.of(pod, pvc, sts), T0);

        assertThat(plan.toDelete()).containsExactly(pvc);
        assertThat(plan.removeFinalizer()).isFalse();
        assertThat(plan.status().getPhase()).isEqualTo("Terminating");
        assertThat(plan.status().getConditionsList()).filteredOn(c -> c.getType().equals(NamespaceTermination.CONTENT_REMAINING))
                .singleElement().satisfies(c -> {
                    assertThat(c.getStatus()).isEqualTo("True");
                    assertThat(c.getMessage()).isEqualTo("Some resources are remaining: persistentvolumeclaims. has 1 resource "
                            + "instances, pods. has 1 resource instances, statefulsets.apps has 1 resource instances");
                });
        assertThat(plan.status().getConditionsList()).filteredOn(c -> c.getType().equals(NamespaceTermination.FINALIZERS_REMAINING))
                .singleElement().extracting(Condition::getMessage)
                .isEqualTo("Some content in the namespace has finalizers remaining: foregroundDeletion in 1 resource instances");
    }

    @Test
    void anEmptyNamespaceLosesItsFinalizerAndARepeatedPlanIsStable() {
        NamespaceTermination.Plan plan = NamespaceTermination.plan(ns, List.of(), T0);
        assertThat(plan.removeFinalizer()).isTrue();
        assertThat(plan.toDelete()).isEmpty();

        Namespace written = ns.toBuilder().setStatus(plan.status()).build();
        NamespaceTermination.Plan again = NamespaceTermination.plan(written, List.of(), T0.plusSeconds(5));
        assertThat(again.status()).isEqualTo(written.getStatus()); // no status write when nothing changed
    }
}

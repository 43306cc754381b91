package dev.ordinal.controllermanager.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ordinal.controllermanager.node.NodeLifecycle.NodeAction;
import dev.ordinal.controllermanager.node.NodeLifecycle.NodeView;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The node lifecycle decisions from plain observations: when a node is lost, when its pods may go. */
class NodeLifecycleTest {
    final NodeTimings t = NodeTimings.defaults(); // grace 8s, fence-after 15s, margin 5s

    NodeView view(long secondsSinceRenewal, String ready, boolean tainted, boolean outOfService, int pods) {
        return new NodeView("n1", Duration.ofSeconds(secondsSinceRenewal), ready, tainted, tainted, outOfService, pods, 0);
    }

    @Test
    void aNodeRenewingItsLeaseIsLeftAlone() {
        assertThat(NodeLifecycle.decide(view(2, "True", false, false, 3), t, true).any()).isFalse();
    }

    @Test
    void afterTheGracePeriodTheNodeIsUnknownAndTaintedButItsPodsStay() {
        NodeAction a = NodeLifecycle.decide(view(8, "True", false, false, 3), t, true);
        assertThat(a.markUnknown()).isTrue();
        assertThat(a.addUnreachableTaints()).isTrue();
        assertThat(a.deletePods()).isFalse();
        assertThat(a.reason()).contains("has not renewed its Lease for 8.0s");
    }

    @Test
    void alreadyMarkedAndTaintedNeedsNothingMoreUntilTheFenceHasSurelyHappened() {
        assertThat(NodeLifecycle.decide(view(19, "Unknown", true, false, 3), t, true).any()).isFalse();
    }

    @Test
    void podsAreDeletedOnlyOnceFenceAfterPlusTheMarginHasPassed() {
        NodeAction a = NodeLifecycle.decide(view(20, "Unknown", true, false, 3), t, true);
        assertThat(a.deletePods()).isTrue();
        assertThat(a.markUnknown()).isFalse();
        assertThat(a.reason()).contains("fences its pods after 15.0s").contains("margin of 5.0s");
    }

    @Test
    void nothingToDeleteMeansNoDeletion() {
        assertThat(NodeLifecycle.decide(view(60, "Unknown", true, false, 0), t, true).any()).isFalse();
    }

    @Test
    void evictionCanBeTurnedOff() {
        assertThat(NodeLifecycle.decide(view(60, "Unknown", true, false, 3), t, false).deletePods()).isFalse();
    }

    @Test
    void theOutOfServiceTaintForcesDeletionAtOnce() {
        NodeAction a = NodeLifecycle.decide(view(1, "True", false, true, 2), t, true);
        assertThat(a.deletePods()).isTrue();
        assertThat(a.markUnknown()).isFalse();
        assertThat(a.reason()).contains("node.kubernetes.io/out-of-service");
    }

    @Test
    void aNodeThatRenewsAgainLosesTheUnreachableTaints() {
        NodeAction a = NodeLifecycle.decide(view(1, "Unknown", true, false, 3), t, true);
        assertThat(a.removeUnreachableTaints()).isTrue();
        assertThat(a.deletePods()).isFalse();
    }

    @Test
    void settingsThatWouldReplacePodsBeforeTheirAgentKilledThemAreRefused() {
        assertThatThrownBy(() -> new NodeTimings(Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofSeconds(15), Duration.ZERO))
                .hasMessageContaining("clock-skew-margin").hasMessageContaining("at least 1s");
        assertThatThrownBy(() -> new NodeTimings(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(15), Duration.ofSeconds(5)))
                .hasMessageContaining("monitor-grace-period").hasMessageContaining("must not exceed agent-fence-after + clock-skew-margin");
        assertThatThrownBy(() -> new NodeTimings(Duration.ofSeconds(5), Duration.ofSeconds(8), Duration.ofSeconds(15), Duration.ofSeconds(5)))
                .hasMessageContaining("at least twice monitor-period");
        assertThat(NodeTimings.defaults().evictionDelay()).isEqualTo(Duration.ofSeconds(20));
    }
}

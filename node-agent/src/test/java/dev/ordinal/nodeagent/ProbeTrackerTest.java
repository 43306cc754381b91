package dev.ordinal.nodeagent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.api.v1.Probe;
import dev.ordinal.nodeagent.probe.ProbeResult;
import dev.ordinal.nodeagent.probe.ProbeTracker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Probe timing and thresholds as the kubelet's probe worker applies them. */
class ProbeTrackerTest {
    static final long S = Duration.ofSeconds(1).toNanos();

    @Test
    void firstRunAfterTheInitialDelayThenEveryPeriod() {
        ProbeTracker t = new ProbeTracker(Probe.newBuilder().setInitialDelaySeconds(5).setPeriodSeconds(2).build(), 0, false);
        assertThat(t.due(4 * S)).isFalse();
        assertThat(t.due(5 * S)).isTrue();
        t.started(5 * S);
        assertThat(t.due(6 * S)).as("one run at a time").isFalse();
        t.record(ProbeResult.ok(), 5 * S);
        assertThat(t.nextDue()).isEqualTo(7 * S);
    }

    @Test
    void resultFlipsOnlyAfterTheThresholds() {
        ProbeTracker t = new ProbeTracker(Probe.newBuilder().setSuccessThreshold(2).setFailureThreshold(3).build(), 0, false);
        assertThat(t.record(ProbeResult.ok(), 1)).isFalse();
        assertThat(t.result()).isFalse();
        assertThat(t.record(ProbeResult.ok(), 2)).isTrue();
        assertThat(t.result()).isTrue();
        t.record(ProbeResult.failed("x"), 3);
        t.record(ProbeResult.failed("x"), 4);
        assertThat(t.result()).isTrue();
        t.record(ProbeResult.failed("connection refused"), 5);
        assertThat(t.result()).isFalse();
        assertThat(t.failedThreshold()).isTrue();
        assertThat(t.lastMessage()).isEqualTo("connection refused");
    }

    @Test
    void kubernetesDefaultsApplyToUnsetFields() {
        ProbeTracker t = new ProbeTracker(Probe.getDefaultInstance(), 0, true);
        assertThat(t.period()).isEqualTo(10 * S);
        assertThat(t.timeout()).isEqualTo(Duration.ofSeconds(1));
        t.record(ProbeResult.failed("a"), 1);
        t.record(ProbeResult.failed("b"), 2);
        assertThat(t.result()).isTrue();
        t.record(ProbeResult.failed("c"), 3);
        assertThat(t.result()).isFalse();
    }
}

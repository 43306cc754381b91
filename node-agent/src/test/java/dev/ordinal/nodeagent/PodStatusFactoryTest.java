package dev.ordinal.nodeagent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodCondition;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.PodStatus;
import dev.ordinal.nodeagent.runtime.ContainerInstance;
import dev.ordinal.nodeagent.runtime.InstanceState;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Phase and conditions from what the agent observed, by the kubelet's rules. */
class PodStatusFactoryTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    static ContainerInstance instance(int n) {
        return new ContainerInstance() {
            public String podUid() {
                return "u";
            }

            public String container() {
                return "main";
            }

            public int instance() {
                return n;
            }

            public Instant startedAt() {
                return T0;
            }

            public String containerId() {
                return "process://u/main/" + n;
            }
        };
    }

    static PodState state(String restartPolicy) {
        Pod pod = Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("p").setNamespace("d").setUid("u"))
                .setSpec(PodSpec.newBuilder().setRestartPolicy(restartPolicy).addContainers(Container.newBuilder().setName("main")))
                .build();
        PodState st = new PodState(pod, new LocalNode("n"));
        st.containers.put("main", new PodState.ContainerRun(pod.getSpec().getContainers(0)));
        st.podIp = "127.64.0.5";
        st.startTime = T0;
        return st;
    }

    static String condition(PodStatus s, String type) {
        return s.getConditionsList().stream().filter(c -> c.getType().equals(type)).map(PodCondition::getStatus).findFirst().orElse("");
    }

    @Test
    void pendingUntilTheContainerRunsThenRunningAndReady() {
        PodState st = state("Always");
        PodStatus pending = PodStatusFactory.build(st, null, "127.0.0.1", T0);
        assertThat(pending.getPhase()).isEqualTo("Pending");
        assertThat(pending.getContainerStatuses(0).getState().getWaiting().getReason()).isEqualTo("ContainerCreating");
        assertThat(condition(pending, "PodScheduled")).isEqualTo("True");
        assertThat(condition(pending, "Ready")).isEqualTo("False");

        PodState.ContainerRun c = st.containers.get("main");
        c.current = instance(0);
        c.runningSinceNanos = 1;
        c.started = true;
        c.ready = true;
        PodStatus running = PodStatusFactory.build(st, pending, "127.0.0.1", T0.plusSeconds(1));
        assertThat(running.getPhase()).isEqualTo("Running");
        assertThat(running.getPodIp()).isEqualTo("127.64.0.5");
        assertThat(running.getPodIps(0).getIp()).isEqualTo("127.64.0.5");
        assertThat(condition(running, "ContainersReady")).isEqualTo("True");
        assertThat(condition(running, "Ready")).isEqualTo("True");
        // PodScheduled did not change: its transition time stays.
        assertThat(running.getConditions(0).getLastTransitionTime()).isEqualTo(pending.getConditions(0).getLastTransitionTime());

        st.terminating = true;
        PodStatus terminating = PodStatusFactory.build(st, running, "127.0.0.1", T0.plusSeconds(2));
        assertThat(condition(terminating, "Ready")).isEqualTo("False");
        assertThat(terminating.getContainerStatuses(0).getReady()).isFalse();
    }

    @Test
    void crashLoopShowsWaitingWithTheLastTermination() {
        PodState st = state("Always");
        PodState.ContainerRun c = st.containers.get("main");
        c.lastExit = new InstanceState.Exited(3, 0, "Error", "", T0, T0.plusSeconds(1));
        c.restartCount = 2;
        c.waitingReason = "CrashLoopBackOff";
        PodStatus s = PodStatusFactory.build(st, null, "127.0.0.1", T0);
        assertThat(s.getPhase()).isEqualTo("Running");
        assertThat(s.getContainerStatuses(0).getState().getWaiting().getReason()).isEqualTo("CrashLoopBackOff");
        assertThat(s.getContainerStatuses(0).getLastState().getTerminated().getExitCode()).isEqualTo(3);
        assertThat(s.getContainerStatuses(0).getRestartCount()).isEqualTo(2);
    }

    @Test
    void terminalPhasesFollowExitCodes() {
        PodState ok = state("Never");
        ok.containers.get("main").lastExit = new InstanceState.Exited(0, 0, "Completed", "", T0, T0);
        ok.containers.get("main").terminal = true;
        assertThat(PodStatusFactory.build(ok, null, "", T0).getPhase()).isEqualTo("Succeeded");
        PodState bad = state("OnFailure");
        bad.containers.get("main").lastExit = new InstanceState.Exited(137, 9, "Error", "", T0, T0);
        bad.containers.get("main").terminal = true;
        assertThat(PodStatusFactory.build(bad, null, "", T0).getPhase()).isEqualTo("Failed");
        PodState fenced = state("Always");
        fenced.failedReason = "NodeFenced";
        fenced.failedMessage = "node n could not renew its Lease";
        PodStatus s = PodStatusFactory.build(fenced, null, "", T0);
        assertThat(s.getPhase()).isEqualTo("Failed");
        assertThat(s.getReason()).isEqualTo("NodeFenced");
    }

    @Test
    void initContainersAreReportedAndThePodIsInitializedOnlyOnceEveryOneCompleted() {
        PodState st = state("Always");
        Container init = Container.newBuilder().setName("setup").build();
        PodState.ContainerRun setup = new PodState.ContainerRun(init, true);
        setup.waitingReason = "PodInitializing";
        st.initContainers.put("setup", setup);
        st.containers.get("main").waitingReason = "PodInitializing";

        PodStatus waiting = PodStatusFactory.build(st, null, "127.0.0.1", T0);
        assertThat(waiting.getPhase()).isEqualTo("Pending");
        assertThat(condition(waiting, "Initialized")).isEqualTo("False");
        assertThat(waiting.getConditionsList()).filteredOn(c -> c.getType().equals("Initialized")).singleElement()
                .satisfies(c -> {
                    assertThat(c.getReason()).isEqualTo("ContainersNotInitialized");
                    assertThat(c.getMessage()).isEqualTo("containers with incomplete status: [setup]");
                });
        assertThat(waiting.getInitContainerStatusesList()).singleElement().satisfies(cs -> {
            assertThat(cs.getName()).isEqualTo("setup");
            assertThat(cs.getReady()).isFalse();
        });
        assertThat(waiting.getContainerStatuses(0).getState().getWaiting().getReason()).isEqualTo("PodInitializing");

        setup.lastExit = new InstanceState.Exited(0, 0, "Completed", "", T0, T0.plusSeconds(1));
        setup.lastExitContainerId = "process://u/setup/0";
        setup.terminal = true;
        st.initialized = true;
        PodStatus done = PodStatusFactory.build(st, waiting, "127.0.0.1", T0.plusSeconds(1));
        assertThat(condition(done, "Initialized")).isEqualTo("True");
        assertThat(done.getInitContainerStatuses(0).getReady()).isTrue();
        assertThat(done.getInitContainerStatuses(0).getState().getTerminated().getReason()).isEqualTo("Completed");
        assertThat(done.getPhase()).isEqualTo("Pending"); // the app container has not started yet
    }
}

package dev.ordinal.scheduler;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** All scheduler settings, under {@code ordinal.scheduler}; each overridable by environment variable. */
@ConfigMapping(prefix = "ordinal.scheduler")
public interface SchedulerConfig {
    /** Address health and metrics listen on. */
    @WithDefault("127.0.0.1")
    String host();

    /** Port of health and metrics (kube-scheduler's secure port is 10259). */
    @WithDefault("10259")
    int httpPort();

    /** The api-server's gRPC address. */
    @WithDefault("127.0.0.1:6443")
    String apiServer();

    /** Pods naming this {@code spec.schedulerName} (or none) are ours. */
    @WithDefault("default-scheduler")
    String schedulerName();

    /** Share of nodes to find feasible before scoring; 0 = Kubernetes' adaptive default, 100 = all. */
    @WithDefault("0")
    int percentageOfNodesToScore();

    /** Bindings written to the api-server at once. */
    @WithDefault("32")
    int bindParallelism();

    /** Retry timing of pods that did not fit. */
    Backoff backoff();

    /** Which of several scheduler processes binds. */
    LeaderElection leaderElection();

    interface Backoff {
        /** Wait after a pod's first failed attempt (doubling per further failure). */
        @WithDefault("1s")
        Duration initial();

        /** Longest wait between attempts of one pod. */
        @WithDefault("10s")
        Duration max();

        /** Longest an unschedulable pod waits for a relevant change before it is tried again anyway. */
        @WithDefault("5m")
        Duration maxUnschedulable();
    }

    interface LeaderElection {
        /** Off: this process schedules at once, alone (for tests and single-process setups). */
        @WithDefault("true")
        boolean enabled();

        @WithDefault("kube-system")
        String namespace();

        @WithDefault("ordinal-scheduler")
        String name();

        /** This candidate's name in the Lease; default host name and process id. */
        Optional<String> identity();

        @WithDefault("15s")
        Duration leaseDuration();

        @WithDefault("10s")
        Duration renewDeadline();

        @WithDefault("2s")
        Duration retryPeriod();
    }
}

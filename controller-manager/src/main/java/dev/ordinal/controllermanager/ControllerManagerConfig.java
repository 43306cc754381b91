package dev.ordinal.controllermanager;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Settings of the controller-manager ({@code ordinal.controller-manager.*}); every key is listed in docs/configuration.md. */
@ConfigMapping(prefix = "ordinal.controller-manager")
public interface ControllerManagerConfig {
    /** Address health and metrics listen on (read by application.properties). */
    @WithDefault("127.0.0.1")
    String host();

    /** Port of health and metrics (read by application.properties). */
    @WithDefault("10257")
    int httpPort();

    /** gRPC target of the api-server. */
    @WithDefault("127.0.0.1:6443")
    String apiServer();

    /**
     * Which controllers run, as kube-controller-manager's {@code --controllers}: {@code *} is every
     * controller, {@code name} adds one, {@code -name} removes one ({@code *,-garbage-collector}).
     */
    @WithDefault("*")
    List<String> controllers();

    /** How long to wait for the informer caches before logging that they are still not synced. */
    @WithDefault("30s")
    Duration cacheSyncWarning();

    LeaderElection leaderElection();

    /** Leader election on a Lease, as kube-controller-manager's {@code --leader-elect*} flags. */
    interface LeaderElection {
        /** false: act at once without a Lease (only one process may then run). */
        @WithDefault("true")
        boolean enabled();

        @WithDefault("kube-system")
        String namespace();

        @WithDefault("ordinal-controller-manager")
        String leaseName();

        /** How long the others wait after the last renewal before taking over (whole seconds). */
        @WithDefault("15s")
        Duration leaseDuration();

        /** How long the leader keeps trying to renew before it stops acting; less than lease-duration. */
        @WithDefault("10s")
        Duration renewDeadline();

        /** Interval between tries to acquire or renew; less than renew-deadline. */
        @WithDefault("2s")
        Duration retryPeriod();

        /** This process's holderIdentity; default {@code <hostname>_<pid>}. */
        Optional<String> identity();
    }
}

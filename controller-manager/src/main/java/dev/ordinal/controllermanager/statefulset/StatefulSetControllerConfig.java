package dev.ordinal.controllermanager.statefulset;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Settings of the StatefulSet controller, under {@code ordinal.controller-manager.statefulset}. */
@ConfigMapping(prefix = "ordinal.controller-manager.statefulset")
public interface StatefulSetControllerConfig {
    /** Worker threads syncing StatefulSets (one set is never synced by two at once). */
    @WithDefault("4")
    int workers();

    /** How long a create or delete may stay unseen by the informer caches before it is no longer waited for. */
    @WithDefault("5m")
    Duration expectationsTimeout();

    /** Defaults for code that builds the controller without Quarkus (tests, benchmarks). */
    static StatefulSetControllerConfig defaults() {
        return new StatefulSetControllerConfig() {
            @Override
            public int workers() {
                return 4;
            }

            @Override
            public Duration expectationsTimeout() {
                return Duration.ofMinutes(5);
            }
        };
    }
}

package dev.ordinal.controllermanager;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;

/**
 * Prometheus metrics every controller shares, as kube-controller-manager's workqueue metrics:
 * {@code ordinal_controller_queue_depth}, {@code ordinal_controller_syncs_total} (by result) and
 * {@code ordinal_controller_sync_seconds}, each tagged with the controller's name. A gauge outlives
 * leadership terms: each term points it at its new queue.
 */
@ApplicationScoped
public class ControllerMetrics {
    private final MeterRegistry registry;
    private final Map<String, AtomicReference<IntSupplier>> depths = new ConcurrentHashMap<>();

    @Inject
    public ControllerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Metrics kept in memory only, for tests and tools. */
    public static ControllerMetrics inMemory() {
        return new ControllerMetrics(new SimpleMeterRegistry());
    }

    /** Makes the queue-depth gauge of {@code controller} read {@code depth} from now on. */
    public void trackQueue(String controller, IntSupplier depth) {
        depths.computeIfAbsent(controller, name -> {
            AtomicReference<IntSupplier> ref = new AtomicReference<>(() -> 0);
            Gauge.builder("ordinal_controller_queue_depth", ref, r -> r.get().getAsInt())
                    .description("keys waiting in the controller's work queue")
                    .tag("controller", name).register(registry);
            return ref;
        }).set(depth);
    }

    /** Counts one sync of {@code controller} and its duration. */
    public void recordSync(String controller, boolean success, Duration took) {
        Counter.builder("ordinal_controller_syncs_total").description("reconciles run, by result")
                .tag("controller", controller).tag("result", success ? "success" : "error")
                .register(registry).increment();
        Timer.builder("ordinal_controller_sync_seconds").description("time one reconcile took")
                .tag("controller", controller).register(registry).record(took);
    }

    /** Syncs counted so far for {@code controller} with the given result. */
    public double syncs(String controller, boolean success) {
        Counter c = registry.find("ordinal_controller_syncs_total").tag("controller", controller)
                .tag("result", success ? "success" : "error").counter();
        return c == null ? 0 : c.count();
    }
}

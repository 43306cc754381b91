package dev.ordinal.controllermanager;

import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.events.ApiEventRecorder;
import dev.ordinal.client.events.EventRecorder;
import dev.ordinal.client.informer.SharedInformerFactory;
import dev.ordinal.client.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Runs controllers for one term the way {@link ControllerManager} does (register, start the
 * informers, wait for the caches, run), against any client: FakeApi or the real api-server.
 */
public final class ControllerHarness implements AutoCloseable {
    private final SharedInformerFactory informers;
    private final List<Controller> controllers;
    private final List<AutoCloseable> closeables = new java.util.concurrent.CopyOnWriteArrayList<>();

    private ControllerHarness(SharedInformerFactory informers, List<Controller> controllers) {
        this.informers = informers;
        this.controllers = controllers;
    }

    public static ControllerHarness start(OrdinalClient client, Controller... controllers) throws InterruptedException {
        return start(client, c -> EventRecorder.discarding(), controllers);
    }

    /** With {@code recordEvents}, the controllers' Events are written to the API as the manager does. */
    public static ControllerHarness start(OrdinalClient client, boolean recordEvents, Controller... controllers) throws InterruptedException {
        if (!recordEvents) {
            return start(client, controllers);
        }
        java.util.Map<String, ApiEventRecorder> recorders = new java.util.concurrent.ConcurrentHashMap<>();
        ControllerHarness harness = start(client,
                c -> recorders.computeIfAbsent(c, name -> new ApiEventRecorder(client, name, "test", Clock.system())), controllers);
        harness.closeables.add(() -> recorders.values().forEach(ApiEventRecorder::close));
        return harness;
    }

    /** As {@link #start(OrdinalClient, Controller...)}, recording events through {@code recorders} (by component). */
    public static ControllerHarness start(OrdinalClient client, java.util.function.Function<String, EventRecorder> recorders,
            Controller... controllers) throws InterruptedException {
        SharedInformerFactory informers = new SharedInformerFactory(client);
        ControllerContext context = new ControllerContext(client, informers, recorders, Clock.system());
        for (Controller c : controllers) {
            c.register(context);
        }
        informers.start();
        if (!informers.waitForCacheSync(Duration.ofSeconds(30))) {
            throw new IllegalStateException("caches did not sync");
        }
        for (Controller c : controllers) {
            c.run();
        }
        return new ControllerHarness(informers, List.of(controllers));
    }

    @Override
    public void close() {
        controllers.forEach(Controller::stop);
        informers.shutdown();
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}

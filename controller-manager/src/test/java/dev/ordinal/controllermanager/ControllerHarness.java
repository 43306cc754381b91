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
    private final java.util.Map<String, ApiEventRecorder> recorders;

    private ControllerHarness(SharedInformerFactory informers, List<Controller> controllers, java.util.Map<String, ApiEventRecorder> recorders) {
        this.informers = informers;
        this.controllers = controllers;
        this.recorders = recorders;
    }

    public static ControllerHarness start(OrdinalClient client, Controller... controllers) throws InterruptedException {
        return start(client, false, controllers);
    }

    /** With {@code recordEvents}, the controllers' Events are written to the API as the manager does. */
    public static ControllerHarness start(OrdinalClient client, boolean recordEvents, Controller... controllers) throws InterruptedException {
        SharedInformerFactory informers = new SharedInformerFactory(client);
        java.util.Map<String, ApiEventRecorder> recorders = new java.util.concurrent.ConcurrentHashMap<>();
        ControllerContext context = new ControllerContext(client, informers, c -> recordEvents
                ? recorders.computeIfAbsent(c, name -> new ApiEventRecorder(client, name, "test", Clock.system()))
                : EventRecorder.discarding(), Clock.system());
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
        return new ControllerHarness(informers, List.of(controllers), recorders);
    }

    @Override
    public void close() {
        controllers.forEach(Controller::stop);
        informers.shutdown();
        recorders.values().forEach(ApiEventRecorder::close);
    }
}

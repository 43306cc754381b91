package dev.ordinal.controllermanager;

import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.events.EventRecorder;
import dev.ordinal.client.informer.SharedInformerFactory;
import dev.ordinal.client.time.Clock;
import java.util.function.Function;

/**
 * What a {@link Controller} gets for one leadership term: the API client, the shared informer
 * factory (one watch per kind for all controllers), an event recorder per component name
 * (Kubernetes' {@code source.component}, e.g. {@code statefulset-controller}) and the clock.
 */
public record ControllerContext(
        OrdinalClient client,
        SharedInformerFactory informers,
        Function<String, EventRecorder> recorders,
        Clock clock) {

    public EventRecorder recorder(String component) {
        return recorders.apply(component);
    }
}

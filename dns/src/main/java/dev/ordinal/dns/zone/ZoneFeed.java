package dev.ordinal.dns.zone;

import dev.ordinal.api.v1.Endpoints;
import dev.ordinal.api.v1.Namespace;
import dev.ordinal.api.v1.Service;
import dev.ordinal.client.ObjectKey;
import dev.ordinal.client.informer.ResourceEventHandler;
import dev.ordinal.client.informer.SharedIndexInformer;
import dev.ordinal.client.informer.SharedInformerFactory;
import dev.ordinal.client.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Keeps a {@link ZoneView} current from Service, Endpoints and Namespace informers (spec dns.md §6).
 * Handlers recompute the one Service a change touches from the informer caches and swap in a new
 * snapshot; readers call {@link #view()} and never wait.
 */
public final class ZoneFeed implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ZoneFeed.class);
    /** Set by Kubernetes' Endpoints controller; used to measure DNS programming latency when present. */
    public static final String TRIGGER_TIME_ANNOTATION = "endpoints.kubernetes.io/last-change-trigger-time";

    private final String zone;
    private final Clock clock;
    private final SharedIndexInformer<Service> services;
    private final SharedIndexInformer<Endpoints> endpoints;
    private final SharedIndexInformer<Namespace> namespaces;
    private final Consumer<Duration> programmingLatency;
    private final Object lock = new Object();
    private volatile ZoneView view;

    public ZoneFeed(String zone, SharedInformerFactory informers, Clock clock, Consumer<Duration> programmingLatency) {
        this.zone = zone;
        this.clock = clock;
        this.programmingLatency = programmingLatency;
        this.view = ZoneView.unsynced(zone);
        this.services = informers.informerFor(Service.class);
        this.endpoints = informers.informerFor(Endpoints.class);
        this.namespaces = informers.informerFor(Namespace.class);
        services.addEventHandler(ResourceEventHandler.onAnyChange(s -> refresh(ObjectKey.of(s))));
        endpoints.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Endpoints e) {
                refresh(ObjectKey.of(e));
                observe(e);
            }

            @Override
            public void onUpdate(Endpoints old, Endpoints e) {
                refresh(ObjectKey.of(e));
                observe(e);
            }

            @Override
            public void onDelete(Endpoints e) {
                refresh(ObjectKey.of(e));
            }
        });
        namespaces.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Namespace n) {
                refreshNamespaces();
            }

            @Override
            public void onDelete(Namespace n) {
                refreshNamespaces();
            }
        });
        CompletableFuture.allOf(services.synced(), endpoints.synced(), namespaces.synced())
                .thenRunAsync(this::buildAll);
    }

    /** The current snapshot; never blocks. */
    public ZoneView view() {
        return view;
    }

    /** True once the first complete lists of Services, Endpoints and Namespaces are in the view. */
    public boolean synced() {
        return view.synced();
    }

    /** How long ago the newest change reached the view (the view's age on a quiet cluster). */
    public Duration age() {
        ZoneView v = view;
        return v.synced() ? Duration.between(v.changedAt(), clock.now()) : Duration.ZERO;
    }

    private void buildAll() {
        synchronized (lock) {
            Instant now = clock.now();
            List<ServiceRecords> all = services.lister().list().stream()
                    .map(s -> ServiceRecords.of(s, endpoints.lister().get(ObjectKey.of(s))))
                    .toList();
            view = ZoneView.of(zone, now, view.serial(), namespaceNames(), all);
            LOG.infof("DNS view synced: %d services, %d namespaces, serial %d", all.size(), namespaces.lister().list().size(), view.serial());
        }
    }

    private void refresh(ObjectKey key) {
        synchronized (lock) {
            if (!view.synced()) {
                return; // the first full build reads the caches, which already hold this change
            }
            Optional<Service> service = services.lister().get(key);
            Optional<ServiceRecords> records = service.map(s -> ServiceRecords.of(s, endpoints.lister().get(key)));
            view = view.with(key.namespace().toLowerCase(Locale.ROOT), key.name().toLowerCase(Locale.ROOT), records, clock.now());
        }
    }

    private void refreshNamespaces() {
        synchronized (lock) {
            if (view.synced()) {
                view = view.withNamespaces(namespaceNames(), clock.now());
            }
        }
    }

    private Set<String> namespaceNames() {
        Set<String> names = new HashSet<>();
        for (Namespace n : namespaces.lister().list()) {
            names.add(n.getMetadata().getName().toLowerCase(Locale.ROOT));
        }
        return names;
    }

    private void observe(Endpoints e) {
        String trigger = e.getMetadata().getAnnotationsMap().get(TRIGGER_TIME_ANNOTATION);
        if (trigger == null) {
            return;
        }
        try {
            Duration d = Duration.between(Instant.parse(trigger), clock.now());
            if (!d.isNegative()) {
                programmingLatency.accept(d);
            }
        } catch (DateTimeParseException ignored) {
            // a malformed annotation only costs us one sample
        }
    }

    @Override
    public void close() {
        // the informers belong to the factory, which the owner stops
    }
}

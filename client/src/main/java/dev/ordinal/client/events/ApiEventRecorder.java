package dev.ordinal.client.events;

import com.google.protobuf.Message;
import dev.ordinal.api.v1.Event;
import dev.ordinal.api.v1.EventSource;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.ObjectReference;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.Resources;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.ApiObjects;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.api.Times;
import dev.ordinal.client.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Writes events through the API. Like client-go's correlator, a repeat of the same event (same
 * object, type, reason and message) updates the earlier Event's {@code count} and
 * {@code lastTimestamp} instead of creating another object, so a crash-looping pod produces one
 * Event with a growing count rather than thousands. Writes happen on one background thread behind
 * a bounded queue; when the queue is full the event is dropped with a log line.
 */
public final class ApiEventRecorder implements EventRecorder, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ApiEventRecorder.class);
    /** How many distinct recent events are remembered for aggregation (client-go keeps 4096). */
    private static final int REMEMBERED = 4096;
    private static final int QUEUE = 1000;

    private final Resources<Event> events;
    private final String component;
    private final String host;
    private final Clock clock;
    private final ExecutorService writer;
    /** Last written Event per aggregation key; touched only on the writer thread. */
    private long lastNanos;
    private final Map<String, Event> recent = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Event> eldest) {
            return size() > REMEMBERED;
        }
    };

    public ApiEventRecorder(OrdinalClient client, String component, String host, Clock clock) {
        this.events = client.resources(Event.class);
        this.component = component;
        this.host = host == null ? "" : host;
        this.clock = clock;
        this.writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "events-" + component);
            t.setDaemon(true);
            return t;
        }, (r, executor) -> LOG.warn("event queue full; an event of " + component + " was dropped"));
    }

    public ApiEventRecorder(OrdinalClient client, String component) {
        this(client, component, "", Clock.system());
    }

    @Override
    public void event(Message involved, String type, String reason, String message) {
        ObjectReference ref = reference(involved);
        Instant at = clock.now();
        writer.execute(() -> write(ref, type, reason, message, at));
    }

    /** A reference to {@code object} as Events and {@code kubectl describe} expect it. */
    public static ObjectReference reference(Message object) {
        Kind kind = Kind.of(object.getClass());
        ObjectMeta meta = ApiObjects.meta(object);
        return ObjectReference.newBuilder()
                .setKind(kind.kindName())
                .setApiVersion(kind.apiVersion())
                .setNamespace(meta.getNamespace())
                .setName(meta.getName())
                .setUid(meta.getUid())
                .setResourceVersion(meta.getResourceVersion())
                .build();
    }

    private void write(ObjectReference ref, String type, String reason, String message, Instant at) {
        String key = ref.getUid() + '\0' + ref.getKind() + '\0' + ref.getNamespace() + '\0' + ref.getName()
                + '\0' + type + '\0' + reason + '\0' + message;
        Event previous = recent.get(key);
        try {
            if (previous != null) {
                Event repeated = previous.toBuilder()
                        .setCount(previous.getCount() + 1)
                        .setLastTimestamp(Times.timestamp(at))
                        .build();
                try {
                    recent.put(key, events.update(repeated));
                    return;
                } catch (ApiException e) {
                    // Deleted, compacted away or changed by someone else: start a fresh one.
                    recent.remove(key);
                }
            }
            String namespace = ref.getNamespace().isEmpty() ? "default" : ref.getNamespace();
            Event created = events.create(Event.newBuilder()
                    .setMetadata(ObjectMeta.newBuilder()
                            .setNamespace(namespace)
                            .setName(ref.getName() + "." + Long.toHexString(uniqueNanos(at))))
                    .setInvolvedObject(ref)
                    .setType(type)
                    .setReason(reason)
                    .setMessage(message)
                    .setSource(EventSource.newBuilder().setComponent(component).setHost(host))
                    .setReportingComponent(component)
                    .setReportingInstance(host)
                    .setFirstTimestamp(Times.timestamp(at))
                    .setLastTimestamp(Times.timestamp(at))
                    .setCount(1)
                    .build());
            recent.put(key, created);
        } catch (RuntimeException e) {
            LOG.warn("could not record event " + reason + " for " + ref.getKind() + " " + ref.getNamespace()
                    + "/" + ref.getName() + ": " + e.getMessage());
        }
    }

    /** Kubernetes names events {@code <object>.<hex unix nanos>}; strictly increasing here, so a fake clock cannot collide. */
    private long uniqueNanos(Instant at) {
        long nanos = at.getEpochSecond() * 1_000_000_000L + at.getNano();
        lastNanos = Math.max(lastNanos + 1, nanos);
        return lastNanos;
    }

    /** Stops after writing what is queued (waiting at most a few seconds). */
    @Override
    public void close() {
        writer.shutdown();
        try {
            writer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

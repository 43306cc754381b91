package dev.ordinal.e2e;

import dev.ordinal.api.v1.Pod;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.Watch;
import dev.ordinal.client.WatchEvent;
import dev.ordinal.client.WatchListener;
import dev.ordinal.client.WatchOptions;
import dev.ordinal.client.api.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Every change of a set's pods, in resourceVersion order, from one watch opened before the set is
 * created: what a user watching {@code kubectl get pods -w} sees, so order can be checked from it
 * (web-1 created only after web-0 became Ready, scale-down and updates highest ordinal first).
 */
final class PodTimeline implements AutoCloseable {
    /** One event: its type and the pod as it was then. */
    record Seen(WatchEvent.Type type, Pod pod) {
        String name() {
            return pod.getMetadata().getName();
        }

        boolean ready() {
            return type != WatchEvent.Type.DELETED && PodTimeline.ready(pod);
        }

        boolean terminating() {
            return type == WatchEvent.Type.DELETED || pod.getMetadata().hasDeletionTimestamp();
        }

        String revision() {
            return pod.getMetadata().getLabelsOrDefault("controller-revision-hash", "");
        }
    }

    private final List<Seen> events = new CopyOnWriteArrayList<>();
    private final Watch watch;
    private volatile ApiException failure;

    /** Watches from {@code resourceVersion} (that of a list taken before anything of interest happened). */
    PodTimeline(OrdinalClient client, String namespace, String labelSelector, String resourceVersion) {
        watch = client.resources(Pod.class).watch(WatchOptions.all().withNamespace(namespace).withLabelSelector(labelSelector)
                        .fromResourceVersion(resourceVersion),
                new WatchListener<>() {
                    @Override
                    public void onEvent(WatchEvent<Pod> event) {
                        if (event.type() != WatchEvent.Type.BOOKMARK && event.type() != WatchEvent.Type.ERROR) {
                            events.add(new Seen(event.type(), event.object()));
                        }
                    }

                    @Override
                    public void onClose(ApiException error) {
                        failure = error;
                    }
                });
    }

    static boolean ready(Pod pod) {
        return pod.getStatus().getConditionsList().stream().anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
    }

    /** The position of the first event from {@code from} on that matches, or -1. */
    int first(int from, Predicate<Seen> p) {
        check();
        for (int i = Math.max(0, from); i < events.size(); i++) {
            if (p.test(events.get(i))) {
                return i;
            }
        }
        return -1;
    }

    int first(Predicate<Seen> p) {
        return first(0, p);
    }

    /** How many events have been seen so far: a mark to look only at what comes after. */
    int mark() {
        check();
        return events.size();
    }

    /** The pods' names in the order their first terminating event (deletionTimestamp or DELETED) arrived after {@code from}. */
    List<String> terminationOrder(int from) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < events.size(); i++) {
            Seen s = events.get(i);
            if (s.terminating() && !out.contains(s.name())) {
                out.add(s.name());
            }
        }
        return out;
    }

    /** Everything seen, one line per event, for failure messages. */
    String describe() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < events.size(); i++) {
            Seen s = events.get(i);
            b.append(i).append(' ').append(s.type()).append(' ').append(s.name()).append(" uid=").append(s.pod().getMetadata().getUid())
                    .append(" node=").append(s.pod().getSpec().getNodeName()).append(" phase=").append(s.pod().getStatus().getPhase())
                    .append(s.ready() ? " ready" : "").append(s.pod().getMetadata().hasDeletionTimestamp() ? " terminating" : "")
                    .append(" rev=").append(s.revision()).append('\n');
        }
        return b.toString();
    }

    private void check() {
        if (failure != null) {
            throw new AssertionError("the pod watch failed: " + failure.getMessage(), failure);
        }
    }

    @Override
    public void close() throws Exception {
        watch.close();
    }
}

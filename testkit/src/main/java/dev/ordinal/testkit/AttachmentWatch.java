package dev.ordinal.testkit;

import dev.ordinal.api.v1.VolumeAttachment;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.Watch;
import dev.ordinal.client.WatchEvent;
import dev.ordinal.client.WatchListener;
import dev.ordinal.client.WatchOptions;
import dev.ordinal.client.api.ApiException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Checks "a volume is attached to at most one node at any moment" on every change of the
 * VolumeAttachment stream, from the moment it starts: after each event, no PersistentVolume may be
 * named by attachments to two nodes. Also keeps, per volume, the nodes it was attached to in order.
 */
public final class AttachmentWatch implements AutoCloseable {
    private final Map<String, VolumeAttachment> current = new ConcurrentHashMap<>();
    private final Map<String, List<String>> history = new ConcurrentHashMap<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final Watch watch;

    private AttachmentWatch(OrdinalClient client) {
        watch = client.resources(VolumeAttachment.class).watch(WatchOptions.all(), new WatchListener<>() {
            @Override
            public void onEvent(WatchEvent<VolumeAttachment> e) {
                if (e.object() != null) {
                    observe(e);
                }
            }

            @Override
            public void onClose(ApiException error) {
            }
        });
    }

    /** Starts watching every VolumeAttachment through {@code client}. */
    public static AttachmentWatch start(OrdinalClient client) {
        return new AttachmentWatch(client);
    }

    private synchronized void observe(WatchEvent<VolumeAttachment> e) {
        VolumeAttachment va = e.object();
        String volume = va.getSpec().getSource().getPersistentVolumeName();
        if (e.type() == WatchEvent.Type.DELETED) {
            current.remove(va.getMetadata().getName());
        } else if (e.type() == WatchEvent.Type.ADDED || e.type() == WatchEvent.Type.MODIFIED) {
            current.put(va.getMetadata().getName(), va);
            List<String> nodes = history.computeIfAbsent(volume, v -> new CopyOnWriteArrayList<>());
            String node = va.getSpec().getNodeName();
            if (nodes.isEmpty() || !nodes.get(nodes.size() - 1).equals(node)) {
                nodes.add(node);
            }
        }
        Map<String, List<String>> nodesByVolume = new HashMap<>();
        for (VolumeAttachment a : current.values()) {
            nodesByVolume.computeIfAbsent(a.getSpec().getSource().getPersistentVolumeName(), v -> new ArrayList<>())
                    .add(a.getSpec().getNodeName());
        }
        nodesByVolume.forEach((v, nodes) -> {
            if (nodes.size() > 1) {
                violations.add("at resourceVersion " + e.resourceVersion() + " " + v + " is attached to " + nodes);
            }
        });
    }

    /** Every moment a volume was attached to more than one node, as sentences; empty when the rule held. */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    /** The attachments that exist now, as last seen. */
    public Collection<VolumeAttachment> current() {
        return List.copyOf(current.values());
    }

    /** The nodes {@code volume} was attached to, in order (consecutive repeats folded). */
    public List<String> nodesOf(String volume) {
        return List.copyOf(history.getOrDefault(volume, List.of()));
    }

    @Override
    public void close() {
        watch.close();
    }
}

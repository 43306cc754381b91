package dev.ordinal.nodeagent.volume;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The node's {@code status.volumesInUse} bookkeeping: the PersistentVolumes set up for each pod
 * (added before its containers start, removed only after its tearDown), plus, after an agent
 * restart, the volumes the previous agent reported, kept until no pod of this node refers to them
 * any more — so a restart never makes a mounted volume look free to the attach/detach controller.
 * Thread-safe.
 */
public final class VolumesInUse {
    /** Writes the node's volume status: now (blocking, throws on failure) or soon (retried until it succeeds). */
    public interface Publisher {
        void publishNow();

        void publishSoon();
    }

    private final Map<String, List<MountedVolume>> byPod = new LinkedHashMap<>();
    private final Set<String> inherited = new TreeSet<>();
    private final Consumer<List<MountedVolume>> onChange;

    /** {@code onChange} receives every mounted volume after each change (for the usage gauges). */
    public VolumesInUse(Consumer<List<MountedVolume>> onChange) {
        this.onChange = onChange;
    }

    public void add(String podUid, List<MountedVolume> volumes) {
        List<MountedVolume> all;
        synchronized (this) {
            byPod.put(podUid, List.copyOf(volumes));
            all = mounted();
        }
        onChange.accept(all);
    }

    /** Releases what {@code podUid} had; true when it had anything. */
    public boolean remove(String podUid) {
        List<MountedVolume> all;
        synchronized (this) {
            if (byPod.remove(podUid) == null) {
                return false;
            }
            all = mounted();
        }
        onChange.accept(all);
        return true;
    }

    /** Volumes a previous agent reported in use; each stays until {@link #names} finds it unreferenced. */
    public synchronized void inherit(Collection<String> volumes) {
        inherited.addAll(volumes);
    }

    /**
     * The sorted names to report in {@code status.volumesInUse}. Inherited names that
     * {@code referenced} rejects are dropped for good.
     */
    public synchronized List<String> names(Predicate<String> referenced) {
        Set<String> out = new TreeSet<>();
        byPod.values().forEach(l -> l.forEach(v -> out.add(v.volume())));
        inherited.removeIf(v -> !out.contains(v) && !referenced.test(v));
        out.addAll(inherited);
        return List.copyOf(out);
    }

    /** Whether any pod on this node has {@code volume} set up (or a previous agent reported it and that is not settled yet). */
    public synchronized boolean mounted(String volume) {
        return inherited.contains(volume) || byPod.values().stream().anyMatch(l -> l.stream().anyMatch(v -> v.volume().equals(volume)));
    }

    private List<MountedVolume> mounted() {
        List<MountedVolume> all = new ArrayList<>();
        byPod.values().forEach(all::addAll);
        return all;
    }
}

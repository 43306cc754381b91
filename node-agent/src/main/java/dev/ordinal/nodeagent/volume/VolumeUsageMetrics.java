package dev.ordinal.nodeagent.volume;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One gauge per PersistentVolume mounted on this node, {@value #NAME}{namespace,
 * persistentvolumeclaim, persistentvolume}: the bytes its directory holds, as the kubelet's
 * {@code kubelet_volume_stats_used_bytes}. The directory is walked at most every
 * {@link #REFRESH_NANOS} when scraped, so a scrape stays cheap on big volumes.
 */
public final class VolumeUsageMetrics {
    public static final String NAME = "ordinal_node_volume_stats_used_bytes";
    static final long REFRESH_NANOS = 5_000_000_000L;

    private final MeterRegistry registry;
    /** The gauge and its state object: Micrometer only holds the state weakly, so it is kept here. */
    private record Measured(Gauge gauge, DirectorySize size) {
    }

    private final Map<MountedVolume, Measured> gauges = new HashMap<>();

    public VolumeUsageMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Makes the gauges match {@code mounted}: new volumes get one, unmounted ones lose theirs. */
    public synchronized void update(List<MountedVolume> mounted) {
        gauges.entrySet().removeIf(e -> {
            if (!mounted.contains(e.getKey())) {
                registry.remove(e.getValue().gauge());
                return true;
            }
            return false;
        });
        for (MountedVolume m : mounted) {
            gauges.computeIfAbsent(m, v -> {
                DirectorySize size = new DirectorySize(v.dir());
                return new Measured(Gauge.builder(NAME, size, DirectorySize::bytes)
                        .description("Bytes used by a PersistentVolume mounted on this node")
                        .baseUnit("bytes")
                        .tag("namespace", v.namespace()).tag("persistentvolumeclaim", v.claim())
                        .tag("persistentvolume", v.volume())
                        .register(registry), size);
            });
        }
    }

    /** The size of everything under a directory, recomputed when older than {@link #REFRESH_NANOS}. */
    static final class DirectorySize {
        private final Path dir;
        private final AtomicLong bytes = new AtomicLong();
        private volatile long measuredAt = Long.MIN_VALUE;

        DirectorySize(Path dir) {
            this.dir = dir;
        }

        double bytes() {
            long now = System.nanoTime();
            if (measuredAt == Long.MIN_VALUE || now - measuredAt > REFRESH_NANOS) {
                measuredAt = now;
                bytes.set(measure(dir));
            }
            return bytes.get();
        }

        static long measure(Path dir) {
            long[] total = {0};
            try {
                Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                        total[0] += attrs.size();
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) {
                        return FileVisitResult.CONTINUE; // removed meanwhile, or unreadable: not counted
                    }
                });
            } catch (IOException e) {
                return total[0];
            }
            return total[0];
        }
    }
}

package dev.ordinal.nodeagent.volume;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The used-bytes gauge of a mounted volume, as a scrape of /q/metrics shows it. */
class VolumeUsageMetricsTest {
    @TempDir
    Path dir;

    @Test
    void aMountedVolumeHasAGaugeOfItsBytesUntilItIsUnmounted() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        VolumeUsageMetrics metrics = new VolumeUsageMetrics(registry);
        Files.writeString(Files.createDirectories(dir.resolve("pv-1/sub")).resolve("a"), "12345");
        Files.writeString(dir.resolve("pv-1/b"), "123");
        MountedVolume m = new MountedVolume("pv-1", "default", "data-web-0", dir.resolve("pv-1"));

        metrics.update(List.of(m, m)); // two pods of the node on one claim: one gauge
        System.gc(); // the gauge's state must not be collectable (Micrometer holds it weakly)

        var gauges = registry.find(VolumeUsageMetrics.NAME).tag("persistentvolume", "pv-1")
                .tag("persistentvolumeclaim", "data-web-0").tag("namespace", "default").gauges();
        assertThat(gauges).hasSize(1);
        assertThat(gauges.iterator().next().value()).isEqualTo(8.0);
        metrics.update(List.of());
        assertThat(registry.find(VolumeUsageMetrics.NAME).gauges()).isEmpty();
    }
}

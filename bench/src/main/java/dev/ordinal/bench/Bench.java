package dev.ordinal.bench;

import java.util.List;

/** Command-line and statistics helpers shared by the benchmarks. */
final class Bench {
    private Bench() {
    }

    /** The value after {@code name} on the command line, or {@code fallback}. */
    static String arg(String[] args, String name, String fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }

    /** The {@code p}-th percentile (nearest rank) of sorted nanosecond samples, in milliseconds. */
    static double percentileMillis(long[] sortedNanos, int p) {
        if (sortedNanos.length == 0) {
            return 0;
        }
        int idx = (int) Math.ceil(p / 100.0 * sortedNanos.length) - 1;
        return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, idx))] / 1e6;
    }

    /** The percentile {@code fraction} (0–1, nearest rank) of sorted samples, in their own unit. */
    static double percentile(List<Double> sorted, double fraction) {
        if (sorted.isEmpty()) {
            return 0;
        }
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, (int) Math.ceil(fraction * sorted.size()) - 1)));
    }
}

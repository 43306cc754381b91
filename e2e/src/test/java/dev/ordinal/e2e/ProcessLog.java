package dev.ordinal.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The node agents' supervisor records of a whole cluster ({@code <state-dir>/process-events.log} of
 * every node, see docs/node-agent.md), merged in time order, and the invariant a StatefulSet promises:
 * at most one running process per pod identity at any moment, across all nodes.
 */
final class ProcessLog {
    record Line(long nanos, String what, String identity, String rest, String file) {
    }

    private ProcessLog() {
    }

    static List<Line> read(List<Path> stateDirs) throws IOException {
        List<Line> lines = new ArrayList<>();
        for (Path dir : stateDirs) {
            Path file = dir.resolve("process-events.log");
            if (!Files.exists(file)) {
                continue;
            }
            for (String l : Files.readAllLines(file)) {
                String[] p = l.split(" ", 4);
                if (p.length >= 3 && p[0].matches("\\d+")) {
                    lines.add(new Line(Long.parseLong(p[0]), p[1], p[2], p.length > 3 ? p[3] : "", dir.getFileName().toString()));
                }
            }
        }
        lines.sort(Comparator.comparingLong(Line::nanos));
        return lines;
    }

    /** Processes of {@code identity} started and not (yet) recorded stopped. */
    static long running(List<Path> stateDirs, String identity) throws IOException {
        long n = 0;
        for (Line l : read(stateDirs)) {
            if (l.identity().equals(identity)) {
                n += l.what().equals("STARTING") ? 1 : l.what().equals("STOPPED") ? -1 : 0;
            }
        }
        return n;
    }

    /** The moments the invariant broke, as sentences; empty when it held. */
    static List<String> overlaps(List<Path> stateDirs) throws IOException {
        List<String> violations = new ArrayList<>();
        Map<String, List<Line>> running = new HashMap<>();
        for (Line l : read(stateDirs)) {
            List<Line> now = running.computeIfAbsent(l.identity(), k -> new ArrayList<>());
            if (l.what().equals("STARTING")) {
                if (!now.isEmpty()) {
                    violations.add(l.identity() + " started on " + l.file() + " (" + l.rest() + ") at " + l.nanos() + " while still running: " + now);
                }
                now.add(l);
            } else if (l.what().equals("STOPPED")) {
                String instance = field(l.rest(), "uid") + "/" + field(l.rest(), "instance");
                now.removeIf(s -> (field(s.rest(), "uid") + "/" + field(s.rest(), "instance")).equals(instance));
            }
        }
        return violations;
    }

    private static String field(String rest, String name) {
        for (String part : rest.split(" ")) {
            if (part.startsWith(name + "=")) {
                return part.substring(name.length() + 1);
            }
        }
        return "";
    }
}

package dev.ordinal.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the supervisors' process start/stop records and checks the invariant "at most one running
 * process per pod identity at any moment": the recorded intervals (STARTING written before the
 * process exists, STOPPED after its whole group died) of one identity ({@code namespace/pod/container})
 * must not overlap. Every supervisor on the machine may append to one file (the node agent setting
 * {@code ordinal.node-agent.process-events-file}); the times are one machine's wall clock (epoch nanoseconds).
 */
public final class ProcessRecords {
    private ProcessRecords() {
    }

    /** One record: when (epoch nanoseconds, wall clock), STARTING or STOPPED, which identity, and the rest of the line. */
    public record Line(long nanos, String what, String identity, String rest) {
    }

    public static List<Line> read(Path file) throws IOException {
        List<Line> lines = new ArrayList<>();
        if (!Files.exists(file)) {
            return lines;
        }
        for (String l : Files.readAllLines(file)) {
            String[] p = l.split(" ", 4);
            if (p.length >= 3) {
                lines.add(new Line(Long.parseLong(p[0]), p[1], p[2], p.length > 3 ? p[3] : ""));
            }
        }
        lines.sort((a, b) -> Long.compare(a.nanos, b.nanos));
        return lines;
    }

    public static long starts(Path file, String identity) throws IOException {
        return read(file).stream().filter(l -> l.identity.equals(identity) && l.what.equals("STARTING")).count();
    }

    public static long stops(Path file, String identity) throws IOException {
        return read(file).stream().filter(l -> l.identity.equals(identity) && l.what.equals("STOPPED")).count();
    }

    /** The violations of the invariant per container identity, as sentences; empty when it held. */
    public static List<String> overlaps(Path file) throws IOException {
        return overlaps(file, id -> id);
    }

    /**
     * The violations of "at most one running process per pod identity" ({@code namespace/name},
     * whatever the container and node), as sentences; empty when it held. All records come from
     * supervisors on this machine, which read one clock: no margin is needed between a STOPPED and
     * the next STARTING, only their order.
     */
    public static List<String> podOverlaps(Path file) throws IOException {
        return overlaps(file, id -> id.substring(0, id.lastIndexOf('/')));
    }

    private static List<String> overlaps(Path file, java.util.function.UnaryOperator<String> key) throws IOException {
        List<String> violations = new ArrayList<>();
        Map<String, List<Line>> running = new HashMap<>();
        for (Line l : read(file)) {
            String k = key.apply(l.identity);
            List<Line> now = running.computeIfAbsent(k, x -> new ArrayList<>());
            if (l.what.equals("STARTING")) {
                if (!now.isEmpty()) {
                    violations.add(k + " started at " + l.nanos + " (" + l.rest + ") while " + now.size()
                            + " instance(s) were running: " + now);
                }
                now.add(l);
            } else if (l.what.equals("STOPPED")) {
                String instance = instanceOf(l);
                now.removeIf(s -> s.identity.equals(l.identity) && instanceOf(s).equals(instance));
            }
        }
        return violations;
    }

    /** uid and instance number: what tells one started process from another of the same identity. */
    private static String instanceOf(Line l) {
        StringBuilder b = new StringBuilder();
        for (String part : l.rest.split(" ")) {
            if (part.startsWith("uid=") || part.startsWith("instance=")) {
                b.append(part).append(' ');
            }
        }
        return b.toString();
    }
}

package dev.ordinal.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real {@code dig} (Debian package dnsutils) against a DNS server on 127.0.0.1, as a user asks it. */
final class Dig {
    private Dig() {
    }

    /** The addresses {@code dig +short @127.0.0.1 -p port name A} prints (empty for NXDOMAIN or no record). */
    static List<String> a(int port, String name) throws IOException, InterruptedException {
        String out = run("@127.0.0.1", "-p", Integer.toString(port), "+short", "+tries=1", "+time=2", name, "A");
        List<String> lines = new ArrayList<>();
        Arrays.stream(out.split("\n")).map(String::strip).filter(l -> !l.isEmpty()).forEach(lines::add);
        return lines;
    }

    /** dig's whole answer (header, status, sections). */
    static String run(String... args) throws IOException, InterruptedException {
        if (!ComposeFile.onPath("dig")) {
            throw new AssertionError("dig is not installed (Debian: apt-get install dnsutils; .ci/run installs it)");
        }
        List<String> command = new ArrayList<>(List.of("dig"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("dig " + String.join(" ", args) + " did not finish");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("dig " + String.join(" ", args) + " exited with " + p.exitValue() + ":\n" + out);
        }
        return out;
    }
}

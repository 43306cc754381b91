package dev.ordinal.testkit;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A packaged Ordinal Quarkus service ({@code <module>/target/quarkus-app/quarkus-run.jar}) run as a
 * separate process, the way a user runs it: controller-manager, scheduler, node-agent, dns. The
 * service gets a free HTTP port (health and metrics) through its {@code ORDINAL_<SERVICE>_HTTP_PORT}
 * variable, plus whatever environment the test gives. Output goes to a log file, shown when it fails
 * to start. The jar comes from the system property {@code ordinal.<module>.jar}, else from the
 * checkout this test runs in.
 */
public final class ServiceProcess implements AutoCloseable {
    private final String module;
    private final Map<String, String> env;
    private final Set<String> unset;
    private final String maxHeap;
    private final int httpPort;
    private final Path log;
    private Process process;

    private ServiceProcess(String module, Map<String, String> env, Set<String> unset, String maxHeap) throws IOException {
        this.module = module;
        this.env = new LinkedHashMap<>(env);
        this.unset = unset;
        this.maxHeap = maxHeap;
        this.httpPort = freePort();
        this.log = Files.createTempFile(module + "-" + httpPort + "-", ".log");
        this.env.put("ORDINAL_" + module.toUpperCase(java.util.Locale.ROOT).replace('-', '_') + "_HTTP_PORT",
                Integer.toString(httpPort));
    }

    /**
     * A process of the service packaged by {@code module} ("controller-manager", "scheduler", …);
     * not started yet.
     */
    public static ServiceProcess of(String module, Map<String, String> env) throws IOException {
        return new ServiceProcess(module, env, Set.of(), "256m");
    }

    /** As {@link #of}, also removing {@code unset} from the inherited environment, with a heap of {@code maxHeap}. */
    static ServiceProcess of(String module, Map<String, String> env, Set<String> unset, String maxHeap) throws IOException {
        return new ServiceProcess(module, env, unset, maxHeap);
    }

    /**
     * The JVM options services get, as {@code deploy/local/cluster} gives them: {@code ORDINAL_JAVA_OPTS} when set
     * (even empty), otherwise C1-only JIT on a machine with fewer than 4 CPUs, where a test's five or more
     * service JVMs share the cores (docs/configuration.md). Benchmarks that start services use it too.
     */
    public static List<String> javaOptions() {
        String opts = System.getenv("ORDINAL_JAVA_OPTS");
        if (opts != null) {
            return java.util.Arrays.stream(opts.trim().split("\\s+")).filter(o -> !o.isEmpty()).toList();
        }
        return Runtime.getRuntime().availableProcessors() < 4 ? List.of("-XX:TieredStopAtLevel=1") : List.of();
    }

    /** Starts the process and waits until {@code /q/health/live} answers (it is up, maybe not yet ready). */
    public ServiceProcess start() throws IOException {
        return start("/q/health/live", Duration.ofSeconds(60));
    }

    /** Starts the process and waits until {@code healthPath} answers 200 (or the process exits, or the timeout). */
    ServiceProcess start(String healthPath, Duration timeout) throws IOException {
        Path jar = packagedJar(module);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + maxHeap));
        command.addAll(javaOptions());
        command.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().keySet().removeAll(unset);
        pb.environment().putAll(env);
        process = pb.start();
        Awaitility.await(module + " on port " + httpPort + " " + healthPath).atMost(timeout)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException(module + " exited with " + process.exitValue() + ":\n" + Files.readString(log));
                    }
                    return status(healthPath) == 200;
                });
        return this;
    }

    /** HTTP status of a GET on the service's health/metrics port ({@code -1} when it does not answer). */
    public int status(String path) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + httpPort + path).toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(5000);
            return c.getResponseCode();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Whether {@code /q/health/ready} answers 200. */
    public boolean ready() {
        return status("/q/health/ready") == 200;
    }

    /** What the process has printed so far. */
    public String output() throws IOException {
        return Files.readString(log);
    }

    public Path log() {
        return log;
    }

    public int httpPort() {
        return httpPort;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /**
     * Stops the process as an operator would (SIGTERM) and waits for it to exit; kills it if it has not
     * exited after 30 s. Returns whether it exited by itself.
     */
    public boolean stop() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return true;
        }
        process.destroy();
        if (process.waitFor(30, TimeUnit.SECONDS)) {
            return true;
        }
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        return false;
    }

    /** Kills the process at once (SIGKILL), as a crash would. */
    public void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    static Path packagedJar(String module) {
        String configured = System.getProperty("ordinal." + module + ".jar");
        if (configured != null) {
            Path jar = Path.of(configured);
            if (!Files.exists(jar)) {
                throw new IllegalStateException("no packaged " + module + " at " + jar.toAbsolutePath());
            }
            return jar;
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(module + "/target/quarkus-app/quarkus-run.jar");
            if (Files.exists(candidate)) {
                return candidate;
            }
            if (dir.getFileName() != null && dir.getFileName().toString().equals(module)
                    && Files.exists(dir.resolve("target/quarkus-app/quarkus-run.jar"))) {
                return dir.resolve("target/quarkus-app/quarkus-run.jar");
            }
        }
        throw new IllegalStateException("no packaged " + module + " found above " + Path.of("").toAbsolutePath()
                + " (run ./mvnw package -DskipTests -pl " + module + " -am, or set -Dordinal." + module + ".jar)");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

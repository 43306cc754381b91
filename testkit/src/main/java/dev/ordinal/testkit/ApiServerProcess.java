package dev.ordinal.testkit;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * The packaged api-server ({@code api-server/target/quarkus-app/quarkus-run.jar}) run as a separate
 * process, the way a user runs it, on a database given by URL or on its own embedded PostgreSQL.
 * Integration tests of every module start, stop and restart it. The jar comes from the system
 * property {@code ordinal.api-server.jar}, else from the checkout this test runs in; in
 * {@code ./mvnw verify} the api-server module is packaged before the modules that use this.
 */
public final class ApiServerProcess implements AutoCloseable {
    private final String databaseUrl;
    private final Map<String, String> extraEnv;
    private final int port;
    private final Path log;
    private Process process;

    /** @param databaseUrl KUBE_DB_URL for the process; null to let it start its embedded PostgreSQL */
    public ApiServerProcess(String databaseUrl, Map<String, String> extraEnv) throws IOException {
        this.databaseUrl = databaseUrl;
        this.extraEnv = extraEnv;
        this.port = freePort();
        this.log = Files.createTempFile("api-server-" + port + "-", ".log");
    }

    /**
     * An api-server on its own embedded PostgreSQL under a fresh temporary directory (deleted by
     * nobody: it lives in the system temp directory), ignoring any {@code KUBE_DB_URL}.
     */
    public static ApiServerProcess embedded(Map<String, String> extraEnv) throws IOException {
        Path dataDir = Files.createTempDirectory("ordinal-it-pg-");
        // Run as root, the api-server starts PostgreSQL as an unprivileged user, which must be able to
        // reach the data directory; temporary directories are created owner-only (rwx------).
        try {
            Files.setPosixFilePermissions(dataDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to open up
        }
        Map<String, String> env = new java.util.HashMap<>(extraEnv);
        env.put("ORDINAL_API_SERVER_EMBEDDED_DB_DIR", dataDir.resolve("data").toString());
        // Throw-away test data: durability across machine crashes buys nothing and costs every commit.
        env.putIfAbsent("ORDINAL_API_SERVER_EMBEDDED_DB_FSYNC", "false");
        return new ApiServerProcess(null, env);
    }

    /** The gRPC target, {@code 127.0.0.1:<port>}. */
    public String target() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Starts the process and waits until it reports ready. */
    public ApiServerProcess start() throws IOException {
        Path jar = packagedJar();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-jar", jar.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        if (databaseUrl == null) {
            pb.environment().remove("KUBE_DB_URL"); // the api-server starts its embedded PostgreSQL
        } else {
            pb.environment().put("KUBE_DB_URL", databaseUrl);
        }
        pb.environment().put("ORDINAL_API_SERVER_HTTP_PORT", Integer.toString(port));
        pb.environment().putAll(extraEnv);
        process = pb.start();
        Awaitility.await("api-server on port " + port + " ready").atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("api-server exited with " + process.exitValue() + ":\n" + Files.readString(log));
                    }
                    return ready();
                });
        return this;
    }

    private boolean ready() {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/q/health/ready").toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(2000);
            return c.getResponseCode() == 200;
        } catch (IOException e) {
            return false;
        }
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

    /** Where the process's output goes (shown when it fails to start). */
    public Path log() {
        return log;
    }

    /** Kills the process at once (SIGKILL), as a crash would. */
    public void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    static Path packagedJar() {
        String configured = System.getProperty("ordinal.api-server.jar");
        if (configured != null) {
            return existing(Path.of(configured));
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("api-server/target/quarkus-app/quarkus-run.jar");
            if (Files.exists(candidate)) {
                return candidate;
            }
            if (Files.exists(dir.resolve("target/quarkus-app/quarkus-run.jar")) && dir.getFileName().toString().equals("api-server")) {
                return dir.resolve("target/quarkus-app/quarkus-run.jar");
            }
        }
        throw new IllegalStateException("no packaged api-server found above " + Path.of("").toAbsolutePath()
                + " (run ./mvnw package -DskipTests -pl api-server -am, or set -Dordinal.api-server.jar)");
    }

    private static Path existing(Path jar) {
        if (!Files.exists(jar)) {
            throw new IllegalStateException("no packaged api-server at " + jar.toAbsolutePath());
        }
        return jar;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

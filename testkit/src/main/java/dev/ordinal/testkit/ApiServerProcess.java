package dev.ordinal.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The packaged api-server ({@code api-server/target/quarkus-app/quarkus-run.jar}) run as a separate
 * process, the way a user runs it, on a database given by URL or on its own embedded PostgreSQL.
 * Integration tests of every module start, stop and restart it. The jar comes from the system
 * property {@code ordinal.api-server.jar}, else from the checkout this test runs in; in
 * {@code ./mvnw verify} the api-server module is packaged before the modules that use this.
 */
public final class ApiServerProcess implements AutoCloseable {
    private final ServiceProcess service;
    private final String databaseUrl;
    private final Map<String, String> env;

    /** @param databaseUrl KUBE_DB_URL for the process; null to let it start its embedded PostgreSQL */
    public ApiServerProcess(String databaseUrl, Map<String, String> extraEnv) throws IOException {
        this.databaseUrl = databaseUrl;
        this.env = Map.copyOf(extraEnv);
        Map<String, String> env = new HashMap<>(extraEnv);
        if (databaseUrl != null) {
            env.put("KUBE_DB_URL", databaseUrl);
        }
        // Without a URL the api-server starts its embedded PostgreSQL, whatever the test JVM was given.
        this.service = ServiceProcess.of("api-server", env, databaseUrl == null ? Set.of("KUBE_DB_URL") : Set.of(), "512m");
    }

    /**
     * An api-server on its own embedded PostgreSQL under a fresh temporary directory (left in the
     * system temp directory), ignoring any {@code KUBE_DB_URL}, with fsync off.
     */
    public static ApiServerProcess embedded(Map<String, String> extraEnv) throws IOException {
        Path dataDir = Files.createTempDirectory("ordinal-it-pg-");
        // Run as root, the api-server starts PostgreSQL as an unprivileged user, which must be able to
        // reach the data directory; temporary directories are created owner-only (rwx------).
        try {
            Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to open up
        }
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("ORDINAL_API_SERVER_EMBEDDED_DB_DIR", dataDir.resolve("data").toString());
        // Throw-away test data: durability across machine crashes buys nothing and costs every commit.
        env.putIfAbsent("ORDINAL_API_SERVER_EMBEDDED_DB_FSYNC", "false");
        return new ApiServerProcess(null, env);
    }

    /**
     * Another process of the same api-server — the same database (for an embedded one, the same data
     * directory) and settings — on a new free port; not started. For restarting after {@link #stop()}.
     */
    public ApiServerProcess again() throws IOException {
        return new ApiServerProcess(databaseUrl, env);
    }

    /** The gRPC target, {@code 127.0.0.1:<port>}. */
    public String target() {
        return "127.0.0.1:" + service.httpPort();
    }

    /** The port gRPC, the REST API, health and metrics share. */
    public int port() {
        return service.httpPort();
    }

    /** Starts the process and waits until it reports ready (its database reachable). */
    public ApiServerProcess start() throws IOException {
        service.start("/q/health/ready", Duration.ofSeconds(90));
        return this;
    }

    /** Where the process's output goes (shown when it fails to start). */
    public Path log() {
        return service.log();
    }

    /**
     * Stops the process as an operator would (SIGTERM) and waits for it to exit; kills it if it has not
     * exited after 30 s. Returns whether it exited by itself.
     */
    public boolean stop() throws InterruptedException {
        return service.stop();
    }

    /** Kills the process at once (SIGKILL), as a crash would. */
    public void kill() throws InterruptedException {
        service.kill();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}

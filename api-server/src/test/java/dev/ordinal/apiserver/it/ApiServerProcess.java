package dev.ordinal.apiserver.it;

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
 * The packaged api-server ({@code target/quarkus-app/quarkus-run.jar}) run as a separate process,
 * the way a user runs it, on a database given by URL. Integration tests start, stop and restart it.
 */
final class ApiServerProcess implements AutoCloseable {
    private final String databaseUrl;
    private final Map<String, String> extraEnv;
    private final int port;
    private final Path log;
    private Process process;

    /** @param databaseUrl KUBE_DB_URL for the process; null to let it start its embedded PostgreSQL */
    ApiServerProcess(String databaseUrl, Map<String, String> extraEnv) throws IOException {
        this.databaseUrl = databaseUrl;
        this.extraEnv = extraEnv;
        this.port = freePort();
        this.log = Files.createTempFile("api-server-" + port + "-", ".log");
    }

    String target() {
        return "127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    /** Starts the process and waits until it reports ready. */
    ApiServerProcess start() throws IOException {
        Path jar = Path.of(System.getProperty("ordinal.api-server.jar", "target/quarkus-app/quarkus-run.jar"));
        if (!Files.exists(jar)) {
            throw new IllegalStateException("no packaged api-server at " + jar.toAbsolutePath() + " (run ./mvnw verify)");
        }
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
    boolean stop() throws InterruptedException {
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

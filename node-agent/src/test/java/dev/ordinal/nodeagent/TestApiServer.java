package dev.ordinal.nodeagent;

import dev.ordinal.testkit.ApiServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * The packaged api-server on its own embedded PostgreSQL, in a temporary directory that the
 * PostgreSQL user can reach: run as root, the api-server starts PostgreSQL as the user
 * {@code ordinal}, which cannot enter the owner-only directory {@code ApiServerProcess.embedded}
 * creates (the api-server then exits with 1 and no message).
 */
final class TestApiServer {
    private TestApiServer() {
    }

    private static ApiServerProcess shared;

    /**
     * One api-server for every integration test class of this module (failsafe runs them in one JVM);
     * each class works on its own nodes and pods. Stopped when the JVM exits.
     */
    static synchronized ApiServerProcess shared() throws IOException {
        if (shared == null) {
            shared = start();
            ApiServerProcess s = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    s.close();
                } catch (Exception e) {
                    // the JVM is going away anyway
                }
            }));
        }
        return shared;
    }

    static ApiServerProcess start() throws IOException {
        Path dir = Files.createTempDirectory("ordinal-node-it-pg-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new ApiServerProcess(null, Map.of("ORDINAL_API_SERVER_EMBEDDED_DB_DIR", dir.resolve("data").toString(),
                "ORDINAL_API_SERVER_EMBEDDED_DB_FSYNC", "false")).start();
    }
}

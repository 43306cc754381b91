package dev.ordinal.nodeagent;

import dev.ordinal.testkit.ApiServerProcess;
import java.io.IOException;
import java.util.Map;

/** The packaged api-server on its own embedded PostgreSQL, shared by this module's integration tests. */
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
        return ApiServerProcess.embedded(Map.of()).start();
    }
}

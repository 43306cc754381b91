package dev.ordinal.apiserver.watch;

import dev.ordinal.apiserver.testing.PostgresTestResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/**
 * A small ring and short intervals, so that a few hundred writes already push watchers out of the
 * ring onto the change_log table and bookmarks arrive quickly.
 */
public class WatchTestProfile implements QuarkusTestProfile {
    static final int RING = 256;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "ordinal.api-server.watch.ring-size", Integer.toString(RING),
                "ordinal.api-server.watch.buffer-per-watcher", "64",
                "ordinal.api-server.watch.bookmark-interval", "200ms",
                "ordinal.api-server.watch.poll-interval", "500ms",
                // the database comes from PostgresTestResource
                "quarkus.datasource.devservices.enabled", "false");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(PostgresTestResource.class));
    }
}

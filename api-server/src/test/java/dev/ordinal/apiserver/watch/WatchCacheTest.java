package dev.ordinal.apiserver.watch;

import dev.ordinal.apiserver.storage.ObjectKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.WatchEvent;
import dev.ordinal.client.api.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cache's state and ring bookkeeping (pure; no database). */
class WatchCacheTest {
    @Test
    void ringServesEverythingAfterAPositionUntilItEvictsIt() {
        WatchCache cache = new WatchCache(4);
        cache.reset(new ChangeLog.Snapshot(10, List.of()));
        assertThat(cache.eventsAfter(10, 100)).isEmpty();
        assertThat(cache.eventsAfter(9, 100)).isSameAs(WatchCache.NOT_IN_RING);

        List<ChangeEvent> batch = new ArrayList<>();
        for (long rv = 11; rv <= 16; rv++) {
            batch.add(entry(rv, rv == 11 ? WatchEvent.Type.ADDED : WatchEvent.Type.MODIFIED));
        }
        cache.apply(batch);
        assertThat(cache.head()).isEqualTo(16);
        // ring of 4 holds 13..16: positions 12 and above are served, older ones go to the log
        assertThat(cache.eventsAfter(11, 100)).isSameAs(WatchCache.NOT_IN_RING);
        assertThat(cache.eventsAfter(12, 100)).extracting(ChangeEvent::resourceVersion).containsExactly(13L, 14L, 15L, 16L);
        assertThat(cache.eventsAfter(14, 1)).extracting(ChangeEvent::resourceVersion).containsExactly(15L);
        assertThat(cache.eventsAfter(16, 100)).isEmpty();
        assertThat(cache.eventsAfter(99, 100)).isEmpty();
    }

    @Test
    void eachChangeCarriesThePreviousStateAndStateFollowsDeletes() {
        WatchCache cache = new WatchCache(8);
        cache.reset(new ChangeLog.Snapshot(0, List.of()));
        cache.apply(List.of(entry(1, WatchEvent.Type.ADDED), entry(2, WatchEvent.Type.MODIFIED)));
        List<ChangeEvent> events = cache.eventsAfter(0, 10);
        assertThat(events.get(0).previous()).isNull();
        assertThat(events.get(1).previous()).isEqualTo(events.get(0).object());
        assertThat(cache.initialState(Kind.POD, (k, o) -> true).objects()).containsExactly(events.get(1).object());

        cache.apply(List.of(entry(3, WatchEvent.Type.DELETED)));
        assertThat(cache.initialState(null, (k, o) -> true).objects()).isEmpty();
        assertThat(cache.initialState(null, (k, o) -> true).resourceVersion()).isEqualTo(3);
    }

    private static ChangeEvent entry(long rv, WatchEvent.Type type) {
        Object pod = PodWriter.pod("ns", "p", "u", rv, Map.of(), "Running");
        return new ChangeEvent(rv, type, new ObjectKey(Kind.POD, "ns", "p"), pod, null, false, 0);
    }
}

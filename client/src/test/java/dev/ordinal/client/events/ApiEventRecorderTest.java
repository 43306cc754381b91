package dev.ordinal.client.events;

import static dev.ordinal.client.Pods.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.Event;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.testing.FakeApi;
import dev.ordinal.client.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ApiEventRecorderTest {
    FakeApi fake;
    OrdinalClient client;
    FakeClock clock = new FakeClock(Instant.parse("2026-01-01T00:00:00Z"));
    ApiEventRecorder recorder;
    Pod web0;

    @BeforeEach
    void start() {
        fake = FakeApi.start();
        client = fake.newClient();
        recorder = new ApiEventRecorder(client, "statefulset-controller", "host-a", clock);
        web0 = client.resources(Pod.class).create(pod("default", "web-0"));
    }

    @AfterEach
    void stop() {
        recorder.close();
        fake.close();
    }

    @Test
    void anEventNamesItsObjectReasonAndSource() {
        recorder.normal(web0, "Scheduled", "Successfully assigned %s to %s", "default/web-0", "node-1");

        Event event = await().until(() -> fake.<Event>list(Kind.EVENT), l -> l.size() == 1).get(0);
        assertThat(event.getMetadata().getNamespace()).isEqualTo("default");
        assertThat(event.getMetadata().getName()).startsWith("web-0.");
        assertThat(event.getInvolvedObject().getKind()).isEqualTo("Pod");
        assertThat(event.getInvolvedObject().getUid()).isEqualTo(web0.getMetadata().getUid());
        assertThat(event.getType()).isEqualTo("Normal");
        assertThat(event.getReason()).isEqualTo("Scheduled");
        assertThat(event.getMessage()).isEqualTo("Successfully assigned default/web-0 to node-1");
        assertThat(event.getSource().getComponent()).isEqualTo("statefulset-controller");
        assertThat(event.getCount()).isEqualTo(1);
    }

    @Test
    void aRepeatCountsUpInsteadOfCreatingAnotherEvent() {
        recorder.warning(web0, "BackOff", "Back-off restarting failed container");
        clock.advance(Duration.ofSeconds(10));
        recorder.warning(web0, "BackOff", "Back-off restarting failed container");
        recorder.warning(web0, "Unhealthy", "Readiness probe failed");

        List<Event> events = await().until(() -> fake.<Event>list(Kind.EVENT),
                l -> l.size() == 2 && l.stream().anyMatch(e -> e.getCount() == 2));
        Event backOff = events.stream().filter(e -> e.getReason().equals("BackOff")).findFirst().orElseThrow();
        assertThat(backOff.getCount()).isEqualTo(2);
        assertThat(backOff.getLastTimestamp().getSeconds() - backOff.getFirstTimestamp().getSeconds()).isEqualTo(10);
    }

    @Test
    void eventsAtTheSameInstantGetDistinctNames() {
        for (int i = 0; i < 5; i++) {
            recorder.normal(web0, "Created", "event " + i);
        }
        await().until(() -> fake.<Event>list(Kind.EVENT).size() == 5);
    }
}

package dev.ordinal.scheduler;

import static dev.ordinal.scheduler.Fixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.Event;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.PersistentVolumeClaimSpec;
import dev.ordinal.api.v1.PersistentVolumeSpec;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodCondition;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.api.v1.VolumeAttachment;
import dev.ordinal.api.v1.VolumeAttachmentSource;
import dev.ordinal.api.v1.VolumeAttachmentSpec;
import dev.ordinal.client.DeleteOptions;
import dev.ordinal.client.ObjectKey;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.events.ApiEventRecorder;
import dev.ordinal.client.informer.SharedInformerFactory;
import dev.ordinal.client.testing.FakeApi;
import dev.ordinal.client.time.Clock;
import dev.ordinal.scheduler.plugins.VolumeTopology;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The whole scheduler loop — informers, queue, decision, binding, status, events — against the in-memory API. */
class SchedulerLoopTest {
    static final Duration DEADLINE = Duration.ofSeconds(20);

    FakeApi api;
    OrdinalClient client;
    SharedInformerFactory informers;
    ApiEventRecorder events;
    Scheduler scheduler;
    final Map<String, AtomicLong> attempts = new ConcurrentHashMap<>();

    @BeforeEach
    void start() {
        api = FakeApi.start();
        client = api.newClient();
        informers = new SharedInformerFactory(client);
        events = new ApiEventRecorder(client, "default-scheduler");
        scheduler = new Scheduler(client, informers, events, Clock.system(),
                Scheduler.Settings.defaults().withBackoff(Duration.ofMillis(100), Duration.ofMillis(500)),
                (result, latency) -> attempts.computeIfAbsent(result, r -> new AtomicLong()).incrementAndGet());
        informers.start();
        scheduler.startScheduling();
    }

    @AfterEach
    void stop() {
        scheduler.close();
        informers.shutdown();
        events.close();
        client.close();
        api.close();
    }

    Pod current(String name) {
        return api.<Pod>get(Kind.POD, "default", name).orElseThrow();
    }

    Optional<PodCondition> scheduled(String name) {
        return current(name).getStatus().getConditionsList().stream().filter(c -> c.getType().equals("PodScheduled")).findFirst();
    }

    List<Event> eventsFor(String pod, String reason) {
        return api.<Event>list(Kind.EVENT).stream()
                .filter(e -> e.getInvolvedObject().getName().equals(pod) && e.getReason().equals(reason)).toList();
    }

    @Test
    void bindsPendingPodsAndMarksThemScheduled() {
        api.create(node("a"));
        api.create(node("b"));
        for (int i = 0; i < 6; i++) {
            api.create(pod("p" + i, "500m", "1Gi"));
        }
        await().atMost(DEADLINE).until(() -> api.<Pod>list(Kind.POD).stream().allMatch(p -> !p.getSpec().getNodeName().isEmpty()));
        for (int i = 0; i < 6; i++) {
            String name = "p" + i;
            await().atMost(DEADLINE).until(() -> scheduled(name).map(c -> c.getStatus().equals("True")).orElse(false));
        }
        // Least-allocated scoring spreads them evenly.
        assertThat(api.<Pod>list(Kind.POD).stream().filter(p -> p.getSpec().getNodeName().equals("a")).count()).isEqualTo(3);
        await().atMost(DEADLINE).until(() -> eventsFor("p0", "Scheduled").size() == 1);
        assertThat(eventsFor("p0", "Scheduled").get(0).getMessage()).startsWith("Successfully assigned default/p0 to ");
        assertThat(eventsFor("p0", "Scheduled").get(0).getSource().getComponent()).isEqualTo("default-scheduler");
    }

    @Test
    void unschedulablePodIsExplainedAndBoundOnceANodeFits() {
        api.create(node("small-1", "1", "1Gi"));
        api.create(withTaint(node("tainted", "8", "16Gi"), "dedicated", "db", "NoSchedule"));
        api.create(pod("big", "2", "4Gi"));
        String message = "0/2 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, "
                + "1 node(s) had untolerated taint {dedicated: db}.";
        // The pod's watch may deliver it before the nodes' watch delivers them: an attempt against no
        // nodes at all is explained too, and the explanation follows once the nodes are seen.
        await().atMost(DEADLINE).until(() -> scheduled("big").map(c -> c.getMessage().equals(message)).orElse(false));
        PodCondition c = scheduled("big").orElseThrow();
        assertThat(c.getStatus()).isEqualTo("False");
        assertThat(c.getReason()).isEqualTo("Unschedulable");
        await().atMost(DEADLINE).until(() -> eventsFor("big", "FailedScheduling").stream().anyMatch(e -> e.getMessage().equals(message)));
        Event failed = eventsFor("big", "FailedScheduling").stream().filter(e -> e.getMessage().equals(message)).findFirst().orElseThrow();
        assertThat(failed.getType()).isEqualTo("Warning");

        api.create(node("large", "4", "8Gi"));
        await().atMost(DEADLINE).until(() -> current("big").getSpec().getNodeName().equals("large"));
        await().atMost(DEADLINE).until(() -> scheduled("big").map(x -> x.getStatus().equals("True")).orElse(false));
    }

    @Test
    void aRemovedPodMakesRoomForAWaitingOne() {
        api.create(maxPods(node("one"), 1));
        api.create(pod("first"));
        await().atMost(DEADLINE).until(() -> current("first").getSpec().getNodeName().equals("one"));
        api.create(pod("second"));
        await().atMost(DEADLINE).until(() -> scheduled("second").map(c -> c.getMessage()
                .equals("0/1 nodes are available: 1 Too many pods.")).orElse(false));
        client.resources(Pod.class).delete("default", "first", DeleteOptions.defaults().withGracePeriodSeconds(0));
        await().atMost(DEADLINE).until(() -> current("second").getSpec().getNodeName().equals("one"));
    }

    @Test
    void aConflictingBindingIsRetriedAndNeverDoubleCounted() {
        api.create(maxPods(node("one"), 1));
        api.failNext(FakeApi.Verb.UPDATE, Kind.POD, 1, ApiException.conflict(Kind.POD, "p", "the object has been modified"));
        api.create(pod("p"));
        await().atMost(DEADLINE).until(() -> current("p").getSpec().getNodeName().equals("one"));
        assertThat(attempts.get("error").get()).isEqualTo(1);
        // The failed attempt was forgotten: the node holds exactly one pod, so a second one waits.
        api.create(pod("q"));
        await().atMost(DEADLINE).until(() -> scheduled("q").map(c -> c.getStatus().equals("False")).orElse(false));
        assertThat(scheduler.cache().podCount()).isEqualTo(1);
    }

    @Test
    void waitForFirstConsumerClaimGetsTheChosenNode() {
        api.create(inZone(node("a"), "z1"));
        api.create(inZone(node("b"), "z2"));
        api.create(StorageClass.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("zonal"))
                .setProvisioner("ordinal.dev/local").setVolumeBindingMode("WaitForFirstConsumer")
                .addAllowedTopologies(dev.ordinal.api.v1.TopologySelectorTerm.newBuilder().addMatchLabelExpressions(
                        dev.ordinal.api.v1.TopologySelectorLabelRequirement.newBuilder().setKey(ZONE).addValues("z2"))).build());
        api.create(PersistentVolumeClaim.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("data-web-0"))
                .setSpec(PersistentVolumeClaimSpec.newBuilder().addAccessModes("ReadWriteOnce").setStorageClassName("zonal")).build());
        api.create(withClaim(pod("web-0"), "data-web-0"));
        await().atMost(DEADLINE).until(() -> current("web-0").getSpec().getNodeName().equals("b"));
        PersistentVolumeClaim claim = api.<PersistentVolumeClaim>get(Kind.PERSISTENT_VOLUME_CLAIM, "default", "data-web-0").orElseThrow();
        assertThat(claim.getMetadata().getAnnotationsMap()).containsEntry(VolumeTopology.SELECTED_NODE, "b");
    }

    @Test
    void aVolumeStillAttachedElsewhereWaitsForTheDetach() {
        api.create(node("a"));
        api.create(PersistentVolume.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("pv-1"))
                .setSpec(PersistentVolumeSpec.newBuilder().addAccessModes("ReadWriteOnce").putCapacity("storage", "1Gi")).build());
        api.create(PersistentVolumeClaim.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("data"))
                .setSpec(PersistentVolumeClaimSpec.newBuilder().addAccessModes("ReadWriteOnce").setVolumeName("pv-1")).build());
        api.create(VolumeAttachment.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("va-1"))
                .setSpec(VolumeAttachmentSpec.newBuilder().setAttacher("ordinal").setNodeName("lost-node")
                        .setSource(VolumeAttachmentSource.newBuilder().setPersistentVolumeName("pv-1"))).build());
        // The scheduler decides from its caches, fed by separate watches: had the pod's event come before the
        // attachment's, it would rightly bind at once. This test is about an attachment the scheduler knows of.
        await().atMost(DEADLINE).until(() -> informers.informerFor(VolumeAttachment.class).lister()
                .get(ObjectKey.cluster("va-1")).isPresent());
        api.create(withClaim(pod("web-0"), "data"));
        await().atMost(DEADLINE).until(() -> scheduled("web-0").map(c -> c.getMessage()
                .equals("0/1 nodes are available: 1 " + VolumeTopology.ATTACHED_ELSEWHERE + ".")).orElse(false));
        api.delete(Kind.VOLUME_ATTACHMENT, "", "va-1");
        await().atMost(DEADLINE).until(() -> current("web-0").getSpec().getNodeName().equals("a"));
    }

    @Test
    void podsOfAnotherSchedulerAndBoundPodsAreLeftAlone() {
        api.create(node("a"));
        Pod other = pod("other");
        api.create(other.toBuilder().setSpec(other.getSpec().toBuilder().setSchedulerName("my-scheduler")).build());
        api.create(boundTo(pod("placed"), "a"));
        api.create(pod("mine"));
        await().atMost(DEADLINE).until(() -> current("mine").getSpec().getNodeName().equals("a"));
        assertThat(current("other").getSpec().getNodeName()).isEmpty();
        assertThat(current("other").getStatus().getConditionsList()).isEmpty();
        await().atMost(DEADLINE).until(() -> scheduler.cache().podCount() == 2);
    }

    @Test
    void aCordonedNodeIsAvoidedUntilUncordoned() {
        Node a = api.create(cordoned(node("a")));
        api.create(pod("p"));
        await().atMost(DEADLINE).until(() -> scheduled("p").map(c -> c.getMessage()
                .equals("0/1 nodes are available: 1 node(s) were unschedulable.")).orElse(false));
        api.update(a.toBuilder().setSpec(a.getSpec().toBuilder().setUnschedulable(false)).build());
        await().atMost(DEADLINE).until(() -> current("p").getSpec().getNodeName().equals("a"));
    }
}

package dev.ordinal.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.RollingUpdateStatefulSetStrategy;
import dev.ordinal.api.v1.Service;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.api.v1.StatefulSetUpdateStrategy;
import dev.ordinal.client.ListOptions;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.Resources;
import dev.ordinal.testkit.ProcessRecords;
import dev.ordinal.testkit.TestCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The journey of a user with a stateful application, end to end: the real services as separate
 * processes ({@link TestCluster}: api-server on its own PostgreSQL, controller-manager, scheduler,
 * three node agents running real python3 pods, DNS), driven from outside through the gRPC client and
 * {@code dig}, and watched the way {@code kubectl get pods -w} watches. The application is the web
 * example of deploy/examples/web.yaml (its own server code); its data lives in a claim per pod
 * ({@code data-web-N}, provisioned on the default {@code shared} class), which follows the pod's
 * identity to whichever node it runs on.
 */
class UserJourneyIT {
    private static final String NS = WebExample.NAMESPACE;

    private TestCluster cluster;
    private OrdinalClient client;
    private PodTimeline timeline;

    @Test
    void aStatefulApplicationThroughItsWholeLife() throws Exception {
        try (TestCluster c = TestCluster.builder().nodes(3).start();
                OrdinalClient cl = OrdinalClient.connect(c.target())) {
            cluster = c;
            client = cl;
            String from = pods().list(ListOptions.inNamespace(NS)).resourceVersion();
            try (PodTimeline t = new PodTimeline(client, NS, "app=web", from)) {
                timeline = t;
                journey();
            }
        }
    }

    private void journey() throws Exception {
        // apply: the headless Service and the StatefulSet of three
        client.resources(Service.class).create(WebExample.service("web"));
        sets().create(WebExample.statefulSet("web", 3, true));
        awaitSettled(3);
        String original = set().getStatus().getCurrentRevision();

        // ordered start: each pod is created only once its predecessor is Running and Ready
        for (int i = 1; i < 3; i++) {
            int previousReady = timeline.first(seen("web-" + (i - 1)).and(PodTimeline.Seen::ready));
            int created = timeline.first(seen("web-" + i));
            assertThat(previousReady).as("web-%d Ready in the watch:\n%s", i - 1, timeline.describe()).isNotNegative();
            assertThat(created).as("web-%d created only after web-%d was Ready:\n%s", i, i - 1, timeline.describe())
                    .isGreaterThan(previousReady);
        }

        // every pod's stable DNS name resolves to its pod IP
        for (int i = 0; i < 3; i++) {
            awaitResolves("web-" + i);
        }

        // data written to web-1 through its DNS name
        String web1Ip = dig("web-1").get(0);
        WebExample.Reply stored = WebExample.put(web1Ip, "/greeting", "hello from the journey");
        assertThat(stored.status()).as(stored.body()).isEqualTo(201);
        assertThat(stored.body()).contains("\"pod\": \"web-1\"");

        // web-1 deleted: it returns with the same name, a new uid, its DNS name, the same claim, and its data
        String claimUid = claim("data-web-1").getMetadata().getUid();
        assertThat(claim("data-web-1").getStatus().getPhase()).isEqualTo("Bound");
        String oldUid = pod("web-1").getMetadata().getUid();
        pods().delete(NS, "web-1");
        await("web-1 back, Ready, as a new pod").atMost(Duration.ofSeconds(60)).until(() -> {
            Pod p = pods().list(ListOptions.inNamespace(NS)).items().stream().filter(x -> x.getMetadata().getName().equals("web-1"))
                    .findFirst().orElse(null);
            return p != null && !p.getMetadata().getUid().equals(oldUid) && PodTimeline.ready(p);
        });
        awaitSettled(3);
        String newIp = awaitResolves("web-1");
        WebExample.Reply read = WebExample.get(newIp, "/greeting");
        assertThat(read.status()).as(read.body()).isEqualTo(200);
        assertThat(read.body()).contains("\"pod\": \"web-1\"").contains("hello from the journey");
        assertThat(claim("data-web-1").getMetadata().getUid()).as("web-1's claim").isEqualTo(claimUid);

        // scale to 5: web-3, then web-4, each after its predecessor is Ready
        int mark = timeline.mark();
        setReplicas(5);
        awaitSettled(5);
        assertThat(timeline.first(mark, seen("web-4"))).as("web-4 created after web-3 was Ready:\n%s", timeline.describe())
                .isGreaterThan(timeline.first(mark, seen("web-3").and(PodTimeline.Seen::ready)));

        // rolling update with partition 2: only web-4, web-3, web-2 change, highest first, each after the previous one is Ready again
        Map<String, String> keptUids = uids("web-0", "web-1");
        mark = timeline.mark();
        update(s -> s.setUpdateStrategy(StatefulSetUpdateStrategy.newBuilder().setType("RollingUpdate")
                .setRollingUpdate(RollingUpdateStatefulSetStrategy.newBuilder().setPartition(2)))
                .setTemplate(withImage(s.getTemplate(), "python:3.12-slim")));
        String updated = awaitUpdated(List.of("web-2", "web-3", "web-4"), 5);
        assertThat(updated).isNotEqualTo(original);
        assertThat(revisionOf("web-0")).isEqualTo(original);
        assertThat(revisionOf("web-1")).isEqualTo(original);
        assertThat(uids("web-0", "web-1")).as("pods below the partition untouched").isEqualTo(keptUids);
        assertThat(timeline.terminationOrder(mark)).as("update order:\n%s", timeline.describe()).containsExactly("web-4", "web-3", "web-2");
        int web4Back = timeline.first(mark, seen("web-4").and(PodTimeline.Seen::ready).and(s -> s.revision().equals(updated)));
        assertThat(timeline.first(mark, seen("web-3").and(PodTimeline.Seen::terminating)))
                .as("web-3 replaced only after the new web-4 was Ready:\n%s", timeline.describe()).isGreaterThan(web4Back);

        // scale back to 2: web-4, then web-3, then web-2, each only once the one above is gone
        mark = timeline.mark();
        setReplicas(2);
        await("only web-0 and web-1 left").atMost(Duration.ofSeconds(60))
                .until(() -> names().equals(List.of("web-0", "web-1")) && set().getStatus().getReplicas() == 2);
        assertThat(timeline.terminationOrder(mark)).as("scale-down order:\n%s", timeline.describe()).containsExactly("web-4", "web-3", "web-2");
        int web4Gone = timeline.first(mark, seen("web-4").and(s -> s.type() == dev.ordinal.client.WatchEvent.Type.DELETED));
        assertThat(timeline.first(mark, seen("web-3").and(PodTimeline.Seen::terminating)))
                .as("web-3 deleted only after web-4 was gone:\n%s", timeline.describe()).isGreaterThan(web4Gone);

        // the partition lowered to 0: web-1, then web-0 move to the new revision
        mark = timeline.mark();
        update(s -> s.setUpdateStrategy(StatefulSetUpdateStrategy.newBuilder().setType("RollingUpdate")
                .setRollingUpdate(RollingUpdateStatefulSetStrategy.newBuilder().setPartition(0))));
        awaitSettled(2);
        assertThat(set().getStatus().getCurrentRevision()).isEqualTo(updated);
        assertThat(timeline.terminationOrder(mark)).as("update order:\n%s", timeline.describe()).containsExactly("web-1", "web-0");

        // rollback: the old template again, the old revision reused, highest first
        mark = timeline.mark();
        update(s -> s.setTemplate(withImage(s.getTemplate(), "python:3-slim")));
        awaitSettled(2);
        assertThat(set().getStatus().getCurrentRevision()).as("the original ControllerRevision reused").isEqualTo(original);
        assertThat(revisionOf("web-0")).isEqualTo(original);
        assertThat(timeline.terminationOrder(mark)).as("rollback order:\n%s", timeline.describe()).containsExactly("web-1", "web-0");
        assertThat(WebExample.get(awaitResolves("web-1"), "/greeting").body()).contains("hello from the journey");

        // a broken update: web-1 crashes on the new revision, the rollout stops there and says why; web-0 is not touched
        String web0Uid = pod("web-0").getMetadata().getUid();
        List<String> goodArgs = set().getSpec().getTemplate().getSpec().getContainers(0).getArgsList();
        update(s -> s.setTemplate(withArgs(s.getTemplate(), List.of("import sys; print('cannot start: bad config'); sys.exit(3)"))));
        await("web-1 crashing on the broken revision, the set Blocked on it").atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            Pod web1 = pod("web-1");
            assertThat(web1.getMetadata().getLabelsOrDefault("controller-revision-hash", "")).isEqualTo(set().getStatus().getUpdateRevision());
            assertThat(web1.getStatus().getContainerStatusesList()).anySatisfy(cs -> assertThat(cs.getRestartCount()).isPositive());
            assertThat(set().getStatus().getConditionsList()).anySatisfy(cond -> {
                assertThat(cond.getType()).isEqualTo("Blocked");
                assertThat(cond.getMessage()).contains("web-1");
            });
        });
        assertThat(pod("web-0").getMetadata().getUid()).as("web-0 untouched while web-1 is broken").isEqualTo(web0Uid);
        assertThat(revisionOf("web-0")).isEqualTo(original);

        // recovered by reverting the template: web-1 is replaced by itself, no manual deletion
        update(s -> s.setTemplate(withArgs(s.getTemplate(), goodArgs)));
        awaitSettled(2);
        assertThat(set().getStatus().getCurrentRevision()).isEqualTo(original);
        assertThat(pod("web-0").getMetadata().getUid()).isEqualTo(web0Uid);
        assertThat(WebExample.get(awaitResolves("web-1"), "/greeting").body()).contains("hello from the journey");

        // a node agent killed: its pods come back on the other nodes with their data, never two processes of one identity
        String lost = pod("web-1").getSpec().getNodeName();
        Map<String, String> before = uids("web-0", "web-1");
        cluster.node(lost).kill();
        await("web-0 and web-1 Ready away from " + lost).atMost(Duration.ofSeconds(120)).ignoreExceptions().untilAsserted(() -> {
            for (String name : List.of("web-0", "web-1")) {
                Pod p = pod(name);
                assertThat(PodTimeline.ready(p)).as(name + " Ready").isTrue();
                assertThat(p.getSpec().getNodeName()).as(name + "'s node").isNotEqualTo(lost);
            }
        });
        assertThat(pod("web-1").getMetadata().getUid()).as("web-1 replaced").isNotEqualTo(before.get("web-1"));
        assertThat(WebExample.get(awaitResolves("web-1"), "/greeting").body()).contains("\"pod\": \"web-1\"").contains("hello from the journey");
        assertThat(ProcessRecords.read(cluster.processEventsFile())).as("supervisor records").isNotEmpty();
        assertThat(ProcessRecords.podOverlaps(cluster.processEventsFile())).as("moments two processes of one pod ran").isEmpty();

        // the StatefulSet deleted: its pods go, its claims stay (the default retention policy, Retain)
        sets().delete(NS, "web");
        await("every pod of web gone").atMost(Duration.ofSeconds(60)).until(() -> names().isEmpty());
        assertThat(ProcessRecords.podOverlaps(cluster.processEventsFile())).isEmpty();
        assertThat(client.resources(PersistentVolumeClaim.class).list(ListOptions.inNamespace(NS)).items())
                .extracting(pvc -> pvc.getMetadata().getName())
                .contains("data-web-0", "data-web-1");
        assertThat(claim("data-web-1").getMetadata().getUid()).isEqualTo(claimUid);
    }

    private PersistentVolumeClaim claim(String name) {
        return client.resources(PersistentVolumeClaim.class).get(NS, name);
    }

    private Resources<Pod> pods() {
        return client.resources(Pod.class);
    }

    private Resources<StatefulSet> sets() {
        return client.resources(StatefulSet.class);
    }

    private StatefulSet set() {
        return sets().get(NS, "web");
    }

    private Pod pod(String name) {
        return pods().get(NS, name);
    }

    private List<String> names() {
        return pods().list(ListOptions.inNamespace(NS).withLabelSelector("app=web")).items().stream()
                .map(p -> p.getMetadata().getName()).sorted().toList();
    }

    private String revisionOf(String name) {
        return pod(name).getMetadata().getLabelsOrDefault("controller-revision-hash", "");
    }

    private Map<String, String> uids(String... names) {
        return List.of(names).stream().collect(Collectors.toMap(n -> n, n -> pod(n).getMetadata().getUid()));
    }

    private static java.util.function.Predicate<PodTimeline.Seen> seen(String name) {
        return s -> s.name().equals(name);
    }

    private void setReplicas(int n) {
        update(s -> s.setReplicas(n));
    }

    private void update(UnaryOperator<dev.ordinal.api.v1.StatefulSetSpec.Builder> change) {
        sets().modify(NS, "web", s -> s.toBuilder().setSpec(change.apply(s.getSpec().toBuilder())).build());
    }

    private static dev.ordinal.api.v1.PodTemplateSpec withImage(dev.ordinal.api.v1.PodTemplateSpec t, String image) {
        return withContainer(t, c -> c.setImage(image));
    }

    private static dev.ordinal.api.v1.PodTemplateSpec withArgs(dev.ordinal.api.v1.PodTemplateSpec t, List<String> args) {
        return withContainer(t, c -> c.clearArgs().addAllArgs(args));
    }

    private static dev.ordinal.api.v1.PodTemplateSpec withContainer(dev.ordinal.api.v1.PodTemplateSpec t, UnaryOperator<Container.Builder> change) {
        dev.ordinal.api.v1.PodTemplateSpec.Builder b = t.toBuilder();
        b.getSpecBuilder().setContainers(0, change.apply(b.getSpec().getContainers(0).toBuilder()));
        return b.build();
    }

    /** Every replica Ready on the update revision, the rollout complete. */
    private void awaitSettled(int replicas) {
        await("web: " + replicas + " Ready, rollout complete").atMost(Duration.ofSeconds(120)).ignoreExceptions().untilAsserted(() -> {
            StatefulSet s = set();
            assertThat(s.getStatus().getObservedGeneration()).isEqualTo(s.getMetadata().getGeneration());
            assertThat(s.getStatus().getReplicas()).isEqualTo(replicas);
            assertThat(s.getStatus().getReadyReplicas()).isEqualTo(replicas);
            assertThat(s.getStatus().getUpdatedReplicas()).isEqualTo(replicas);
            assertThat(s.getStatus().getCurrentRevision()).isEqualTo(s.getStatus().getUpdateRevision());
            assertThat(names()).hasSize(replicas);
        });
    }

    /** The named pods Ready on the update revision, all {@code replicas} Ready; returns the update revision. */
    private String awaitUpdated(List<String> names, int replicas) {
        await(names + " Ready on the update revision").atMost(Duration.ofSeconds(120)).ignoreExceptions().untilAsserted(() -> {
            StatefulSet s = set();
            assertThat(s.getStatus().getObservedGeneration()).isEqualTo(s.getMetadata().getGeneration());
            assertThat(s.getStatus().getReadyReplicas()).isEqualTo(replicas);
            assertThat(s.getStatus().getUpdatedReplicas()).isEqualTo(names.size());
            for (String name : names) {
                assertThat(revisionOf(name)).as(name).isEqualTo(s.getStatus().getUpdateRevision());
            }
        });
        return set().getStatus().getUpdateRevision();
    }

    private List<String> dig(String pod) throws Exception {
        return Dig.a(cluster.dnsPort(), pod + ".web.default.svc.cluster.local");
    }

    /** Waits until the pod's DNS name resolves to exactly its current pod IP; returns it. */
    private String awaitResolves(String name) {
        await(name + ".web.default.svc.cluster.local resolves to its pod IP").atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            String ip = pod(name).getStatus().getPodIp();
            assertThat(ip).isNotEmpty();
            assertThat(dig(name)).containsExactly(ip);
        });
        return pod(name).getStatus().getPodIp();
    }
}

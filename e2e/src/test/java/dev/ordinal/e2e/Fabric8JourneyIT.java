package dev.ordinal.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.testkit.TestCluster;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import io.fabric8.kubernetes.client.dsl.RollableScalableResource;
import io.fabric8.kubernetes.client.readiness.Readiness;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The kubectl journey through a second real Kubernetes client, fabric8 kubernetes-client (Java):
 * create, get, scale, watch, a rolling update by edit, wait until ready, logs, eviction and
 * delete with each propagation policy, against a whole cluster of processes.
 */
class Fabric8JourneyIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration ROLLOUT = Duration.ofSeconds(90);

    @Test
    void theStatefulSetWorkflowThroughFabric8() throws Exception {
        try (TestCluster cluster = TestCluster.builder().nodes(2).withoutDns().start();
                KubernetesClient k8s = client(cluster)) {
            // create from the same manifest kubectl applies
            List<HasMetadata> manifest = k8s.load(new ByteArrayInputStream(KubectlJourneyIT.MANIFEST.getBytes(StandardCharsets.UTF_8)))
                    .items();
            List<HasMetadata> created = k8s.resourceList(manifest).create();
            assertThat(created).extracting(o -> o.getKind() + "/" + o.getMetadata().getName())
                    .containsExactly("Service/web", "StatefulSet/web");
            Service svc = k8s.services().withName("web").get();
            assertThat(svc.getSpec().getClusterIP()).isEqualTo("None");
            assertThat(svc.getSpec().getPorts().get(0).getProtocol()).isEqualTo("TCP");
            RollableScalableResource<StatefulSet> web = k8s.apps().statefulSets().withName("web");
            assertThat(web.get().getMetadata().getGeneration()).isEqualTo(1L);

            // wait until every pod is ready, then read them back
            web.waitUntilCondition(s -> rolledOut(s, 3), ROLLOUT.toSeconds(), TimeUnit.SECONDS);
            Pod web0 = k8s.pods().withName("web-0").waitUntilReady(60, TimeUnit.SECONDS);
            assertThat(Readiness.isPodReady(web0)).isTrue();
            List<Pod> pods = k8s.pods().withLabel("app", "web").list().getItems();
            assertThat(pods).extracting(p -> p.getMetadata().getName()).containsExactlyInAnyOrder("web-0", "web-1", "web-2");
            assertThat(pods).allSatisfy(p -> {
                assertThat(p.getStatus().getPhase()).isEqualTo("Running");
                assertThat(p.getSpec().getNodeName()).isIn(cluster.nodeNames());
                assertThat(p.getMetadata().getOwnerReferences()).singleElement()
                        .satisfies(o -> assertThat(o.getUid()).isEqualTo(web.get().getMetadata().getUid()));
            });
            String ip0 = web0.getStatus().getPodIP();
            assertThat(get("http://" + ip0 + ":8080/")).isEqualTo("web-0 hello\n");
            assertThat(k8s.pods().withField("spec.nodeName", web0.getSpec().getNodeName()).list().getItems())
                    .extracting(p -> p.getMetadata().getName()).contains("web-0");

            // logs: whole, followed until a new line shows, and the previous container's after a crash
            assertThat(k8s.pods().withName("web-0").getLog()).startsWith("web-0 serving on " + ip0 + "\n");
            try (LogWatch follow = k8s.pods().withName("web-0").watchLog()) {
                List<String> lines = new CopyOnWriteArrayList<>();
                Thread reader = new Thread(() -> {
                    try (BufferedReader in = new BufferedReader(new InputStreamReader(follow.getOutput(), StandardCharsets.UTF_8))) {
                        for (String line = in.readLine(); line != null; line = in.readLine()) {
                            lines.add(line);
                        }
                    } catch (IOException e) {
                        // closed
                    }
                });
                reader.setDaemon(true);
                reader.start();
                await("the followed log's first line").atMost(Duration.ofSeconds(30)).until(() -> lines.contains("web-0 serving on " + ip0));
                get("http://" + ip0 + ":8080/followed");
                await("the followed log shows the new request").atMost(Duration.ofSeconds(30)).until(() -> lines.contains("web-0 served /followed"));
            }
            crash(ip0);
            await("web-0 restarted").atMost(Duration.ofSeconds(30)).until(() -> restarts(k8s.pods().withName("web-0").get()) == 1);
            assertThat(k8s.pods().withName("web-0").terminated().getLog()).endsWith("web-0 crashing on request\n");

            // scale, seen by a watch
            List<String> seen = new CopyOnWriteArrayList<>();
            try (Watch watch = k8s.pods().withLabel("app", "web").watch(new Watcher<>() {
                @Override
                public void eventReceived(Action action, Pod pod) {
                    seen.add(action + " " + pod.getMetadata().getName() + " " + pod.getStatus().getPhase() + " " + Readiness.isPodReady(pod));
                }

                @Override
                public void onClose(WatcherException cause) {
                }
            })) {
                assertThat(web.scale(4).getSpec().getReplicas()).isEqualTo(4);
                await("the watch sees web-3 ready").atMost(Duration.ofSeconds(60)).until(() -> seen.contains("MODIFIED web-3 Running true"));
                assertThat(seen).contains("ADDED web-3 Pending false");
            }
            web.waitUntilCondition(s -> rolledOut(s, 4), ROLLOUT.toSeconds(), TimeUnit.SECONDS);
            assertThat(web.scale(3).getSpec().getReplicas()).isEqualTo(3);
            await("web-3 gone").atMost(Duration.ofSeconds(60)).until(() -> k8s.pods().withName("web-3").get() == null);

            // a rolling update by edit: every pod replaced, the new revision recorded
            StatefulSet before = web.get();
            String firstRevision = before.getStatus().getUpdateRevision();
            StatefulSet edited = web.edit(s -> new StatefulSetBuilder(s).editSpec().editTemplate().editSpec().editFirstContainer()
                    .addToEnv(new EnvVar("GREETING", "edited", null)).endContainer().endSpec().endTemplate().endSpec().build());
            assertThat(edited.getMetadata().getGeneration()).isEqualTo(before.getMetadata().getGeneration() + 1);
            StatefulSet rolled = web.waitUntilCondition(s -> rolledOut(s, 3) && !firstRevision.equals(s.getStatus().getUpdateRevision()),
                    ROLLOUT.toSeconds(), TimeUnit.SECONDS);
            assertThat(k8s.pods().withLabel("app", "web").list().getItems()).allSatisfy(p -> assertThat(
                    p.getMetadata().getLabels()).containsEntry("controller-revision-hash", rolled.getStatus().getUpdateRevision()));
            assertThat(k8s.apps().controllerRevisions().withLabel("app", "web").list().getItems())
                    .extracting(r -> r.getMetadata().getName()).contains(firstRevision, rolled.getStatus().getUpdateRevision());
            Pod edited0 = k8s.pods().withName("web-0").waitUntilReady(60, TimeUnit.SECONDS);
            assertThat(get("http://" + edited0.getStatus().getPodIP() + ":8080/")).isEqualTo("web-0 edited\n");

            // eviction: the pod goes and its controller makes it again
            String uid2 = k8s.pods().withName("web-2").get().getMetadata().getUid();
            assertThat(k8s.pods().withName("web-2").evict()).isTrue();
            await("web-2 back, ready").atMost(Duration.ofSeconds(60)).until(() -> {
                Pod p = k8s.pods().withName("web-2").get();
                return p != null && !p.getMetadata().getUid().equals(uid2) && Readiness.isPodReady(p);
            });

            // errors come back as Kubernetes Status codes
            KubernetesClientException conflict = org.assertj.core.api.Assertions.catchThrowableOfType(KubernetesClientException.class,
                    () -> k8s.apps().statefulSets().resource(new StatefulSetBuilder(rolled).editMetadata().withResourceVersion(null)
                            .withUid(null).endMetadata().build()).create());
            assertThat(conflict.getCode()).isEqualTo(409);
            KubernetesClientException invalid = org.assertj.core.api.Assertions.catchThrowableOfType(KubernetesClientException.class,
                    () -> web.edit(s -> new StatefulSetBuilder(s).editSpec().withServiceName("other").endSpec().build()));
            assertThat(invalid.getCode()).isEqualTo(422);
            assertThat(invalid.getStatus().getMessage()).contains("updates to statefulset spec for fields other than");

            // delete with each propagation policy. Orphan: the pods stay, without an owner
            web.withPropagationPolicy(DeletionPropagation.ORPHAN).withTimeout(30, TimeUnit.SECONDS).delete();
            assertThat(web.get()).isNull();
            List<Pod> orphans = k8s.pods().withLabel("app", "web").list().getItems();
            assertThat(orphans).hasSize(3).allSatisfy(p -> assertThat(p.getMetadata().getOwnerReferences()).isEmpty());
            k8s.pods().withLabel("app", "web").withTimeout(60, TimeUnit.SECONDS).delete();
            assertThat(k8s.pods().withLabel("app", "web").list().getItems()).isEmpty();

            // Foreground: the StatefulSet is gone only after its pods
            k8s.resource(manifest.get(1)).create();
            web.waitUntilCondition(s -> rolledOut(s, 3), ROLLOUT.toSeconds(), TimeUnit.SECONDS);
            web.withPropagationPolicy(DeletionPropagation.FOREGROUND).withTimeout(60, TimeUnit.SECONDS).delete();
            assertThat(web.get()).isNull();
            assertThat(k8s.pods().withLabel("app", "web").list().getItems()).isEmpty();

            // Background: the StatefulSet goes at once, the garbage collector takes its pods
            k8s.resource(manifest.get(1)).create();
            web.waitUntilCondition(s -> rolledOut(s, 3), ROLLOUT.toSeconds(), TimeUnit.SECONDS);
            web.withPropagationPolicy(DeletionPropagation.BACKGROUND).withTimeout(30, TimeUnit.SECONDS).delete();
            assertThat(web.get()).isNull();
            await("the pods collected").atMost(Duration.ofSeconds(60))
                    .until(() -> k8s.pods().withLabel("app", "web").list().getItems().isEmpty());
            assertThat(k8s.services().withName("web").delete()).hasSize(1);
        }
    }

    private static KubernetesClient client(TestCluster cluster) {
        Config config = new ConfigBuilder().withMasterUrl("http://" + cluster.target()).withNamespace("default")
                .withRequestTimeout(30_000).withConnectionTimeout(10_000).build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** What kubectl rollout status waits for: observed, every replica ready and on the update revision. */
    private static boolean rolledOut(StatefulSet s, int replicas) {
        return s != null && s.getStatus() != null && Objects.equals(s.getStatus().getObservedGeneration(), s.getMetadata().getGeneration())
                && s.getSpec().getReplicas() == replicas && Objects.equals(s.getStatus().getReadyReplicas(), replicas)
                && Objects.equals(s.getStatus().getUpdatedReplicas(), replicas)
                && Objects.equals(s.getStatus().getCurrentRevision(), s.getStatus().getUpdateRevision());
    }

    private static int restarts(Pod pod) {
        return pod == null ? -1 : pod.getStatus().getContainerStatuses().stream().mapToInt(ContainerStatus::getRestartCount).sum();
    }

    private static String get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static void crash(String ip) {
        try {
            get("http://" + ip + ":8080/crash");
        } catch (IOException e) {
            // expected: the server exits before answering
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

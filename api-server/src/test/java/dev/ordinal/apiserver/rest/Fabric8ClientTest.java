package dev.ordinal.apiserver.rest;

import dev.ordinal.apiserver.testing.PostgresTestResource;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The fabric8 kubernetes-client (a second real Kubernetes client, Java) through the StatefulSet basics. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class Fabric8ClientTest {
    @TestHTTPResource("/")
    URL server;

    private KubernetesClient client() {
        Config config = new ConfigBuilder().withMasterUrl(server.toString()).withNamespace("default")
                .withRequestTimeout(30_000).withConnectionTimeout(10_000).build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    @Test
    void statefulSetLifecycle() {
        try (KubernetesClient k8s = client()) {
            Service svc = new ServiceBuilder().withNewMetadata().withName("f8-nginx").endMetadata()
                    .withNewSpec().withClusterIP("None").withSelector(Map.of("app", "f8"))
                    .addNewPort().withName("web").withPort(80).withTargetPort(new IntOrString("web")).endPort().endSpec().build();
            Service created = k8s.services().resource(svc).create();
            assertThat(created.getSpec().getPorts().get(0).getProtocol()).isEqualTo("TCP");
            assertThat(created.getSpec().getPorts().get(0).getTargetPort().getStrVal()).isEqualTo("web");

            StatefulSet sts = new StatefulSetBuilder().withNewMetadata().withName("f8").withLabels(Map.of("app", "f8")).endMetadata()
                    .withNewSpec().withReplicas(2).withServiceName("f8-nginx")
                    .withNewSelector().withMatchLabels(Map.of("app", "f8")).endSelector()
                    .withNewTemplate().withNewMetadata().withLabels(Map.of("app", "f8")).endMetadata()
                    .withNewSpec().addNewContainer().withName("nginx").withImage("nginx:1").endContainer().endSpec().endTemplate()
                    .endSpec().build();
            StatefulSet live = k8s.apps().statefulSets().resource(sts).create();
            assertThat(live.getMetadata().getUid()).isNotEmpty();
            assertThat(live.getMetadata().getGeneration()).isEqualTo(1L);

            List<String> events = new CopyOnWriteArrayList<>();
            try (var watch = k8s.apps().statefulSets().withName("f8").watch(new Watcher<>() {
                @Override
                public void eventReceived(Action action, StatefulSet resource) {
                    events.add(action + ":" + resource.getSpec().getReplicas());
                }

                @Override
                public void onClose(WatcherException cause) {
                }
            })) {
                assertThat(k8s.apps().statefulSets().withName("f8").scale(4).getSpec().getReplicas()).isEqualTo(4);
                Awaitility.await("the watch sees the scale").atMost(Duration.ofSeconds(30)).until(() -> events.contains("MODIFIED:4"));
            }

            StatefulSet edited = k8s.apps().statefulSets().withName("f8").edit(s -> {
                s.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("nginx:2");
                return s;
            });
            assertThat(edited.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("nginx:2");
            assertThat(edited.getMetadata().getGeneration()).isEqualTo(3L);
            StatefulSet merged = k8s.apps().statefulSets().withName("f8")
                    .patch(PatchContext.of(PatchType.STRATEGIC_MERGE), "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"nginx\",\"env\":[{\"name\":\"A\",\"value\":\"1\"}]}]}}}}");
            assertThat(merged.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("nginx:2");
            assertThat(merged.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()).hasSize(1);

            StatefulSet applied = new StatefulSetBuilder(sts).editSpec().withReplicas(1).endSpec().build();
            StatefulSet afterApply = k8s.apps().statefulSets().resource(applied).fieldManager("f8-test").forceConflicts().serverSideApply();
            assertThat(afterApply.getSpec().getReplicas()).isEqualTo(1);

            assertThat(k8s.apps().statefulSets().withLabel("app", "f8").list().getItems()).extracting(s -> s.getMetadata().getName())
                    .containsExactly("f8");
            assertThatThrownBy(() -> k8s.apps().statefulSets().resource(sts).create())
                    .isInstanceOf(KubernetesClientException.class).satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(409));

            assertThat(k8s.apps().statefulSets().withName("f8").delete()).hasSize(1);
            assertThat(k8s.apps().statefulSets().withName("f8").get()).isNull();
            assertThat(k8s.services().withName("f8-nginx").delete()).hasSize(1);
        }
    }
}

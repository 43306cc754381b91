package dev.ordinal.apiserver.storage;

import dev.ordinal.api.v1.CreateRequest;
import dev.ordinal.api.v1.DeleteRequest;
import dev.ordinal.api.v1.ListRequest;
import dev.ordinal.api.v1.ListResponse;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.UpdateRequest;
import dev.ordinal.apiserver.testing.PostgresTestResource;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.ApiObjects;
import io.grpc.Status;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/** List: label and field selectors, and pagination that stays consistent at one resourceVersion. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ListObjectsTest extends ApiServerTestBase {
    @Inject
    ChangeLogCompactor compactor;


    @BeforeAll
    void pods() {
        try (ApiClient client = new ApiClient(server)) {
            for (String ns : List.of("shop", "blog")) {
                client.blocking.create(CreateRequest.newBuilder().setObject(ApiClient.namespace(ns)).build());
            }
            create(client, ApiClient.withPodPhase(ApiClient.withPodSpec(ApiClient.pod("shop", "web-0", Map.of("app", "web", "tier", "front")),
                    PodSpec.newBuilder().setNodeName("node-1")), "Running"));
            create(client, ApiClient.withPodSpec(ApiClient.pod("shop", "web-1", Map.of("app", "web", "tier", "front", "canary", "yes")),
                    PodSpec.newBuilder().setNodeName("node-2")));
            create(client, ApiClient.pod("shop", "db-0", Map.of("app", "db", "tier", "back")));
            create(client, ApiClient.pod("shop", "cache-0", Map.of("app", "cache")));
            create(client, ApiClient.withPodSpec(ApiClient.pod("blog", "web-0", Map.of("app", "web")),
                    PodSpec.newBuilder().setNodeName("node-1")));
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void create(ApiClient client, Object object) {
        client.blocking.create(CreateRequest.newBuilder().setObject(object).build());
    }

    private List<String> names(String namespace, String labels, String fields) {
        ListResponse list = api.blocking.list(ListRequest.newBuilder().setKind("Pod").setNamespace(namespace)
                .setLabelSelector(labels).setFieldSelector(fields).build());
        return list.getItemsList().stream().map(ApiObjects::key).toList();
    }

    @Test
    void labelSelectorsFilterWithEveryOperator() {
        assertThat(names("shop", "app=web", "")).containsExactly("shop/web-0", "shop/web-1");
        assertThat(names("shop", "app!=web", "")).containsExactly("shop/cache-0", "shop/db-0");
        assertThat(names("shop", "app in (db,cache)", "")).containsExactly("shop/cache-0", "shop/db-0");
        assertThat(names("shop", "app notin (db,cache)", "")).containsExactly("shop/web-0", "shop/web-1");
        assertThat(names("shop", "tier", "")).containsExactly("shop/db-0", "shop/web-0", "shop/web-1");
        assertThat(names("shop", "!tier", "")).containsExactly("shop/cache-0");
        assertThat(names("shop", "app=web,!canary", "")).containsExactly("shop/web-0");
        assertThat(names("", "app=web", "")).containsExactly("blog/web-0", "shop/web-0", "shop/web-1");
    }

    @Test
    void fieldSelectorsFilterOnNameNamespaceNodeAndPhase() {
        // Other test classes share the database: the "app" selector keeps this to this class's pods.
        assertThat(names("", "app", "metadata.name=web-0")).containsExactly("blog/web-0", "shop/web-0");
        assertThat(names("", "app=web", "metadata.namespace=blog")).containsExactly("blog/web-0");
        assertThat(names("", "app", "spec.nodeName=node-1")).containsExactly("blog/web-0", "shop/web-0");
        assertThat(names("shop", "", "spec.nodeName=")).containsExactly("shop/cache-0", "shop/db-0");
        assertThat(names("shop", "", "status.phase=Running")).containsExactly("shop/web-0");
        assertThat(names("shop", "", "status.phase!=Running,metadata.name!=db-0")).containsExactly("shop/cache-0", "shop/web-1");
    }

    @Test
    void badSelectorsAreRefusedNamingTheProblem() {
        ApiException e = ApiClient.failure(Status.Code.INVALID_ARGUMENT, () -> names("shop", "", "spec.hostname=x"));
        assertThat(e.getMessage()).contains("spec.hostname");
        ApiClient.failure(Status.Code.INVALID_ARGUMENT, () -> names("shop", "app in (web", ""));
    }

    @Test
    void pagesCoverEveryObjectOnceAndStayAtTheFirstPagesVersion() {
        api.blocking.create(CreateRequest.newBuilder().setObject(ApiClient.namespace("paged")).build());
        Map<String, String> versionByName = new HashMap<>();
        for (int i = 0; i < 23; i++) {
            Object created = api.blocking.create(CreateRequest.newBuilder()
                    .setObject(ApiClient.pod("paged", String.format("p-%02d", i), Map.of("even", String.valueOf(i % 2 == 0)))).build());
            versionByName.put(ApiObjects.meta(created).getName(), ApiObjects.meta(created).getResourceVersion());
        }
        ListResponse first = api.blocking.list(ListRequest.newBuilder().setKind("Pod").setNamespace("paged").setLimit(5).build());
        assertThat(first.getItemsCount()).isEqualTo(5);
        assertThat(first.getContinue()).isNotEmpty();
        List<Object> seen = new ArrayList<>(first.getItemsList());

        // Changes after the first page must not show in later pages: they list the state at its version.
        Object p10 = versionOf("p-10");
        api.blocking.update(UpdateRequest.newBuilder().setObject(ApiObjects.withMeta(p10,
                ApiObjects.meta(p10).toBuilder().putLabels("changed", "later").build())).build());
        api.blocking.delete(DeleteRequest.newBuilder().setKind("Pod").setNamespace("paged").setName("p-20").build());
        api.blocking.create(CreateRequest.newBuilder().setObject(ApiClient.pod("paged", "p-15a")).build());

        String token = first.getContinue();
        while (!token.isEmpty()) {
            ListResponse page = api.blocking.list(ListRequest.newBuilder().setKind("Pod").setNamespace("paged")
                    .setLimit(5).setContinue(token).build());
            assertThat(page.getResourceVersion()).isEqualTo(first.getResourceVersion());
            assertThat(page.getItemsCount()).isBetween(1, 5);
            seen.addAll(page.getItemsList());
            token = page.getContinue();
        }
        assertThat(seen.stream().map(o -> ApiObjects.meta(o).getName()).toList())
                .containsExactlyElementsOf(versionByName.keySet().stream().sorted().toList());
        for (Object o : seen) {
            assertThat(ApiObjects.meta(o).getResourceVersion()).isEqualTo(versionByName.get(ApiObjects.meta(o).getName()));
            assertThat(ApiObjects.meta(o).getLabelsMap()).doesNotContainKey("changed");
        }

        ListResponse evenPages = api.blocking.list(ListRequest.newBuilder().setKind("Pod").setNamespace("paged")
                .setLabelSelector("even=true").setLimit(4).build());
        List<String> even = new ArrayList<>(evenPages.getItemsList().stream().map(o -> ApiObjects.meta(o).getName()).toList());
        while (!evenPages.getContinue().isEmpty()) {
            evenPages = api.blocking.list(ListRequest.newBuilder().setKind("Pod").setNamespace("paged")
                    .setLabelSelector("even=true").setLimit(4).setContinue(evenPages.getContinue()).build());
            evenPages.getItemsList().forEach(o -> even.add(ApiObjects.meta(o).getName()));
        }
        // p-20 is gone now; this list started after its deletion.
        assertThat(even).containsExactly("p-00", "p-02", "p-04", "p-06", "p-08", "p-10", "p-12", "p-14", "p-16", "p-18", "p-22");
    }

    @Test
    void aContinueTokenOlderThanTheCompactedLogIsExpired() {
        api.blocking.create(CreateRequest.newBuilder().setObject(ApiClient.namespace("compacted")).build());
        for (int i = 0; i < 3; i++) {
            api.blocking.create(CreateRequest.newBuilder().setObject(ApiClient.pod("compacted", "c-" + i)).build());
        }
        ListResponse first = api.blocking.list(ListRequest.newBuilder().setKind("Pod").setNamespace("compacted").setLimit(1).build());
        api.blocking.create(CreateRequest.newBuilder().setObject(ApiClient.pod("compacted", "c-3")).build());
        compactor.compact(Duration.ZERO).await().atMost(Duration.ofSeconds(30));

        ApiException expired = ApiClient.failure(Status.Code.OUT_OF_RANGE, () -> api.blocking.list(ListRequest.newBuilder()
                .setKind("Pod").setNamespace("compacted").setLimit(1).setContinue(first.getContinue()).build()));
        assertThat(expired.reason()).isEqualTo("Expired");

        // After compaction a fresh list still sees every object, and pagination from it still works.
        ListResponse fresh = api.blocking.list(ListRequest.newBuilder().setKind("Pod").setNamespace("compacted").setLimit(2).build());
        ListResponse rest = api.blocking.list(ListRequest.newBuilder().setKind("Pod").setNamespace("compacted")
                .setContinue(fresh.getContinue()).build());
        assertThat(fresh.getItemsCount() + rest.getItemsCount()).isEqualTo(4);
        assertThat(rest.getContinue()).isEmpty();
    }

    private Object versionOf(String name) {
        return api.blocking.get(dev.ordinal.api.v1.GetRequest.newBuilder().setKind("Pod").setNamespace("paged").setName(name).build());
    }
}

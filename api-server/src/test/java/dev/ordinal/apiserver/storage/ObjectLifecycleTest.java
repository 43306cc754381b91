package dev.ordinal.apiserver.storage;

import dev.ordinal.api.v1.CreateRequest;
import dev.ordinal.api.v1.DeleteRequest;
import dev.ordinal.api.v1.DeleteResponse;
import dev.ordinal.api.v1.GetRequest;
import dev.ordinal.api.v1.EnvVar;
import dev.ordinal.api.v1.LabelSelector;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.PodTemplateSpec;
import dev.ordinal.api.v1.PodStatus;
import dev.ordinal.api.v1.Preconditions;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.api.v1.StatefulSetSpec;
import dev.ordinal.api.v1.StatefulSetStatus;
import dev.ordinal.api.v1.UpdateRequest;
import dev.ordinal.apiserver.testing.PostgresTestResource;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.ApiObjects;
import io.grpc.Status;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Create, update, update-status and delete as Kubernetes defines them. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class ObjectLifecycleTest extends ApiServerTestBase {

    private void namespace(String name) {
        api.blocking.create(CreateRequest.newBuilder().setObject(ApiClient.namespace(name)).build());
    }

    private Object create(Object object) {
        return api.blocking.create(CreateRequest.newBuilder().setObject(object).build());
    }

    private Object update(Object object) {
        return api.blocking.update(UpdateRequest.newBuilder().setObject(object).build());
    }

    private Object updateStatus(Object object) {
        return api.blocking.updateStatus(UpdateRequest.newBuilder().setObject(object).build());
    }

    private Object get(String kind, String namespace, String name) {
        return api.blocking.get(GetRequest.newBuilder().setKind(kind).setNamespace(namespace).setName(name).build());
    }

    private DeleteResponse delete(DeleteRequest.Builder request) {
        return api.blocking.delete(request.build());
    }

    private static Object sts(String namespace, String name, int replicas) {
        return Object.newBuilder().setStatefulSet(StatefulSet.newBuilder()
                .setMetadata(ApiClient.meta(namespace, name))
                .setSpec(StatefulSetSpec.newBuilder().setReplicas(replicas).setServiceName(name)
                        // what admission requires: a selector matching the template's labels, a container
                        .setSelector(LabelSelector.newBuilder().putMatchLabels("app", name))
                        .setTemplate(PodTemplateSpec.newBuilder()
                                .setMetadata(ObjectMeta.newBuilder().putLabels("app", name))
                                .setSpec(ApiClient.pod(namespace, name).getPod().getSpec())))
                .setStatus(StatefulSetStatus.newBuilder().setReplicas(7))).build();
    }

    @Test
    void createAssignsIdentityVersionAndNameFromGenerateName() {
        namespace("life-create");
        Object pod = create(Object.newBuilder().setPod(ApiClient.pod("life-create", "").getPod().toBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace("life-create").setGenerateName("worker-"))).build());
        ObjectMeta meta = ApiObjects.meta(pod);
        assertThat(meta.getName()).matches("worker-[bcdfghjklmnpqrstvwxz2456789]{5}");
        assertThat(meta.getUid()).hasSize(36);
        assertThat(meta.hasCreationTimestamp()).isTrue();
        assertThat(meta.getGeneration()).isEqualTo(1);
        assertThat(ApiObjects.resourceVersion(pod)).isPositive();
        assertThat(pod.getPod().getKind()).isEqualTo("Pod");
        assertThat(pod.getPod().getApiVersion()).isEqualTo("v1");
        assertThat(get("Pod", "life-create", meta.getName())).isEqualTo(pod);

        ApiException duplicate = ApiClient.failure(Status.Code.ALREADY_EXISTS,
                () -> create(ApiClient.pod("life-create", meta.getName())));
        assertThat(duplicate.getMessage()).isEqualTo("pods \"" + meta.getName() + "\" already exists");

        Object set = create(sts("life-create", "web", 3));
        assertThat(set.getStatefulSet().hasStatus()).as("status is the controller's, cleared on create").isFalse();
        assertThat(set.getStatefulSet().getApiVersion()).isEqualTo("apps/v1");
    }

    @Test
    void generationCountsSpecChangesOnlyAndStatusAndSpecHaveSeparateWriters() {
        namespace("life-gen");
        Object set = create(sts("life-gen", "web", 3));
        assertThat(ApiObjects.meta(set).getGeneration()).isEqualTo(1);

        Object relabelled = update(ApiObjects.withMeta(set, ApiObjects.meta(set).toBuilder().putLabels("team", "a").build()));
        assertThat(ApiObjects.meta(relabelled).getGeneration()).isEqualTo(1);
        assertThat(ApiObjects.resourceVersion(relabelled)).isGreaterThan(ApiObjects.resourceVersion(set));

        Object withStatus = updateStatus(Object.newBuilder().setStatefulSet(relabelled.getStatefulSet().toBuilder()
                .setSpec(StatefulSetSpec.newBuilder().setReplicas(99))
                .setStatus(StatefulSetStatus.newBuilder().setReplicas(3).setObservedGeneration(1))).build());
        assertThat(withStatus.getStatefulSet().getSpec().getReplicas()).as("update-status leaves spec alone").isEqualTo(3);
        assertThat(withStatus.getStatefulSet().getStatus().getReplicas()).isEqualTo(3);
        assertThat(ApiObjects.meta(withStatus).getGeneration()).isEqualTo(1);

        Object scaled = update(Object.newBuilder().setStatefulSet(withStatus.getStatefulSet().toBuilder()
                .setSpec(withStatus.getStatefulSet().getSpec().toBuilder().setReplicas(5))
                .setStatus(StatefulSetStatus.newBuilder().setReplicas(42))).build());
        assertThat(ApiObjects.meta(scaled).getGeneration()).isEqualTo(2);
        assertThat(scaled.getStatefulSet().getSpec().getReplicas()).isEqualTo(5);
        assertThat(scaled.getStatefulSet().getStatus().getReplicas()).as("update leaves status alone").isEqualTo(3);
        assertThat(ApiObjects.meta(scaled).getUid()).isEqualTo(ApiObjects.meta(set).getUid());
        assertThat(ApiObjects.meta(scaled).getCreationTimestamp()).isEqualTo(ApiObjects.meta(set).getCreationTimestamp());

        Object again = update(scaled);
        assertThat(again).as("a no-op update keeps the resourceVersion").isEqualTo(scaled);

        Object stale = ApiObjects.withMeta(scaled, ApiObjects.meta(scaled).toBuilder().setResourceVersion(ApiObjects.meta(set).getResourceVersion()).build());
        ApiClient.failure(Status.Code.ABORTED, () -> updateStatus(stale));
        ApiClient.failure(Status.Code.ABORTED, () -> update(stale));
        ApiClient.failure(Status.Code.NOT_FOUND, () -> update(sts("life-gen", "absent", 1)));
    }

    @Test
    void aBoundPodIsDeletedGracefullyAndRemovedWhenTheNodeAgentConfirms() {
        namespace("life-grace");
        Object pod = create(ApiClient.withPodSpec(ApiClient.pod("life-grace", "web-0"),
                PodSpec.newBuilder().setNodeName("node-1").setTerminationGracePeriodSeconds(60)));

        DeleteResponse first = delete(DeleteRequest.newBuilder().setKind("Pod").setNamespace("life-grace").setName("web-0"));
        assertThat(first.getRemoved()).isFalse();
        ObjectMeta meta = ApiObjects.meta(first.getObject());
        assertThat(meta.getDeletionGracePeriodSeconds()).isEqualTo(60);
        long deadline = meta.getDeletionTimestamp().getSeconds();
        assertThat(deadline).isGreaterThanOrEqualTo(ApiObjects.meta(pod).getCreationTimestamp().getSeconds() + 60);
        assertThat(get("Pod", "life-grace", "web-0")).isEqualTo(first.getObject());

        DeleteResponse longer = delete(DeleteRequest.newBuilder().setKind("Pod").setNamespace("life-grace").setName("web-0")
                .setGracePeriodSeconds(600));
        assertThat(ApiObjects.meta(longer.getObject()).getDeletionTimestamp().getSeconds()).as("never lengthened").isEqualTo(deadline);
        assertThat(longer.getObject()).isEqualTo(first.getObject());

        DeleteResponse shorter = delete(DeleteRequest.newBuilder().setKind("Pod").setNamespace("life-grace").setName("web-0")
                .setGracePeriodSeconds(5));
        assertThat(ApiObjects.meta(shorter.getObject()).getDeletionGracePeriodSeconds()).isEqualTo(5);
        assertThat(ApiObjects.meta(shorter.getObject()).getDeletionTimestamp().getSeconds()).isLessThan(deadline);

        DeleteResponse confirmed = delete(DeleteRequest.newBuilder().setKind("Pod").setNamespace("life-grace").setName("web-0")
                .setGracePeriodSeconds(0).setPreconditions(Preconditions.newBuilder().setUid(ApiObjects.meta(pod).getUid())));
        assertThat(confirmed.getRemoved()).isTrue();
        ApiClient.failure(Status.Code.NOT_FOUND, () -> get("Pod", "life-grace", "web-0"));

        create(ApiClient.pod("life-grace", "unbound"));
        assertThat(delete(DeleteRequest.newBuilder().setKind("Pod").setNamespace("life-grace").setName("unbound")).getRemoved()).isTrue();
    }

    @Test
    void finalizersHoldAnObjectUntilTheLastIsRemoved() {
        namespace("life-final");
        Object pod = create(ApiObjects.withMeta(ApiClient.pod("life-final", "held"),
                ApiClient.meta("life-final", "held").addFinalizers("example.com/a").addFinalizers("example.com/b").build()));

        ApiException stale = ApiClient.failure(Status.Code.ABORTED, () -> delete(DeleteRequest.newBuilder().setKind("Pod")
                .setNamespace("life-final").setName("held").setPreconditions(Preconditions.newBuilder().setResourceVersion("1"))));
        assertThat(stale.getMessage()).contains("Precondition failed");

        DeleteResponse marked = delete(DeleteRequest.newBuilder().setKind("Pod").setNamespace("life-final").setName("held"));
        assertThat(marked.getRemoved()).isFalse();
        assertThat(ApiObjects.meta(marked.getObject()).hasDeletionTimestamp()).isTrue();

        Object held = marked.getObject();
        Object oneLeft = update(ApiObjects.withMeta(held, ApiObjects.meta(held).toBuilder().clearFinalizers().addFinalizers("example.com/b").build()));
        assertThat(ApiObjects.meta(oneLeft).hasDeletionTimestamp()).isTrue();
        assertThat(get("Pod", "life-final", "held")).isEqualTo(oneLeft);

        ApiException added = ApiClient.failure(Status.Code.INVALID_ARGUMENT, () -> update(ApiObjects.withMeta(oneLeft,
                ApiObjects.meta(oneLeft).toBuilder().addFinalizers("example.com/c").build())));
        assertThat(added.causes()).anySatisfy(c -> assertThat(c.getField()).isEqualTo("metadata.finalizers"));

        Object last = update(ApiObjects.withMeta(oneLeft, ApiObjects.meta(oneLeft).toBuilder().clearFinalizers().build()));
        assertThat(ApiObjects.meta(last).getFinalizersCount()).isZero();
        ApiClient.failure(Status.Code.NOT_FOUND, () -> get("Pod", "life-final", "held"));
        assertThat(ApiObjects.meta(pod).getUid()).isEqualTo(ApiObjects.meta(last).getUid());
    }

    @Test
    void propagationPolicyIsRecordedAsAFinalizerForTheGarbageCollector() {
        namespace("life-policy");
        create(sts("life-policy", "orphaned", 1));
        DeleteResponse orphan = delete(DeleteRequest.newBuilder().setKind("StatefulSet").setNamespace("life-policy")
                .setName("orphaned").setPropagationPolicy("Orphan"));
        assertThat(orphan.getRemoved()).isFalse();
        assertThat(ApiObjects.meta(orphan.getObject()).getFinalizersList()).containsExactly("orphan");

        create(sts("life-policy", "foreground", 1));
        DeleteResponse foreground = delete(DeleteRequest.newBuilder().setKind("StatefulSet").setNamespace("life-policy")
                .setName("foreground").setPropagationPolicy("Foreground"));
        assertThat(ApiObjects.meta(foreground.getObject()).getFinalizersList()).containsExactly("foregroundDeletion");

        create(sts("life-policy", "background", 1));
        assertThat(delete(DeleteRequest.newBuilder().setKind("StatefulSet").setNamespace("life-policy")
                .setName("background").setPropagationPolicy("Background")).getRemoved()).isTrue();

        ApiClient.failure(Status.Code.INVALID_ARGUMENT, () -> delete(DeleteRequest.newBuilder().setKind("StatefulSet")
                .setNamespace("life-policy").setName("orphaned").setPropagationPolicy("Sideways")));
    }

    @Test
    void aDeletedNamespaceTerminatesAndRefusesNewContent() {
        namespace("life-ns");
        create(ApiClient.pod("life-ns", "before"));
        DeleteResponse deleted = delete(DeleteRequest.newBuilder().setKind("Namespace").setName("life-ns"));
        assertThat(deleted.getRemoved()).isFalse();
        assertThat(deleted.getObject().getNamespace().getStatus().getPhase()).isEqualTo("Terminating");

        ApiException refused = ApiClient.failure(Status.Code.FAILED_PRECONDITION, () -> create(ApiClient.pod("life-ns", "after")));
        assertThat(refused.reason()).isEqualTo("Forbidden");
        assertThat(refused.getMessage()).contains("being terminated");
        assertThat(get("Pod", "life-ns", "before")).as("contents are the garbage collector's to remove").isNotNull();

        // The namespace goes once its finalizer is cleared (what the garbage collector does last).
        Object ns = deleted.getObject();
        Object finalized = update(Object.newBuilder().setNamespace(ns.getNamespace().toBuilder().clearSpec()).build());
        assertThat(ApiObjects.meta(finalized).hasDeletionTimestamp()).isTrue();
        ApiClient.failure(Status.Code.NOT_FOUND, () -> get("Namespace", "", "life-ns"));
    }

    @Test
    void systemNamespacesExistFromTheStart() {
        for (String name : StorageStartup.SYSTEM_NAMESPACES) {
            assertThat(get("Namespace", "", name).getNamespace().getStatus().getPhase()).isEqualTo("Active");
        }
    }

    @Test
    void badRequestsGetPreciseErrors() {
        namespace("life-errors");
        ApiException missing = ApiClient.failure(Status.Code.NOT_FOUND, () -> create(ApiClient.pod("nowhere", "web-0")));
        assertThat(missing.getMessage()).isEqualTo("namespaces \"nowhere\" not found");

        ApiException scoped = ApiClient.failure(Status.Code.INVALID_ARGUMENT, () -> create(Object.newBuilder()
                .setNamespace(ApiClient.namespace("x").getNamespace().toBuilder().setMetadata(ApiClient.meta("life-errors", "x"))).build()));
        assertThat(scoped.causes()).singleElement().satisfies(c -> assertThat(c.getField()).isEqualTo("metadata.namespace"));
        ApiException unscoped = ApiClient.failure(Status.Code.INVALID_ARGUMENT, () -> create(ApiClient.pod("", "web-0")));
        assertThat(unscoped.causes()).singleElement().satisfies(c -> assertThat(c.getField()).isEqualTo("metadata.namespace"));

        ApiException unknownKind = ApiClient.failure(Status.Code.INVALID_ARGUMENT, () -> get("Gadget", "life-errors", "x"));
        assertThat(unknownKind.getMessage()).startsWith("kind: Unsupported value: \"Gadget\"");
        ApiException emptyKind = ApiClient.failure(Status.Code.INVALID_ARGUMENT, () -> create(Object.getDefaultInstance()));
        assertThat(emptyKind.getMessage()).startsWith("kind: Required value");

        String huge = "x".repeat(1_600_000);
        // In an environment variable, which admission leaves unbounded (annotations have their own 256 KiB rule).
        Object hugePod = ApiClient.pod("life-errors", "huge");
        PodSpec.Builder hugeSpec = hugePod.getPod().getSpec().toBuilder();
        hugeSpec.getContainersBuilder(0).addEnv(EnvVar.newBuilder().setName("BLOB").setValue(huge));
        ApiException tooLarge = ApiClient.failure(Status.Code.INVALID_ARGUMENT, () -> create(Object.newBuilder()
                .setPod(hugePod.getPod().toBuilder().setSpec(hugeSpec)).build()));
        assertThat(tooLarge.reason()).isEqualTo("RequestEntityTooLarge");
        assertThat(tooLarge.getMessage()).contains("over the limit of 1572864 bytes");
        ApiClient.failure(Status.Code.NOT_FOUND, () -> get("Pod", "life-errors", "huge"));

        Object pod = create(ApiClient.pod("life-errors", "status"));
        ApiClient.failure(Status.Code.INVALID_ARGUMENT, () -> updateStatus(Object.newBuilder().setPod(pod.getPod().toBuilder()
                .setStatus(PodStatus.newBuilder().setMessage("y".repeat(1_600_000)))).build()));
        assertThat(get("Pod", "life-errors", "status")).isEqualTo(pod);
    }
}

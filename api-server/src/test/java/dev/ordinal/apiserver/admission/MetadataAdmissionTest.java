package dev.ordinal.apiserver.admission;

import static dev.ordinal.apiserver.admission.Fixtures.assertCause;
import static dev.ordinal.apiserver.admission.Fixtures.assertOnlyCause;
import static dev.ordinal.apiserver.admission.Fixtures.create;
import static dev.ordinal.apiserver.admission.Fixtures.createRejected;
import static dev.ordinal.apiserver.admission.Fixtures.pod;
import static dev.ordinal.apiserver.admission.Fixtures.updateRejected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ordinal.api.v1.Namespace;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.OwnerReference;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.StatusCause;
import dev.ordinal.client.api.ApiException;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetadataAdmissionTest {

    private static Pod withMeta(java.util.function.UnaryOperator<ObjectMeta.Builder> change) {
        Pod pod = pod("web-0");
        return pod.toBuilder().setMetadata(change.apply(pod.getMetadata().toBuilder())).build();
    }

    private static OwnerReference.Builder owner(String name) {
        return OwnerReference.newBuilder().setApiVersion("apps/v1").setKind("StatefulSet").setName(name).setUid("uid-" + name);
    }

    @Test
    void validatesLabelKeysAndValues() {
        List<StatusCause> causes = createRejected(withMeta(m -> m
                .putLabels("app.kubernetes.io/name", "web")
                .putLabels("-bad", "ok")
                .putLabels("good", "not valid!")
                .putLabels("Example.com/x", "v")));
        assertCause(causes, "metadata.labels[-bad]", FieldErrors.INVALID, "name part must consist of");
        assertCause(causes, "metadata.labels[good]", FieldErrors.INVALID, "a valid label must be an empty string");
        assertCause(causes, "metadata.labels[Example.com/x]", FieldErrors.INVALID, "name part must consist of");
        assertThat(causes).hasSize(3);
    }

    @Test
    void limitsTheTotalSizeOfAnnotations() {
        assertThat(create(withMeta(m -> m.putAnnotations("note", "x".repeat(200_000)))).getMetadata().getAnnotationsMap()).hasSize(1);
        assertOnlyCause(createRejected(withMeta(m -> m.putAnnotations("a", "x".repeat(200_000)).putAnnotations("b", "y".repeat(70_000)))),
                "metadata.annotations", FieldErrors.TOO_LONG, "may not be more than 262144 bytes");
        assertOnlyCause(createRejected(withMeta(m -> m.putAnnotations("bad key", "v"))),
                "metadata.annotations[bad key]", FieldErrors.INVALID, "name part must consist of");
    }

    @Test
    void ownerReferencesNeedTheirIdentityAndOneControllerAtMost() {
        List<StatusCause> causes = createRejected(withMeta(m -> m
                .addOwnerReferences(OwnerReference.newBuilder().setKind("StatefulSet"))
                .addOwnerReferences(owner("a").setController(true))
                .addOwnerReferences(owner("b").setController(true))));
        assertCause(causes, "metadata.ownerReferences[0].apiVersion", FieldErrors.REQUIRED, "version must not be empty");
        assertCause(causes, "metadata.ownerReferences[0].name", FieldErrors.REQUIRED, "name must not be empty");
        assertCause(causes, "metadata.ownerReferences[0].uid", FieldErrors.REQUIRED, "uid must not be empty");
        assertCause(causes, "metadata.ownerReferences", FieldErrors.INVALID, "Only one reference can have Controller set to true");
        assertThat(causes).hasSize(4);
    }

    @Test
    void finalizersAreQualifiedNames() {
        assertThat(create(withMeta(m -> m.addFinalizers("example.com/protect"))).getMetadata().getFinalizersList())
                .containsExactly("example.com/protect");
        assertOnlyCause(createRejected(withMeta(m -> m.addFinalizers("not a finalizer"))),
                "metadata.finalizers[0]", FieldErrors.INVALID, "name part must consist of");
    }

    @Test
    void namespacedKindsNeedANamespaceAndClusterKindsRefuseOne() {
        assertOnlyCause(createRejected(withMeta(m -> m.clearNamespace())), "metadata.namespace", FieldErrors.REQUIRED, "Required value");
        Node node = Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("node-1").setNamespace("default")).build();
        assertOnlyCause(createRejected(node), "metadata.namespace", FieldErrors.FORBIDDEN, "not allowed on this type");
    }

    @Test
    void namespacesAndServicesAreLabelsWhilePodsMayBeSubdomains() {
        assertThat(create(pod("web.0")).getMetadata().getName()).isEqualTo("web.0");
        Namespace ns = Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("team.a")).build();
        assertOnlyCause(createRejected(ns), "metadata.name", FieldErrors.INVALID, "RFC 1123 label");
        assertOnlyCause(createRejected(pod("x".repeat(254))), "metadata.name", FieldErrors.INVALID, "must be no more than 253 characters");
    }

    @Test
    void identityIsImmutableOnUpdate() {
        Pod old = create(pod("web-0")).toBuilder().setMetadata(pod("web-0").getMetadata().toBuilder().setUid("u1")).build();
        Pod renamed = old.toBuilder().setMetadata(old.getMetadata().toBuilder().setName("web-1").setUid("u2")).build();
        List<StatusCause> causes = updateRejected(renamed, old);
        assertCause(causes, "metadata.name", FieldErrors.INVALID, "field is immutable");
        assertCause(causes, "metadata.uid", FieldErrors.INVALID, "field is immutable");
    }

    @Test
    void labelsMayChangeOnUpdate() {
        Pod old = create(pod("web-0"));
        Pod relabelled = old.toBuilder().setMetadata(old.getMetadata().toBuilder().putLabels("tier", "front")).build();
        assertThat(Fixtures.update(relabelled, old).getMetadata().getLabelsMap()).containsEntry("tier", "front");
    }

    @Test
    void theErrorNamesTheObjectAndEveryCause() {
        ApiException e = catchThrowableOfType(ApiException.class,
                () -> Fixtures.ADMISSION.admitCreate(Fixtures.wrap(withMeta(m -> m.putLabels("a", "b c")))));
        assertThat(e.status().getDetails().getName()).isEqualTo("web-0");
        assertThat(e.status().getDetails().getKind()).isEqualTo("pods");
        assertThat(e.getMessage()).startsWith("Pod \"web-0\" is invalid: metadata.labels[a]: Invalid value: \"b c\"");
    }

    @Test
    void typeMetaMayBeOmittedButNotContradictTheEnvelope() {
        assertThat(create(pod("web-0").toBuilder().setApiVersion("v1").setKind("Pod").build()).getKind()).isEqualTo("Pod");
        List<StatusCause> causes = createRejected(pod("web-0").toBuilder().setApiVersion("apps/v1").setKind("Deployment").build());
        assertCause(causes, "apiVersion", FieldErrors.NOT_SUPPORTED, "supported values: \"v1\"");
        assertCause(causes, "kind", FieldErrors.NOT_SUPPORTED, "supported values: \"Pod\"");
    }

    @Test
    void anEmptyEnvelopeIsABadRequest() {
        ApiException e = catchThrowableOfType(ApiException.class, () -> Fixtures.ADMISSION.admitCreate(Object.getDefaultInstance()));
        assertThat(e.reason()).isEqualTo("BadRequest");
    }
}

package dev.ordinal.apiserver.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;

import dev.ordinal.apiserver.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.Test;

/**
 * Storage over the REST facade as kubectl sees it: the built-in classes, the default class and
 * protection finalizer on a new claim, and 422 Status bodies naming the field for resize mistakes.
 */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class StorageRestTest {
    private static final String MERGE = "application/merge-patch+json";

    private static ValidatableResponse createClaim(String name, String classField, String storage) {
        return given().contentType(ContentType.JSON).body("""
                {"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"%s"},
                 "spec":{%s"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"%s"}}}}"""
                .formatted(name, classField, storage))
                .post("/api/v1/namespaces/default/persistentvolumeclaims").then();
    }

    private static ValidatableResponse patchStorage(String name, String storage) {
        return given().contentType(MERGE).body("{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"" + storage + "\"}}}}")
                .patch("/api/v1/namespaces/default/persistentvolumeclaims/{name}", name).then();
    }

    /** Plays the volume controller: marks the claim Bound. */
    private static void markBound(String name) {
        given().contentType(MERGE).body("{\"status\":{\"phase\":\"Bound\",\"capacity\":{\"storage\":\"1Gi\"}}}")
                .patch("/api/v1/namespaces/default/persistentvolumeclaims/{name}/status", name).then().statusCode(200);
    }

    @Test
    void theBuiltInClassesAreListedWithSharedAsTheDefault() {
        given().get("/apis/storage.k8s.io/v1/storageclasses").then().statusCode(200)
                .body("items.metadata.name", hasItems("shared", "local"))
                .body("items.find { it.metadata.name == 'shared' }.metadata.annotations['storageclass.kubernetes.io/is-default-class']",
                        equalTo("true"))
                .body("items.find { it.metadata.name == 'local' }.volumeBindingMode", equalTo("WaitForFirstConsumer"))
                .body("items.find { it.metadata.name == 'local' }.allowVolumeExpansion", equalTo(true));
    }

    @Test
    void aNewClaimGetsTheDefaultClassAndItsProtection() {
        createClaim("plain", "", "1Gi").statusCode(201)
                .body("spec.storageClassName", equalTo("shared"))
                .body("metadata.finalizers", hasItem("kubernetes.io/pvc-protection"))
                .body("status.phase", equalTo("Pending"));
        createClaim("no-class", "\"storageClassName\":\"\",", "1Gi").statusCode(201).body("spec.storageClassName", equalTo(""));
    }

    @Test
    void resizeMistakesAre422NamingTheField() {
        createClaim("shrink", "", "2Gi").statusCode(201);
        patchStorage("shrink", "1Gi").statusCode(422).body("kind", equalTo("Status")).body("reason", equalTo("Invalid"))
                .body("details.causes.field", hasItem("spec.resources.requests.storage"))
                .body("details.causes.message", hasItem("Forbidden: field can not be less than previous value"));

        createClaim("pending", "", "1Gi").statusCode(201);
        patchStorage("pending", "2Gi").statusCode(422)
                .body("details.causes.field", hasItem("spec.resources.requests.storage"))
                .body("message", containsString("only a bound claim can be resized"));

        given().contentType(ContentType.JSON).body("""
                {"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"fixed"},
                 "provisioner":"ordinal.dev/shared","allowVolumeExpansion":false}""")
                .post("/apis/storage.k8s.io/v1/storageclasses").then().statusCode(201)
                .body("reclaimPolicy", equalTo("Delete")).body("volumeBindingMode", equalTo("Immediate"));
        createClaim("fixed", "\"storageClassName\":\"fixed\",", "1Gi").statusCode(201);
        markBound("fixed");
        patchStorage("fixed", "2Gi").statusCode(422)
                .body("details.causes.field", hasItem("spec.resources.requests.storage"))
                .body("details.causes.message", hasItem("Forbidden: only dynamically provisioned pvc can be resized and the"
                        + " storageclass that provisions the pvc must support resize"));
        given().get("/api/v1/namespaces/default/persistentvolumeclaims/fixed").then()
                .body("spec.resources.requests.storage", equalTo("1Gi"));

        createClaim("grows", "", "1Gi").statusCode(201);
        markBound("grows");
        patchStorage("grows", "5Gi").statusCode(200).body("spec.resources.requests.storage", equalTo("5Gi"));
    }

    @Test
    void aStatefulSetClaimTemplateMayOnlyGrow() {
        given().contentType(ContentType.JSON).body("""
                {"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"db"},
                 "spec":{"replicas":1,"serviceName":"db","selector":{"matchLabels":{"app":"db"}},
                   "template":{"metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"db","image":"postgres"}]}},
                   "volumeClaimTemplates":[{"metadata":{"name":"data"},
                     "spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"2Gi"}}}}]}}""")
                .post("/apis/apps/v1/namespaces/default/statefulsets").then().statusCode(201);
        String template = "{\"spec\":{\"volumeClaimTemplates\":[{\"metadata\":{\"name\":\"data\"},\"spec\":{\"accessModes\":[\"%s\"],"
                + "\"resources\":{\"requests\":{\"storage\":\"%s\"}}}}]}}";
        given().contentType(MERGE).body(template.formatted("ReadWriteOnce", "1Gi"))
                .patch("/apis/apps/v1/namespaces/default/statefulsets/db").then().statusCode(422)
                .body("details.causes.field", hasItem("spec.volumeClaimTemplates[0].spec.resources.requests.storage"));
        given().contentType(MERGE).body(template.formatted("ReadWriteMany", "2Gi"))
                .patch("/apis/apps/v1/namespaces/default/statefulsets/db").then().statusCode(422)
                .body("details.causes.field", hasItem("spec.volumeClaimTemplates[0]"));
        given().contentType(MERGE).body(template.formatted("ReadWriteOnce", "4Gi"))
                .patch("/apis/apps/v1/namespaces/default/statefulsets/db").then().statusCode(200)
                .body("spec.volumeClaimTemplates[0].spec.resources.requests.storage", equalTo("4Gi"));
    }
}

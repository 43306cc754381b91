package dev.ordinal.apiserver.rest;

import dev.ordinal.apiserver.storage.ChangeLogCompactor;
import dev.ordinal.apiserver.testing.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;

/** The Kubernetes REST facade over HTTP, as kubectl and other Kubernetes clients use it. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class KubeRestTest {
    private static final String TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    private static final String STS = """
            {"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"%s","labels":{"app":"%s"}},
             "spec":{"replicas":2,"serviceName":"%s","selector":{"matchLabels":{"app":"%s"}},
               "template":{"metadata":{"labels":{"app":"%s"}},"spec":{"containers":[
                 {"name":"nginx","image":"nginx:1","ports":[{"containerPort":80,"name":"web"}],
                  "env":[{"name":"A","value":"1"}]}]}}}}""";

    @Inject
    ChangeLogCompactor compactor;

    @Inject
    Vertx vertx;

    private static String sts(String name) {
        return STS.formatted(name, name, name, name, name);
    }

    private static Response createSts(String namespace, String name) {
        return given().contentType(ContentType.JSON).body(sts(name))
                .post("/apis/apps/v1/namespaces/{ns}/statefulsets", namespace);
    }

    // ------------------------------------------------------------------ discovery

    @Test
    void versionSelectsKubectl132() {
        given().get("/version?timeout=5s").then().statusCode(200).body("major", equalTo("1")).body("minor", equalTo("32"));
    }

    @Test
    void aggregatedDiscoveryEchoesTheMediaTypeAndLegacyListsSubresources() {
        String accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                + "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        Response apis = given().accept(accept).get("/apis");
        assertThat(apis.contentType()).isEqualTo(Discovery.AGGREGATED_V2);
        JsonPath apps = apis.jsonPath().setRootPath("items.find { it.metadata.name == 'apps' }.versions[0]");
        assertThat(apps.getString("freshness")).isEqualTo("Current");
        assertThat(apps.getList("resources.resource")).contains("statefulsets", "controllerrevisions");
        assertThat(apps.getString("resources.find { it.resource == 'statefulsets' }.subresources.find { it.subresource == 'scale' }.responseKind.kind"))
                .isEqualTo("Scale");
        given().accept(accept).get("/api").then().statusCode(200).contentType(Discovery.AGGREGATED_V2)
                .body("items[0].versions[0].resources.find { it.resource == 'pods' }.shortNames", hasItem("po"));
        given().get("/api").then().statusCode(200).body("kind", equalTo("APIVersions")).body("versions", hasItem("v1"));
        given().get("/apis").then().statusCode(200).body("kind", equalTo("APIGroupList")).body("groups.name", hasItems("apps", "storage.k8s.io"));
        given().get("/api/v1").then().statusCode(200)
                .body("resources.find { it.name == 'pods/eviction' }.group", equalTo("policy"))
                .body("resources.find { it.name == 'pods/eviction' }.kind", equalTo("Eviction"))
                .body("resources.find { it.name == 'services' }.shortNames", hasItem("svc"))
                .body("resources.find { it.name == 'pods' }.categories", hasItem("all"));
        given().get("/apis/apps/v1").then().statusCode(200)
                .body("resources.find { it.name == 'statefulsets' }.shortNames", hasItem("sts"));
    }

    @Test
    void openApiV3NamesEveryKindAndFieldValidation() {
        String url = given().get("/openapi/v3").then().statusCode(200).extract().path("paths.'apis/apps/v1'.serverRelativeURL");
        assertThat(url).startsWith("/openapi/v3/apis/apps/v1?hash=");
        JsonPath doc = given().get(url).then().statusCode(200).extract().jsonPath();
        Map<String, Object> patch = doc.getMap("paths.'/apis/apps/v1/namespaces/{namespace}/statefulsets/{name}'.patch");
        assertThat(patch.get("x-kubernetes-group-version-kind")).isEqualTo(Map.of("group", "apps", "version", "v1", "kind", "StatefulSet"));
        assertThat(doc.getList("paths.'/apis/apps/v1/namespaces/{namespace}/statefulsets/{name}'.patch.parameters.name"))
                .contains("fieldValidation");
    }

    @Test
    void openApiV2IsAMinimalProtobufDocumentForKubectl127() throws Exception {
        byte[] doc = given().accept("application/com.github.proto-openapi.spec.v2@v1.0+protobuf, application/json")
                .get("/openapi/v2?timeout=32s").then().statusCode(200)
                .contentType("application/com.github.proto-openapi.spec.v2.v1.0+protobuf").extract().asByteArray();
        // openapi.v2.Document: swagger (1) = "2.0", info (2) = {title (1), version (2)}, and nothing else
        com.google.protobuf.CodedInputStream in = com.google.protobuf.CodedInputStream.newInstance(doc);
        assertThat(in.readTag()).isEqualTo((1 << 3) | 2);
        assertThat(in.readString()).isEqualTo("2.0");
        assertThat(in.readTag()).isEqualTo((2 << 3) | 2);
        com.google.protobuf.CodedInputStream info = com.google.protobuf.CodedInputStream.newInstance(in.readByteArray());
        assertThat(info.readTag()).isEqualTo((1 << 3) | 2);
        assertThat(info.readString()).isEqualTo("Kubernetes");
        assertThat(info.readTag()).isEqualTo((2 << 3) | 2);
        assertThat(info.readString()).startsWith("v1.32.");
        assertThat(in.isAtEnd()).isTrue();
        given().get("/openapi/v2").then().statusCode(200).body("swagger", equalTo("2.0")).body("paths.size()", equalTo(0));
    }

    // ------------------------------------------------------------------ CRUD and errors

    @Test
    void createGetListUpdateDelete() {
        createSts("default", "crud").then().statusCode(201).body("metadata.generation", equalTo(1))
                .body("spec.template.spec.containers[0].imagePullPolicy", equalTo("IfNotPresent"))
                .body("metadata.resourceVersion", org.hamcrest.Matchers.isA(String.class));
        JsonPath got = given().get("/apis/apps/v1/namespaces/default/statefulsets/crud").then().statusCode(200)
                .body("kind", equalTo("StatefulSet")).body("apiVersion", equalTo("apps/v1")).extract().jsonPath();
        given().get("/apis/apps/v1/namespaces/default/statefulsets?labelSelector=app=crud").then().statusCode(200)
                .body("kind", equalTo("StatefulSetList")).body("items.metadata.name", equalTo(List.of("crud")))
                .body("metadata.resourceVersion", org.hamcrest.Matchers.notNullValue());
        given().queryParam("labelSelector", "app in (crud,other)").get("/apis/apps/v1/statefulsets").then().statusCode(200)
                .body("items.metadata.name", equalTo(List.of("crud")));

        String updated = sts("crud").replace("\"replicas\":2", "\"replicas\":4")
                .replace("\"name\":\"crud\",", "\"name\":\"crud\",\"resourceVersion\":\"" + got.getString("metadata.resourceVersion") + "\",");
        given().contentType(ContentType.JSON).body(updated).put("/apis/apps/v1/namespaces/default/statefulsets/crud")
                .then().statusCode(200).body("spec.replicas", equalTo(4)).body("metadata.generation", equalTo(2));
        // The same stale version again: 409 Conflict.
        given().contentType(ContentType.JSON).body(updated).put("/apis/apps/v1/namespaces/default/statefulsets/crud")
                .then().statusCode(409).body("reason", equalTo("Conflict")).body("kind", equalTo("Status"))
                .body("message", containsString("the object has been modified"));

        given().contentType(ContentType.JSON).body("{\"propagationPolicy\":\"Background\"}")
                .delete("/apis/apps/v1/namespaces/default/statefulsets/crud").then().statusCode(200)
                .body("kind", equalTo("Status")).body("status", equalTo("Success"))
                .body("details.name", equalTo("crud")).body("details.uid", equalTo(got.getString("metadata.uid")));
        given().get("/apis/apps/v1/namespaces/default/statefulsets/crud").then().statusCode(404)
                .body("reason", equalTo("NotFound")).body("code", equalTo(404))
                .body("message", equalTo("statefulsets.apps \"crud\" not found"))
                .body("details.kind", equalTo("statefulsets"));
    }

    @Test
    void paginationWithLimitAndContinue() {
        for (String name : List.of("page-a", "page-b", "page-c")) {
            given().contentType(ContentType.JSON)
                    .body("{\"metadata\":{\"name\":\"" + name + "\",\"labels\":{\"paged\":\"yes\"}},\"holderIdentity\":\"x\"}")
                    .post("/apis/coordination.k8s.io/v1/namespaces/default/leases").then().statusCode(201);
        }
        JsonPath first = given().get("/apis/coordination.k8s.io/v1/namespaces/default/leases?labelSelector=paged&limit=2")
                .then().statusCode(200).extract().jsonPath();
        assertThat(first.getList("items")).hasSize(2);
        String token = first.getString("metadata.continue");
        assertThat(token).isNotEmpty();
        given().queryParam("labelSelector", "paged").queryParam("limit", 2).queryParam("continue", token)
                .get("/apis/coordination.k8s.io/v1/namespaces/default/leases").then().statusCode(200)
                .body("items.metadata.name", equalTo(List.of("page-c"))).body("metadata.continue", org.hamcrest.Matchers.nullValue());
    }

    @Test
    void errorsAreStatusBodiesWithKubernetesCodes() {
        createSts("default", "errs").then().statusCode(201);
        createSts("default", "errs").then().statusCode(409).body("reason", equalTo("AlreadyExists"))
                .body("message", equalTo("statefulsets.apps \"errs\" already exists"));
        // 422 with a cause per field, details naming the Kind.
        given().contentType(ContentType.JSON).body(sts("bad").replace("\"replicas\":2", "\"replicas\":-1"))
                .post("/apis/apps/v1/namespaces/default/statefulsets").then().statusCode(422)
                .body("reason", equalTo("Invalid")).body("details.kind", equalTo("StatefulSet"))
                .body("details.causes.field", hasItem("spec.replicas"))
                .body("message", containsString("StatefulSet \"bad\" is invalid"));
        // Strict field validation: 400 naming the unknown field; the default (Warn) succeeds with a Warning header.
        String unknown = sts("strict").replace("\"serviceName\"", "\"foo\":1,\"serviceName\"");
        given().contentType(ContentType.JSON).body(unknown).post("/apis/apps/v1/namespaces/default/statefulsets?fieldValidation=Strict")
                .then().statusCode(400).body("reason", equalTo("BadRequest"))
                .body("message", equalTo("strict decoding error: unknown field \"spec.foo\""));
        given().contentType(ContentType.JSON).body(unknown).post("/apis/apps/v1/namespaces/default/statefulsets")
                .then().statusCode(201).header("Warning", "299 - \"unknown field \\\"spec.foo\\\"\"");
        given().get("/apis/apps/v1/namespaces/default/nothings").then().statusCode(404).body("reason", equalTo("NotFound"));
        given().contentType(ContentType.JSON).body("{}").put("/apis/apps/v1/namespaces/default/statefulsets")
                .then().statusCode(405).body("reason", equalTo("MethodNotAllowed"));
        given().contentType("application/cbor").body("{}".getBytes()).patch("/apis/apps/v1/namespaces/default/statefulsets/errs")
                .then().statusCode(415);
        given().contentType(ContentType.JSON).body("{not json").post("/apis/apps/v1/namespaces/default/statefulsets")
                .then().statusCode(400).body("message", containsString("not valid JSON"));
        given().get("/apis/apps/v1/namespaces/default/statefulsets?resourceVersion=1&resourceVersionMatch=Exact")
                .then().statusCode(410).body("reason", equalTo("Expired"));
        // A JSON patch whose test fails: 422; a patch naming a stale resourceVersion: 409.
        given().contentType("application/json-patch+json").body("[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":9}]")
                .patch("/apis/apps/v1/namespaces/default/statefulsets/errs").then().statusCode(422);
        given().contentType("application/merge-patch+json").body("{\"metadata\":{\"resourceVersion\":\"1\"},\"spec\":{\"replicas\":3}}")
                .patch("/apis/apps/v1/namespaces/default/statefulsets/errs").then().statusCode(409).body("reason", equalTo("Conflict"));
    }

    @Test
    void yamlInAndOut() {
        String yaml = """
                apiVersion: v1
                kind: Service
                metadata:
                  name: yaml-svc
                spec:
                  clusterIP: None
                  selector: {app: web}
                  ports:
                  - port: 80
                    name: web
                """;
        given().contentType("application/yaml").body(yaml.getBytes()).post("/api/v1/namespaces/default/services").then().statusCode(201);
        String out = given().accept("application/yaml").get("/api/v1/namespaces/default/services/yaml-svc")
                .then().statusCode(200).contentType("application/yaml").extract().asString();
        assertThat(out).contains("kind: Service", "clusterIP: None", "protocol: TCP", "resourceVersion: \"");
    }

    // ------------------------------------------------------------------ patch, scale, status

    @Test
    void patchesOfEachKindAndServerSideApply() {
        createSts("default", "patched").then().statusCode(201);
        String url = "/apis/apps/v1/namespaces/default/statefulsets/patched";
        given().contentType("application/strategic-merge-patch+json")
                .body("{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"nginx\",\"env\":[{\"name\":\"B\",\"value\":\"2\"}]}]}}}}")
                .patch(url).then().statusCode(200)
                .body("spec.template.spec.containers[0].env.name", equalTo(List.of("A", "B")))
                .body("spec.template.spec.containers[0].image", equalTo("nginx:1"));
        given().contentType("application/merge-patch+json").body("{\"metadata\":{\"labels\":{\"team\":\"a\"}}}")
                .patch(url).then().statusCode(200).body("metadata.labels.team", equalTo("a")).body("metadata.labels.app", equalTo("patched"));
        given().contentType("application/json-patch+json").body("[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":5}]")
                .patch(url).then().statusCode(200).body("spec.replicas", equalTo(5));
        // rollout undo's patch: the template replaced whole, so the env var B and the port disappear.
        given().contentType("application/strategic-merge-patch+json")
                .body("{\"spec\":{\"template\":{\"$patch\":\"replace\",\"metadata\":{\"creationTimestamp\":null,\"labels\":{\"app\":\"patched\"}},"
                        + "\"spec\":{\"containers\":[{\"name\":\"nginx\",\"image\":\"nginx:0\"}]}}}}")
                .patch(url).then().statusCode(200)
                .body("spec.template.spec.containers[0].image", equalTo("nginx:0"))
                .body("spec.template.spec.containers[0].env", org.hamcrest.Matchers.nullValue())
                .body("spec.template.spec.containers[0].terminationMessagePath", equalTo("/dev/termination-log"));
        // Server-side apply: fieldManager required, creates when absent (201), merges when present (200).
        given().contentType("application/apply-patch+yaml").body(sts("ssa").getBytes()).patch("/apis/apps/v1/namespaces/default/statefulsets/ssa")
                .then().statusCode(422).body("details.causes.field", hasItem("fieldManager"));
        given().contentType("application/apply-patch+yaml").body(sts("ssa").getBytes())
                .patch("/apis/apps/v1/namespaces/default/statefulsets/ssa?fieldManager=kubectl&force=false").then().statusCode(201);
        given().contentType("application/apply-patch+yaml").body(sts("ssa").replace("nginx:1", "nginx:2").getBytes())
                .patch("/apis/apps/v1/namespaces/default/statefulsets/ssa?fieldManager=kubectl").then().statusCode(200)
                .body("spec.template.spec.containers[0].image", equalTo("nginx:2")).body("metadata.generation", equalTo(2));
    }

    @Test
    void scaleAndStatusSubresources() {
        createSts("default", "scaled").then().statusCode(201);
        String url = "/apis/apps/v1/namespaces/default/statefulsets/scaled";
        given().get(url + "/scale").then().statusCode(200).body("kind", equalTo("Scale")).body("apiVersion", equalTo("autoscaling/v1"))
                .body("spec.replicas", equalTo(2)).body("status.selector", equalTo("app=scaled"));
        given().contentType("application/merge-patch+json").body("{\"spec\":{\"replicas\":5}}").patch(url + "/scale")
                .then().statusCode(200).body("kind", equalTo("Scale")).body("spec.replicas", equalTo(5));
        // kubectl scale --current-replicas sends its PUT without a Content-Type.
        byte[] body = "{\"kind\":\"Scale\",\"apiVersion\":\"autoscaling/v1\",\"metadata\":{\"name\":\"scaled\"},\"spec\":{\"replicas\":1}}".getBytes();
        given().noContentType().body(body).put(url + "/scale").then().statusCode(200).body("spec.replicas", equalTo(1));
        given().get(url).then().body("spec.replicas", equalTo(1));

        given().contentType("application/merge-patch+json").body("{\"status\":{\"replicas\":1,\"readyReplicas\":1,\"observedGeneration\":3}}")
                .patch(url + "/status").then().statusCode(200).body("status.readyReplicas", equalTo(1));
        // A write to the main resource keeps the status.
        given().contentType("application/merge-patch+json").body("{\"status\":{\"readyReplicas\":0},\"metadata\":{\"labels\":{\"x\":\"y\"}}}")
                .patch(url).then().statusCode(200).body("status.readyReplicas", equalTo(1));
        given().accept(TABLE).get("/apis/apps/v1/namespaces/default/statefulsets?labelSelector=app=scaled")
                .then().statusCode(200).body("rows[0].cells[1]", equalTo("1/1"));
    }

    // ------------------------------------------------------------------ Table, events, eviction, logs

    @Test
    void tablesCarryKubernetesColumnsAndTheListVersion() {
        createSts("default", "tabled").then().statusCode(201);
        JsonPath table = given().accept(TABLE).get("/apis/apps/v1/namespaces/default/statefulsets?labelSelector=app=tabled&limit=500")
                .then().statusCode(200).body("kind", equalTo("Table")).body("apiVersion", equalTo("meta.k8s.io/v1"))
                .extract().jsonPath();
        assertThat(table.getList("columnDefinitions.name")).containsExactly("Name", "Ready", "Age", "Containers", "Images");
        assertThat(table.getList("rows[0].cells")).startsWith("tabled", "0/2").endsWith("nginx", "nginx:1");
        assertThat(table.getString("rows[0].object.kind")).isEqualTo("PartialObjectMetadata");
        assertThat(table.getString("metadata.resourceVersion")).isNotEmpty();
        given().accept(TABLE).get("/api/v1/namespaces").then().statusCode(200)
                .body("columnDefinitions.name", equalTo(List.of("Name", "Status", "Age")))
                .body("rows.cells.collect { it[0] }", hasItem("default"));
        given().accept(TABLE).get("/apis/apps/v1/namespaces/default/statefulsets/tabled").then().statusCode(200)
                .body("rows", org.hamcrest.Matchers.hasSize(1));
    }

    @Test
    void eventsFilteredByInvolvedObjectAsDescribeAsks() {
        for (String name : List.of("a", "b")) {
            given().contentType(ContentType.JSON).body("""
                    {"metadata":{"name":"ev-%s"},"involvedObject":{"kind":"StatefulSet","namespace":"default","name":"%s","uid":"u-%s"},
                     "reason":"SuccessfulCreate","message":"create Pod %s-0","type":"Normal","source":{"component":"statefulset-controller"},
                     "count":2}""".formatted(name, name, name, name)).post("/api/v1/namespaces/default/events").then().statusCode(201);
        }
        given().queryParam("fieldSelector", "involvedObject.namespace=default,involvedObject.kind=StatefulSet,involvedObject.uid=u-b,involvedObject.name=b")
                .queryParam("limit", 500).get("/api/v1/namespaces/default/events").then().statusCode(200)
                .body("items.metadata.name", equalTo(List.of("ev-b"))).body("items[0].count", equalTo(2));
        given().accept(TABLE).queryParam("fieldSelector", "involvedObject.name=a").get("/api/v1/namespaces/default/events")
                .then().statusCode(200).body("rows[0].cells[1..4]", equalTo(List.of("Normal", "SuccessfulCreate", "statefulset/a", "create Pod a-0")));
    }

    @Test
    void dryRunAnswersAsIfWrittenAndWritesNothing() {
        String path = "/apis/apps/v1/namespaces/default/statefulsets";
        // create: the defaulted object comes back, nothing is stored, and a refusal is the real one
        given().contentType(ContentType.JSON).body(sts("dry")).post(path + "?dryRun=All").then().statusCode(201)
                .body("metadata.name", equalTo("dry")).body("metadata.generation", equalTo(1))
                .body("spec.template.spec.containers[0].imagePullPolicy", equalTo("IfNotPresent"));
        given().get(path + "/dry").then().statusCode(404);
        createSts("default", "dry").then().statusCode(201);
        JsonPath live = given().get(path + "/dry").then().statusCode(200).extract().jsonPath();
        given().contentType(ContentType.JSON).body(sts("dry")).post(path + "?dryRun=All").then().statusCode(409)
                .body("reason", equalTo("AlreadyExists"));

        // patch and update: the changed object is answered, the stored one stays as it was
        given().contentType("application/merge-patch+json").body("{\"spec\":{\"replicas\":7}}")
                .patch(path + "/dry?dryRun=All").then().statusCode(200).body("spec.replicas", equalTo(7))
                .body("metadata.generation", equalTo(2));
        given().contentType("application/merge-patch+json").body("{\"spec\":{\"serviceName\":\"other\"}}")
                .patch(path + "/dry?dryRun=All").then().statusCode(422);
        given().contentType(ContentType.JSON).body(sts("dry").replace("\"replicas\":2", "\"replicas\":5"))
                .put(path + "/dry?dryRun=All").then().statusCode(200).body("spec.replicas", equalTo(5));
        given().contentType("application/merge-patch+json").body("{\"spec\":{\"replicas\":3}}")
                .patch(path + "/dry/scale?dryRun=All").then().statusCode(200).body("spec.replicas", equalTo(3));
        given().get(path + "/dry").then().statusCode(200).body("spec.replicas", equalTo(2))
                .body("metadata.resourceVersion", equalTo(live.getString("metadata.resourceVersion")));

        // delete: answered as deleted, still there
        given().contentType(ContentType.JSON).body("{\"propagationPolicy\":\"Background\"}").delete(path + "/dry?dryRun=All")
                .then().statusCode(200).body("status", equalTo("Success")).body("details.uid", equalTo(live.getString("metadata.uid")));
        given().get(path + "/dry").then().statusCode(200);
        given().queryParam("labelSelector", "app=dry").delete(path + "?dryRun=All").then().statusCode(200)
                .body("items.metadata.name", equalTo(List.of("dry")));
        given().get(path + "/dry").then().statusCode(200);
        given().delete(path + "/dry?dryRun=Some").then().statusCode(400)
                .body("message", equalTo("dryRun: Unsupported value: \"Some\": supported values: \"All\""));
    }

    @Test
    void collectionDeleteRemovesWhatTheSelectorsChoose() {
        for (String[] svc : List.of(new String[] {"dc-a", "batch"}, new String[] {"dc-b", "batch"}, new String[] {"dc-c", "keep"})) {
            given().contentType(ContentType.JSON).body("{\"metadata\":{\"name\":\"" + svc[0] + "\",\"labels\":{\"dc\":\"" + svc[1]
                    + "\"}},\"spec\":{\"ports\":[{\"port\":80}]}}").post("/api/v1/namespaces/default/services").then().statusCode(201);
        }
        given().contentType(ContentType.JSON).body("{\"propagationPolicy\":\"Background\"}").queryParam("labelSelector", "dc=batch")
                .delete("/api/v1/namespaces/default/services").then().statusCode(200)
                .body("kind", equalTo("ServiceList")).body("items.metadata.name", org.hamcrest.Matchers.containsInAnyOrder("dc-a", "dc-b"));
        given().queryParam("labelSelector", "dc").get("/api/v1/namespaces/default/services").then().statusCode(200).body("items.metadata.name", equalTo(List.of("dc-c")));
        // a selector that matches nothing deletes nothing; a field selector works as in a list
        given().queryParam("labelSelector", "dc=none").delete("/api/v1/namespaces/default/services").then().statusCode(200)
                .body("items", equalTo(List.of()));
        given().queryParam("fieldSelector", "metadata.name=dc-c").delete("/api/v1/namespaces/default/services").then().statusCode(200)
                .body("items.metadata.name", equalTo(List.of("dc-c")));
        given().queryParam("labelSelector", "dc").get("/api/v1/namespaces/default/services").then().statusCode(200).body("items", equalTo(List.of()));
    }

    @Test
    void evictionDeletesThePod() {
        given().contentType(ContentType.JSON).body("{\"metadata\":{\"name\":\"evicted\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}")
                .post("/api/v1/namespaces/default/pods").then().statusCode(201);
        given().contentType(ContentType.JSON)
                .body("{\"kind\":\"Eviction\",\"apiVersion\":\"policy/v1\",\"metadata\":{\"name\":\"evicted\",\"namespace\":\"default\"},\"deleteOptions\":{}}")
                .post("/api/v1/namespaces/default/pods/evicted/eviction").then().statusCode(201)
                .body("kind", equalTo("Status")).body("status", equalTo("Success"));
        given().get("/api/v1/namespaces/default/pods/evicted").then().statusCode(404);
    }

    @Test
    void logsComeFromTheNodeAgentOrAClearError() throws Exception {
        HttpServer agent = vertx.createHttpServer().requestHandler(request -> {
            if ("true".equals(request.getParam("previous"))) {
                request.response().setStatusCode(404).putHeader("Content-Type", "text/plain")
                        .end("previous terminated container \"app\" in pod \"logged\" not found\n");
                return;
            }
            request.response().putHeader("Content-Type", "text/plain")
                    .end("path=" + request.path() + " tail=" + request.getParam("tailLines") + "\n");
        });
        int port = agent.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
        try {
            given().contentType(ContentType.JSON).body("""
                    {"metadata":{"name":"logs-node"},"status":{"addresses":[{"type":"InternalIP","address":"127.0.0.1"}],
                     "daemonEndpoints":{"kubeletEndpoint":{"Port":%d}}}}""".formatted(port)).post("/api/v1/nodes").then().statusCode(201);
            given().contentType(ContentType.JSON).body("{\"metadata\":{\"name\":\"bare-node\"}}").post("/api/v1/nodes").then().statusCode(201);
            for (String[] pod : List.of(new String[] {"logged", "logs-node"}, new String[] {"unlogged", "bare-node"})) {
                given().contentType(ContentType.JSON).body("{\"metadata\":{\"name\":\"" + pod[0] + "\"},\"spec\":{\"nodeName\":\""
                        + pod[1] + "\",\"containers\":[{\"name\":\"app\",\"image\":\"i\"}]}}")
                        .post("/api/v1/namespaces/default/pods").then().statusCode(201);
            }
            given().get("/api/v1/namespaces/default/pods/logged/log?container=app&tailLines=5").then().statusCode(200)
                    .contentType(containsString("text/plain"))
                    .body(equalTo("path=/containerLogs/default/logged/app tail=5\n"));
            given().get("/api/v1/namespaces/default/pods/unlogged/log").then().statusCode(400)
                    .body("message", containsString("node \"bare-node\" advertises no node agent endpoint"));
            given().get("/api/v1/namespaces/default/pods/logged/log?container=nope").then().statusCode(400)
                    .body("message", containsString("container nope is not valid"));
            // kubectl logs --previous before any restart: the node's refusal in its own words, as a 400 like Kubernetes'
            given().get("/api/v1/namespaces/default/pods/logged/log?container=app&previous=true").then().statusCode(400)
                    .body("reason", equalTo("BadRequest"))
                    .body("message", equalTo("previous terminated container \"app\" in pod \"logged\" not found"));
        } finally {
            agent.close();
        }
    }

    // ------------------------------------------------------------------ watch

    @Test
    void watchStreamsEventsAsLinesWithTablesAndBookmarks() {
        String rv = given().get("/api/v1/namespaces/default/services").then().extract().path("metadata.resourceVersion");
        given().contentType(ContentType.JSON).body("{\"metadata\":{\"name\":\"watched\"},\"spec\":{\"ports\":[{\"port\":80}]}}")
                .post("/api/v1/namespaces/default/services").then().statusCode(201);
        given().contentType("application/merge-patch+json").body("{\"metadata\":{\"labels\":{\"v\":\"2\"}}}")
                .patch("/api/v1/namespaces/default/services/watched").then().statusCode(200);
        given().delete("/api/v1/namespaces/default/services/watched").then().statusCode(200);

        String body = given().queryParam("watch", "true").queryParam("resourceVersion", rv).queryParam("timeoutSeconds", 1)
                .queryParam("fieldSelector", "metadata.name=watched")
                .get("/api/v1/namespaces/default/services").then().statusCode(200).header("Transfer-Encoding", "chunked")
                .extract().asString();
        List<JsonPath> events = body.lines().map(JsonPath::from).toList();
        assertThat(events).extracting(e -> e.getString("type")).containsExactly("ADDED", "MODIFIED", "DELETED");
        assertThat(events.get(1).getString("object.metadata.labels.v")).isEqualTo("2");
        assertThat(events.get(0).getString("object.kind")).isEqualTo("Service");

        String tables = given().accept(TABLE).queryParam("watch", "true").queryParam("resourceVersion", rv)
                .queryParam("timeoutSeconds", 1).queryParam("fieldSelector", "metadata.name=watched")
                .get("/api/v1/namespaces/default/services").then().statusCode(200).extract().asString();
        JsonPath firstRow = JsonPath.from(tables.lines().findFirst().orElseThrow());
        assertThat(firstRow.getString("object.kind")).isEqualTo("Table");
        assertThat(firstRow.getList("object.rows[0].cells")).startsWith("watched", "ClusterIP");

        // Watch-list: the current state, then a bookmark marking its end.
        String list = given().queryParam("watch", "true").queryParam("sendInitialEvents", "true")
                .queryParam("resourceVersionMatch", "NotOlderThan").queryParam("allowWatchBookmarks", "true")
                .queryParam("timeoutSeconds", 1).get("/api/v1/namespaces").then().statusCode(200).extract().asString();
        List<JsonPath> listed = list.lines().map(JsonPath::from).toList();
        assertThat(listed.get(0).getString("type")).isEqualTo("ADDED");
        JsonPath end = listed.stream().filter(e -> e.getString("type").equals("BOOKMARK")).findFirst().orElseThrow();
        assertThat(end.getString("object.metadata.annotations.'k8s.io/initial-events-end'")).isEqualTo("true");
        given().queryParam("watch", "true").queryParam("sendInitialEvents", "true").get("/api/v1/namespaces")
                .then().statusCode(422).body("details.causes.field", hasItem("sendInitialEvents"));
    }

    @Test
    void watchFromACompactedVersionEndsWithA410ErrorEvent() {
        createSts("default", "expired").then().statusCode(201);
        String head = given().get("/apis/apps/v1/namespaces/default/statefulsets/expired").then().extract().path("metadata.resourceVersion");
        given().contentType("application/merge-patch+json").body("{\"spec\":{\"replicas\":3}}")
                .patch("/apis/apps/v1/namespaces/default/statefulsets/expired").then().statusCode(200);
        compactor.compactThrough(Long.parseLong(head) + 1).await().atMost(Duration.ofSeconds(30));
        String body = given().queryParam("watch", "true").queryParam("resourceVersion", "1").queryParam("timeoutSeconds", 5)
                .get("/apis/apps/v1/namespaces/default/statefulsets").then().statusCode(200).extract().asString();
        JsonPath event = JsonPath.from(body.lines().reduce((a, b) -> b).orElseThrow());
        assertThat(event.getString("type")).isEqualTo("ERROR");
        assertThat(event.getInt("object.code")).isEqualTo(410);
        assertThat(event.getString("object.reason")).isEqualTo("Expired");
    }

    @Test
    void watchDeliversALiveChange() throws Exception {
        createSts("default", "live").then().statusCode(201);
        String rv = given().get("/apis/apps/v1/namespaces/default/statefulsets/live").then().extract().path("metadata.resourceVersion");
        CompletableFuture<String> watch = CompletableFuture.supplyAsync(() -> given().queryParam("watch", "true")
                .queryParam("resourceVersion", rv).queryParam("timeoutSeconds", 3).queryParam("fieldSelector", "metadata.name=live")
                .get("/apis/apps/v1/namespaces/default/statefulsets").then().statusCode(200).extract().asString());
        given().contentType("application/merge-patch+json").body("{\"spec\":{\"replicas\":7}}")
                .patch("/apis/apps/v1/namespaces/default/statefulsets/live").then().statusCode(200);
        String body = watch.get(30, TimeUnit.SECONDS);
        assertThat(body.lines().map(JsonPath::from).map(e -> e.getString("type") + ":" + e.getInt("object.spec.replicas")))
                .contains("MODIFIED:7");
    }
}

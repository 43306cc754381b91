package dev.ordinal.apiserver.rest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ordinal.client.api.Kind;
import java.util.List;

/**
 * The documents kubectl reads before it does anything: {@code /version} (the gcloud kubectl dispatcher
 * picks its binary by the minor version), legacy discovery ({@code /api}, {@code /apis}, one
 * APIResourceList per group version — drain always reads {@code /api/v1}), aggregated discovery
 * (APIGroupDiscoveryList, served only when asked for, with the media type parameters echoed), and the
 * minimal OpenAPI v3 documents without which {@code create} and {@code apply} refuse to run.
 */
final class Discovery {
    /** The Kubernetes version whose API this facade follows; kubectl's dispatcher runs kubectl 1.32 for it. */
    static final String MAJOR = "1";
    static final String MINOR = "32";
    static final String GIT_VERSION = "v1.32.4-ordinal";
    static final String AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    static final String AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

    private Discovery() {
    }

    static ObjectNode version() {
        ObjectNode v = KubeJson.NODES.objectNode();
        v.put("major", MAJOR).put("minor", MINOR).put("gitVersion", GIT_VERSION).put("gitCommit", "")
                .put("gitTreeState", "clean").put("buildDate", "2026-01-01T00:00:00Z").put("goVersion", "go1.23.6")
                .put("compiler", "gc").put("platform", "linux/amd64");
        return v;
    }

    /** The aggregated discovery media type the Accept header asks for, or null for the legacy documents. */
    static String aggregatedType(String accept) {
        if (accept == null || !accept.contains("as=APIGroupDiscoveryList")) {
            return null;
        }
        for (String part : accept.split(",")) {
            if (part.contains("as=APIGroupDiscoveryList") && part.contains("v=v2") && !part.contains("v=v2beta1")) {
                return AGGREGATED_V2;
            }
        }
        return AGGREGATED_V2BETA1;
    }

    static ObjectNode apiVersions(String serverAddress) {
        ObjectNode doc = KubeJson.NODES.objectNode();
        doc.put("kind", "APIVersions");
        doc.putArray("versions").add("v1");
        doc.putArray("serverAddressByClientCIDRs").addObject().put("clientCIDR", "0.0.0.0/0").put("serverAddress", serverAddress);
        return doc;
    }

    static ObjectNode apiGroupList() {
        ObjectNode doc = KubeJson.NODES.objectNode();
        doc.put("kind", "APIGroupList").put("apiVersion", "v1");
        ArrayNode groups = doc.putArray("groups");
        for (String gv : ApiResources.groupVersions()) {
            if (!gv.contains("/")) {
                continue;
            }
            String group = gv.substring(0, gv.indexOf('/'));
            String version = gv.substring(gv.indexOf('/') + 1);
            ObjectNode g = groups.addObject().put("name", group);
            g.putArray("versions").addObject().put("groupVersion", gv).put("version", version);
            g.putObject("preferredVersion").put("groupVersion", gv).put("version", version);
        }
        return doc;
    }

    /** Legacy APIResourceList of one group version, with subresources carrying their own group/version/kind. */
    static ObjectNode resourceList(String groupVersion) {
        ObjectNode doc = KubeJson.NODES.objectNode();
        doc.put("kind", "APIResourceList").put("apiVersion", "v1").put("groupVersion", groupVersion);
        ArrayNode resources = doc.putArray("resources");
        for (Kind kind : ApiResources.kindsOf(groupVersion)) {
            ObjectNode r = resources.addObject().put("name", kind.plural()).put("singularName", ApiResources.singular(kind))
                    .put("namespaced", kind.namespaced()).put("kind", kind.kindName());
            strings(r.putArray("verbs"), ApiResources.ALL_VERBS);
            if (!ApiResources.shortNames(kind).isEmpty()) {
                strings(r.putArray("shortNames"), ApiResources.shortNames(kind));
            }
            if (!ApiResources.categories(kind).isEmpty()) {
                strings(r.putArray("categories"), ApiResources.categories(kind));
            }
            for (ApiResources.Subresource sub : ApiResources.subresources(kind)) {
                ObjectNode s = resources.addObject().put("name", kind.plural() + "/" + sub.name()).put("singularName", "")
                        .put("namespaced", kind.namespaced()).put("group", sub.group()).put("version", sub.version())
                        .put("kind", sub.kind());
                strings(s.putArray("verbs"), sub.verbs());
            }
        }
        return doc;
    }

    /** APIGroupDiscoveryList for {@code /api} (core) or {@code /apis} (named groups). */
    static ObjectNode aggregated(boolean core, String mediaType) {
        ObjectNode doc = KubeJson.NODES.objectNode();
        doc.put("kind", "APIGroupDiscoveryList")
                .put("apiVersion", mediaType.contains("v=v2beta1") ? "apidiscovery.k8s.io/v2beta1" : "apidiscovery.k8s.io/v2");
        doc.putObject("metadata");
        ArrayNode items = doc.putArray("items");
        for (String gv : ApiResources.groupVersions()) {
            if (core != !gv.contains("/")) {
                continue;
            }
            String group = gv.contains("/") ? gv.substring(0, gv.indexOf('/')) : "";
            String version = gv.substring(gv.indexOf('/') + 1);
            ObjectNode item = items.addObject();
            ObjectNode meta = item.putObject("metadata");
            if (!group.isEmpty()) {
                meta.put("name", group);
            }
            ObjectNode v = item.putArray("versions").addObject().put("version", version).put("freshness", "Current");
            ArrayNode resources = v.putArray("resources");
            for (Kind kind : ApiResources.kindsOf(gv)) {
                ObjectNode r = resources.addObject().put("resource", kind.plural());
                r.putObject("responseKind").put("group", group).put("version", version).put("kind", kind.kindName());
                r.put("scope", kind.namespaced() ? "Namespaced" : "Cluster").put("singularResource", ApiResources.singular(kind));
                strings(r.putArray("verbs"), ApiResources.ALL_VERBS);
                if (!ApiResources.shortNames(kind).isEmpty()) {
                    strings(r.putArray("shortNames"), ApiResources.shortNames(kind));
                }
                if (!ApiResources.categories(kind).isEmpty()) {
                    strings(r.putArray("categories"), ApiResources.categories(kind));
                }
                List<ApiResources.Subresource> subs = ApiResources.subresources(kind);
                if (!subs.isEmpty()) {
                    ArrayNode subNodes = r.putArray("subresources");
                    for (ApiResources.Subresource sub : subs) {
                        ObjectNode s = subNodes.addObject().put("subresource", sub.name());
                        s.putObject("responseKind").put("group", sub.group()).put("version", sub.version()).put("kind", sub.kind());
                        strings(s.putArray("verbs"), sub.verbs());
                    }
                }
            }
        }
        return doc;
    }

    /** What kube-apiserver answers with (the Accept header spells it with "@", which Go's mime parser refuses in a Content-Type). */
    static final String OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    /**
     * {@code /openapi/v2} as the gnostic {@code openapi.v2.Document} protobuf kubectl 1.27 and 1.28 insist
     * on reading before {@code apply}/{@code create} (a 404 fails them): {@code swagger} (field 1) and
     * {@code info} (field 2: title 1, version 2), no paths and no definitions. kubectl finds no schema for
     * a kind there, so it skips client-side validation and computes patches from its built-in types, as
     * later versions do with the minimal v3 documents.
     */
    static byte[] openApiV2Protobuf() {
        try {
            java.io.ByteArrayOutputStream info = new java.io.ByteArrayOutputStream();
            com.google.protobuf.CodedOutputStream i = com.google.protobuf.CodedOutputStream.newInstance(info);
            i.writeString(1, "Kubernetes");
            i.writeString(2, version().get("gitVersion").asText());
            i.flush();
            java.io.ByteArrayOutputStream doc = new java.io.ByteArrayOutputStream();
            com.google.protobuf.CodedOutputStream d = com.google.protobuf.CodedOutputStream.newInstance(doc);
            d.writeString(1, "2.0");
            d.writeByteArray(2, info.toByteArray());
            d.flush();
            return doc.toByteArray();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot encode the OpenAPI v2 document", e);
        }
    }

    /** The same document in JSON, for a client that asks for JSON. */
    static ObjectNode openApiV2Json() {
        ObjectNode doc = KubeJson.NODES.objectNode().put("swagger", "2.0");
        doc.putObject("info").put("title", "Kubernetes").put("version", version().get("gitVersion").asText());
        doc.putObject("paths");
        doc.putObject("definitions");
        return doc;
    }

    /** {@code /openapi/v3}: one entry per group version, each pointing at its document. */
    static ObjectNode openApiRoot() {
        ObjectNode doc = KubeJson.NODES.objectNode();
        ObjectNode paths = doc.putObject("paths");
        for (String gv : ApiResources.groupVersions()) {
            String path = gv.contains("/") ? "apis/" + gv : "api/" + gv;
            paths.putObject(path).put("serverRelativeURL", "/openapi/v3/" + path + "?hash=" + hash(gv));
        }
        return doc;
    }

    /**
     * The OpenAPI v3 document of a group version: one path per kind with a {@code patch} operation that
     * names the kind and offers {@code fieldValidation} — all kubectl checks before it sends
     * {@code fieldValidation=Strict} and computes patches from its compiled-in types. Null when unknown.
     */
    static ObjectNode openApi(String groupVersion) {
        List<Kind> kinds = ApiResources.kindsOf(groupVersion);
        if (kinds.isEmpty()) {
            return null;
        }
        ObjectNode doc = KubeJson.NODES.objectNode();
        doc.put("openapi", "3.0.0");
        doc.putObject("info").put("title", "Ordinal").put("version", GIT_VERSION);
        ObjectNode paths = doc.putObject("paths");
        String prefix = groupVersion.contains("/") ? "/apis/" + groupVersion : "/api/" + groupVersion;
        for (Kind kind : kinds) {
            String path = prefix + (kind.namespaced() ? "/namespaces/{namespace}/" : "/") + kind.plural() + "/{name}";
            ObjectNode patch = paths.putObject(path).putObject("patch");
            String version = groupVersion.substring(groupVersion.indexOf('/') + 1);
            patch.putObject("x-kubernetes-group-version-kind").put("group", kind.group()).put("version", version)
                    .put("kind", kind.kindName());
            ArrayNode params = patch.putArray("parameters");
            for (String p : List.of("dryRun", "fieldManager", "fieldValidation", "force")) {
                params.addObject().put("name", p).put("in", "query").putObject("schema").put("type", "string");
            }
            ObjectNode content = patch.putObject("requestBody").putObject("content");
            for (String type : List.of("application/apply-patch+yaml", "application/json-patch+json",
                    "application/merge-patch+json", "application/strategic-merge-patch+json")) {
                content.putObject(type).putObject("schema").put("type", "object");
            }
            patch.putObject("responses").putObject("200").put("description", "OK");
        }
        doc.putObject("components").putObject("schemas");
        return doc;
    }

    private static String hash(String groupVersion) {
        return Integer.toHexString((GIT_VERSION + groupVersion + ApiResources.kindsOf(groupVersion)).hashCode());
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }
}

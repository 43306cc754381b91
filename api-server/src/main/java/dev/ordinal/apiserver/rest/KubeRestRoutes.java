package dev.ordinal.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ordinal.api.v1.DeleteRequest;
import dev.ordinal.api.v1.ListResponse;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.Preconditions;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.api.v1.WatchRequest;
import dev.ordinal.apiserver.storage.ObjectStore;
import dev.ordinal.apiserver.watch.WatchHub;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.ApiObjects;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.api.LabelSelectors;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The Kubernetes REST subset on the api-server's HTTP port, for {@code kubectl} and other Kubernetes
 * clients: discovery and OpenAPI, CRUD, watch, patch and the status/scale/eviction/log subresources of
 * every kind. A thin adapter: each request becomes {@link ObjectStore} or {@link WatchHub} calls, with
 * Kubernetes' JSON (or YAML) on the wire and Kubernetes' {@code Status} bodies for errors.
 */
@ApplicationScoped
public class KubeRestRoutes {
    /** Objects may be up to 1.5 MiB in storage; a larger body must still reach it for its precise answer. */
    private static final long MAX_BODY_BYTES = 8L * 1024 * 1024;
    /** Retries of a patch that lost a race with another writer (the patch itself did not name a resourceVersion). */
    private static final int PATCH_ATTEMPTS = 5;

    private final ObjectStore store;
    private final WatchHub watchHub;
    private final Vertx vertx;
    private final PodLogs podLogs;

    public KubeRestRoutes(ObjectStore store, WatchHub watchHub, Vertx vertx) {
        this.store = store;
        this.watchHub = watchHub;
        this.vertx = vertx;
        this.podLogs = new PodLogs(vertx, store);
    }

    void register(@Observes Router router) {
        BodyHandler body = BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES);
        router.route("/version").handler(ctx -> send(ctx, 200, Discovery.version()));
        router.routeWithRegex("/openapi/v3(/.*)?").handler(this::openApi);
        router.routeWithRegex("/openapi/v2|/swagger-2\\.0\\.0\\.pb-v1").handler(this::openApiV2);
        router.routeWithRegex("/apis?(/.*)?").handler(body).handler(this::serve);
    }

    // ------------------------------------------------------------------ discovery

    private void openApi(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        if (path.equals("/openapi/v3") || path.equals("/openapi/v3/")) {
            send(ctx, 200, Discovery.openApiRoot());
            return;
        }
        String gv = path.substring("/openapi/v3/".length()).replaceFirst("^apis?/", "");
        ObjectNode doc = Discovery.openApi(gv);
        if (doc == null) {
            fail(ctx, KubeStatus.notFoundPath(path));
        } else {
            send(ctx, 200, doc);
        }
    }

    private void openApiV2(RoutingContext ctx) {
        String accept = ctx.request().getHeader("Accept");
        if (ctx.normalizedPath().startsWith("/swagger") || (accept != null && accept.contains("protobuf"))) {
            ctx.response().setStatusCode(200).putHeader("Content-Type", Discovery.OPENAPI_V2_PROTOBUF)
                    .end(Buffer.buffer(Discovery.openApiV2Protobuf()));
        } else {
            send(ctx, 200, Discovery.openApiV2Json());
        }
    }

    private boolean discovery(RoutingContext ctx, List<String> segments) {
        String accept = ctx.request().getHeader("Accept");
        String host = ctx.request().localAddress() == null ? "127.0.0.1:6443"
                : ctx.request().localAddress().host() + ":" + ctx.request().localAddress().port();
        boolean core = segments.get(0).equals("api");
        if (segments.size() == 1) {
            String aggregated = Discovery.aggregatedType(accept);
            if (aggregated != null) {
                ctx.response().putHeader("Vary", "Accept");
                sendTyped(ctx, 200, Discovery.aggregated(core, aggregated), aggregated);
            } else {
                send(ctx, 200, core ? Discovery.apiVersions(host) : Discovery.apiGroupList());
            }
            return true;
        }
        if (core && segments.size() == 2) {
            if (!segments.get(1).equals("v1")) {
                fail(ctx, KubeStatus.notFoundPath(ctx.normalizedPath()));
            } else {
                send(ctx, 200, Discovery.resourceList("v1"));
            }
            return true;
        }
        if (!core && segments.size() == 2) {
            ObjectNode groups = Discovery.apiGroupList();
            for (JsonNode g : groups.get("groups")) {
                if (g.get("name").asText().equals(segments.get(1))) {
                    ObjectNode group = ((ObjectNode) g).deepCopy();
                    group.put("kind", "APIGroup").put("apiVersion", "v1");
                    send(ctx, 200, group);
                    return true;
                }
            }
            fail(ctx, KubeStatus.notFoundPath(ctx.normalizedPath()));
            return true;
        }
        if (!core && segments.size() == 3) {
            String gv = segments.get(1) + "/" + segments.get(2);
            if (ApiResources.kindsOf(gv).isEmpty()) {
                fail(ctx, KubeStatus.notFoundPath(ctx.normalizedPath()));
            } else {
                send(ctx, 200, Discovery.resourceList(gv));
            }
            return true;
        }
        return false;
    }

    // ------------------------------------------------------------------ resources

    /** A resource request: the kind, the namespace from the path ("" when none), the name and subresource. */
    record Target(Kind kind, String namespace, String name, String subresource) {
        boolean collection() {
            return name.isEmpty();
        }
    }

    private void serve(RoutingContext ctx) {
        try {
            List<String> segments = Arrays.stream(ctx.normalizedPath().split("/")).filter(s -> !s.isEmpty()).toList();
            if (segments.isEmpty() || discovery(ctx, segments)) {
                return;
            }
            Target target = target(segments, ctx.normalizedPath());
            dispatch(ctx, target);
        } catch (RuntimeException e) {
            fail(ctx, e);
        }
    }

    private static Target target(List<String> segments, String path) {
        boolean core = segments.get(0).equals("api");
        int skip = core ? 2 : 3;
        if (segments.size() <= skip) {
            throw KubeStatus.notFoundPath(path);
        }
        String gv = core ? segments.get(1) : segments.get(1) + "/" + segments.get(2);
        List<String> rest = segments.subList(skip, segments.size());
        String namespace = "";
        if (rest.get(0).equals("namespaces") && rest.size() >= 3 && ApiResources.resource(gv, rest.get(2)).isPresent()) {
            namespace = rest.get(1);
            rest = rest.subList(2, rest.size());
        }
        if (rest.size() > 3) {
            throw KubeStatus.notFoundPath(path);
        }
        Kind kind = ApiResources.resource(gv, rest.get(0)).orElseThrow(() -> KubeStatus.notFoundPath(path));
        String name = rest.size() > 1 ? rest.get(1) : "";
        String sub = rest.size() > 2 ? rest.get(2) : "";
        if (!sub.isEmpty() && ApiResources.subresource(kind, sub).isEmpty()) {
            throw KubeStatus.notFoundPath(path);
        }
        return new Target(kind, namespace, name, sub);
    }

    private void dispatch(RoutingContext ctx, Target t) {
        HttpMethod method = ctx.request().method();
        for (String value : ctx.queryParam("dryRun")) {
            if (!value.equals("All")) {
                throw ApiException.badRequest("dryRun: Unsupported value: \"" + value + "\": supported values: \"All\"");
            }
        }
        if (t.collection()) {
            if (method.equals(HttpMethod.GET)) {
                if (flag(ctx, "watch")) {
                    watch(ctx, t);
                } else {
                    list(ctx, t);
                }
            } else if (method.equals(HttpMethod.POST)) {
                create(ctx, t);
            } else if (method.equals(HttpMethod.DELETE)) {
                deleteCollection(ctx, t);
            } else {
                throw KubeStatus.methodNotAllowed(method.name(), t.kind().plural());
            }
            return;
        }
        switch (t.subresource()) {
            case "" -> {
                if (method.equals(HttpMethod.GET)) {
                    get(ctx, t);
                } else if (method.equals(HttpMethod.PUT)) {
                    update(ctx, t, false);
                } else if (method.equals(HttpMethod.PATCH)) {
                    patch(ctx, t, false);
                } else if (method.equals(HttpMethod.DELETE)) {
                    delete(ctx, t);
                } else {
                    throw KubeStatus.methodNotAllowed(method.name(), t.kind().plural() + "/" + t.name());
                }
            }
            case "status" -> {
                if (method.equals(HttpMethod.GET)) {
                    get(ctx, t);
                } else if (method.equals(HttpMethod.PUT)) {
                    update(ctx, t, true);
                } else if (method.equals(HttpMethod.PATCH)) {
                    patch(ctx, t, true);
                } else {
                    throw KubeStatus.methodNotAllowed(method.name(), t.kind().plural() + "/status");
                }
            }
            case "scale" -> scale(ctx, t, method);
            case "eviction" -> {
                if (!method.equals(HttpMethod.POST)) {
                    throw KubeStatus.methodNotAllowed(method.name(), "pods/eviction");
                }
                evict(ctx, t);
            }
            case "log" -> {
                if (!method.equals(HttpMethod.GET)) {
                    throw KubeStatus.methodNotAllowed(method.name(), "pods/log");
                }
                podLogs.serve(ctx, namespaceOf(t), t.name(), this::fail);
            }
            default -> throw KubeStatus.notFoundPath(ctx.normalizedPath());
        }
    }

    // ------------------------------------------------------------------ verbs

    private void get(RoutingContext ctx, Target t) {
        reply(ctx, store.get(t.kind().kindName(), namespaceOf(t), t.name()), object -> {
            if (wantsTable(ctx) && t.subresource().isEmpty()) {
                return Tables.table(t.kind(), List.of(object), ApiObjects.meta(object).getResourceVersion(), "",
                        ctx.request().getParam("includeObject"), Instant.now());
            }
            return KubeJson.toJson(object);
        });
    }

    private void list(RoutingContext ctx, Target t) {
        ExtraFieldSelector.Split fields = ExtraFieldSelector.split(ctx.request().getParam("fieldSelector"));
        long limit = fields.extra() != null ? 0 : longParam(ctx, "limit", 0);
        String continueToken = fields.extra() != null ? "" : param(ctx, "continue");
        String exactVersion = "Exact".equals(param(ctx, "resourceVersionMatch")) ? param(ctx, "resourceVersion") : "";
        Uni<ListResponse> listed = store.list(t.kind().kindName(), namespaceOf(t), param(ctx, "labelSelector"),
                fields.forStorage(), limit, continueToken);
        reply(ctx, listed, response -> {
            if (!exactVersion.isEmpty() && !exactVersion.equals(response.getResourceVersion())) {
                throw KubeStatus.gone("too old resource version: " + exactVersion + " (" + response.getResourceVersion() + ")");
            }
            List<Object> items = response.getItemsList();
            if (fields.extra() != null) {
                items = items.stream().filter(fields.extra()::matches).toList();
            }
            if (wantsTable(ctx)) {
                return Tables.table(t.kind(), items, response.getResourceVersion(), response.getContinue(),
                        ctx.request().getParam("includeObject"), Instant.now());
            }
            ObjectNode list = KubeJson.NODES.objectNode();
            list.put("kind", t.kind().kindName() + "List").put("apiVersion", t.kind().apiVersion());
            ObjectNode meta = list.putObject("metadata").put("resourceVersion", response.getResourceVersion());
            if (!response.getContinue().isEmpty()) {
                meta.put("continue", response.getContinue());
            }
            if (response.hasRemainingItemCount()) {
                meta.put("remainingItemCount", response.getRemainingItemCount());
            }
            ArrayNode array = list.putArray("items");
            items.forEach(item -> array.add(KubeJson.toJson(item)));
            return list;
        });
    }

    private void create(RoutingContext ctx, Target t) {
        Object object = decode(ctx, t, readBody(ctx, false));
        reply(ctx, 201, store.create(object, dryRun(ctx)), KubeJson::toJson);
    }

    private void update(RoutingContext ctx, Target t, boolean status) {
        Object object = decode(ctx, t, readBody(ctx, false));
        if (!ApiObjects.meta(object).getName().equals(t.name())) {
            throw ApiException.badRequest("the name of the object (" + ApiObjects.meta(object).getName()
                    + ") does not match the name on the URL (" + t.name() + ")");
        }
        reply(ctx, status ? store.updateStatus(object, dryRun(ctx)) : store.update(object, dryRun(ctx)), KubeJson::toJson);
    }

    private void patch(RoutingContext ctx, Target t, boolean status) {
        String type = mediaType(ctx);
        JsonNode patch = readBody(ctx, type.equals("application/apply-patch+yaml"));
        switch (type) {
            case "application/apply-patch+yaml" -> apply(ctx, t, patch);
            case "application/merge-patch+json", "application/json-patch+json", "application/strategic-merge-patch+json" ->
                    reply(ctx, patchWithRetries(ctx, t, live -> applyPatch(type, live, patch, t.kind()), status, PATCH_ATTEMPTS),
                            KubeJson::toJson);
            default -> throw KubeStatus.unsupportedMediaType(type);
        }
    }

    private static JsonNode applyPatch(String type, JsonNode live, JsonNode patch, Kind kind) {
        return switch (type) {
            case "application/merge-patch+json" -> Patches.mergePatch(live, patch);
            case "application/json-patch+json" -> Patches.jsonPatch(live, patch);
            default -> Patches.strategic(live, patch, kind.envelopeField().getMessageType());
        };
    }

    /**
     * Reads the live object, patches its JSON and writes the result. When the patch itself did not set a
     * resourceVersion the write is conditional on the version read, and a lost race is retried with a
     * fresh read, as kube-apiserver does; a patch that names a version fails with 409 when it is stale.
     */
    private Uni<Object> patchWithRetries(RoutingContext ctx, Target t, java.util.function.UnaryOperator<JsonNode> patcher,
            boolean status, int attempts) {
        return store.get(t.kind().kindName(), namespaceOf(t), t.name()).chain(live -> {
            ObjectNode liveJson = KubeJson.toJson(live);
            JsonNode patched = patcher.apply(liveJson);
            Object object = decode(ctx, t, patched);
            if (!ApiObjects.meta(object).getName().equals(t.name())) {
                throw ApiException.badRequest("metadata.name: a patch may not change the name (" + t.name() + ")");
            }
            String liveVersion = ApiObjects.meta(live).getResourceVersion();
            boolean versionFromPatch = !ApiObjects.meta(object).getResourceVersion().equals(liveVersion);
            Uni<Object> write = status ? store.updateStatus(object, dryRun(ctx)) : store.update(object, dryRun(ctx));
            return write.onFailure(e -> !versionFromPatch && attempts > 1 && e instanceof ApiException api
                            && "Conflict".equals(api.reason()))
                    .recoverWithUni(() -> patchWithRetries(ctx, t, patcher, status, attempts - 1));
        });
    }

    /** Server-side apply, the part kubectl needs: create when absent, else merge the applied configuration. */
    private void apply(RoutingContext ctx, Target t, JsonNode applied) {
        if (param(ctx, "fieldManager").isEmpty()) {
            throw ApiException.invalid(t.kind(), t.name(), List.of(dev.ordinal.api.v1.StatusCause.newBuilder()
                    .setField("fieldManager").setReason("FieldValueRequired")
                    .setMessage("Required value: is required for apply patch").build()));
        }
        Uni<ObjectNode> result = store.get(t.kind().kindName(), namespaceOf(t), t.name())
                .map(ignored -> Boolean.TRUE)
                .onFailure(e -> e instanceof ApiException api && "NotFound".equals(api.reason())).recoverWithItem(Boolean.FALSE)
                .chain(exists -> {
                    if (!exists) {
                        ctx.put("status", 201);
                        return store.create(decode(ctx, t, Patches.strip(applied)), dryRun(ctx)).map(KubeJson::toJson);
                    }
                    return patchWithRetries(ctx, t, live -> Patches.strategic(live, applied,
                            t.kind().envelopeField().getMessageType()), false, PATCH_ATTEMPTS).map(KubeJson::toJson);
                });
        result.subscribe().with(json -> send(ctx, ctx.get("status") == null ? 200 : (int) ctx.get("status"), json),
                failure -> fail(ctx, failure));
    }

    private void delete(RoutingContext ctx, Target t) {
        DeleteRequest.Builder request = deleteOptions(ctx, readOptionalBody(ctx), t);
        reply(ctx, store.delete(request.build(), dryRun(ctx)), result -> result.removed()
                ? KubeStatus.success(t.name(), t.kind(), ApiObjects.meta(result.object()).getUid())
                : KubeJson.toJson(result.object()));
    }

    /**
     * DELETE on a collection (client-go's DeleteCollection, {@code labelSelector}/{@code fieldSelector}):
     * each selected object is deleted with the body's options, as one DELETE each would; the answer is
     * the list of what was deleted (terminating objects as they now are). One that went meanwhile is skipped.
     */
    private void deleteCollection(RoutingContext ctx, Target t) {
        JsonNode options = readOptionalBody(ctx);
        ExtraFieldSelector.Split fields = ExtraFieldSelector.split(ctx.request().getParam("fieldSelector"));
        Uni<List<Object>> deleted = store.list(t.kind().kindName(), namespaceOf(t), param(ctx, "labelSelector"),
                fields.forStorage(), 0, "").chain(listed -> {
                    List<Object> items = fields.extra() == null ? listed.getItemsList()
                            : listed.getItemsList().stream().filter(fields.extra()::matches).toList();
                    if (items.isEmpty()) {
                        return Uni.createFrom().item(List.<Object>of());
                    }
                    // One after the other: a dry run reads through the request's database session, which allows no overlap.
                    return io.smallrye.mutiny.Multi.createFrom().iterable(items).onItem().transformToUniAndConcatenate(item -> {
                        ObjectMeta m = ApiObjects.meta(item);
                        DeleteRequest request = deleteOptions(ctx, options, new Target(t.kind(), m.getNamespace(), m.getName(), ""))
                                .build();
                        return store.delete(request, dryRun(ctx)).map(r -> Optional.of(r.object()))
                                .onFailure(e -> e instanceof ApiException api && "NotFound".equals(api.reason()))
                                .recoverWithItem(Optional.empty());
                    }).collect().asList().map(results -> results.stream().flatMap(Optional::stream).toList());
                });
        reply(ctx, deleted, items -> {
            ObjectNode list = KubeJson.NODES.objectNode();
            list.put("kind", t.kind().kindName() + "List").put("apiVersion", t.kind().apiVersion());
            list.putObject("metadata");
            ArrayNode array = list.putArray("items");
            items.forEach(item -> array.add(KubeJson.toJson(item)));
            return list;
        });
    }

    private DeleteRequest.Builder deleteOptions(RoutingContext ctx, JsonNode options, Target t) {
        DeleteRequest.Builder request = DeleteRequest.newBuilder().setKind(t.kind().kindName())
                .setNamespace(namespaceOf(t)).setName(t.name());
        String policy = options.path("propagationPolicy").asText(param(ctx, "propagationPolicy"));
        if (options.path("orphanDependents").asBoolean(false)) {
            policy = "Orphan";
        }
        request.setPropagationPolicy(policy);
        if (options.has("gracePeriodSeconds") && !options.get("gracePeriodSeconds").isNull()) {
            request.setGracePeriodSeconds(options.get("gracePeriodSeconds").asLong());
        } else if (!param(ctx, "gracePeriodSeconds").isEmpty()) {
            request.setGracePeriodSeconds(longParam(ctx, "gracePeriodSeconds", 0));
        }
        JsonNode pre = options.path("preconditions");
        if (pre.isObject()) {
            request.setPreconditions(Preconditions.newBuilder().setUid(pre.path("uid").asText(""))
                    .setResourceVersion(pre.path("resourceVersion").asText("")));
        }
        return request;
    }

    /** {@code kubectl drain}: an Eviction deletes the pod (no disruption budgets exist here) and answers 201. */
    private void evict(RoutingContext ctx, Target t) {
        JsonNode eviction = readOptionalBody(ctx);
        DeleteRequest.Builder request = deleteOptions(ctx, eviction.path("deleteOptions"), t);
        reply(ctx, 201, store.delete(request.build(), dryRun(ctx)), result -> {
            ObjectNode ok = KubeStatus.success(t.name(), t.kind(), ApiObjects.meta(result.object()).getUid());
            ok.put("code", 201);
            return ok;
        });
    }

    // ------------------------------------------------------------------ scale

    private void scale(RoutingContext ctx, Target t, HttpMethod method) {
        Uni<Object> live = store.get(t.kind().kindName(), namespaceOf(t), t.name());
        if (method.equals(HttpMethod.GET)) {
            reply(ctx, live, KubeRestRoutes::scaleOf);
            return;
        }
        JsonNode body = readBody(ctx, false);
        String type = mediaType(ctx);
        if (!method.equals(HttpMethod.PUT) && !method.equals(HttpMethod.PATCH)) {
            throw KubeStatus.methodNotAllowed(method.name(), t.kind().plural() + "/scale");
        }
        Uni<Object> written = live.chain(object -> {
            ObjectNode current = scaleOf(object);
            JsonNode wanted = method.equals(HttpMethod.PUT) ? body : switch (type) {
                case "application/json-patch+json" -> Patches.jsonPatch(current, body);
                case "application/merge-patch+json", "application/strategic-merge-patch+json" -> Patches.mergePatch(current, body);
                default -> throw KubeStatus.unsupportedMediaType(type);
            };
            JsonNode replicas = wanted.path("spec").path("replicas");
            if (!replicas.isIntegralNumber() || replicas.asInt() < 0) {
                throw ApiException.invalid(t.kind(), t.name(), List.of(dev.ordinal.api.v1.StatusCause.newBuilder()
                        .setField("spec.replicas").setReason("FieldValueInvalid")
                        .setMessage("Invalid value: " + replicas + ": must be a non-negative integer").build()));
            }
            StatefulSet sts = object.getStatefulSet();
            String version = wanted.path("metadata").path("resourceVersion").asText("");
            StatefulSet.Builder updated = sts.toBuilder();
            updated.getSpecBuilder().setReplicas(replicas.asInt());
            updated.getMetadataBuilder().setResourceVersion(version.isEmpty() ? sts.getMetadata().getResourceVersion() : version);
            return store.update(Object.newBuilder().setStatefulSet(updated).build(), dryRun(ctx));
        });
        reply(ctx, written, KubeRestRoutes::scaleOf);
    }

    static ObjectNode scaleOf(Object object) {
        StatefulSet sts = object.getStatefulSet();
        ObjectMeta m = sts.getMetadata();
        ObjectNode scale = KubeJson.NODES.objectNode();
        scale.put("kind", "Scale").put("apiVersion", "autoscaling/v1");
        ObjectNode meta = (ObjectNode) KubeJson.message(ObjectMeta.newBuilder().setName(m.getName())
                .setNamespace(m.getNamespace()).setUid(m.getUid()).setResourceVersion(m.getResourceVersion())
                .setCreationTimestamp(m.getCreationTimestamp()).build());
        scale.set("metadata", meta);
        scale.putObject("spec").put("replicas", sts.getSpec().hasReplicas() ? sts.getSpec().getReplicas() : 1);
        scale.putObject("status").put("replicas", sts.getStatus().getReplicas())
                .put("selector", LabelSelectors.format(sts.getSpec().getSelector()));
        return scale;
    }

    // ------------------------------------------------------------------ watch

    private void watch(RoutingContext ctx, Target t) {
        String version = param(ctx, "resourceVersion");
        if (!version.isEmpty() && !version.chars().allMatch(Character::isDigit)) {
            throw ApiException.badRequest("resourceVersion: \"" + version + "\" is not a valid resource version");
        }
        boolean sendInitialEvents = flag(ctx, "sendInitialEvents");
        boolean bookmarks = flag(ctx, "allowWatchBookmarks");
        if (sendInitialEvents && !bookmarks) {
            throw ApiException.invalid(t.kind(), "", List.of(dev.ordinal.api.v1.StatusCause.newBuilder()
                    .setField("sendInitialEvents").setReason("FieldValueForbidden")
                    .setMessage("Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true").build()));
        }
        WatchRequest request = WatchRequest.newBuilder().setKind(t.kind().kindName()).setNamespace(namespaceOf(t))
                .setLabelSelector(param(ctx, "labelSelector")).setFieldSelector(param(ctx, "fieldSelector"))
                .setResourceVersion(version).setAllowBookmarks(bookmarks).setSendInitialEvents(sendInitialEvents).build();
        boolean table = wantsTable(ctx);
        String includeObject = ctx.request().getParam("includeObject");
        java.util.function.Function<Object, JsonNode> render = table
                ? object -> Tables.table(t.kind(), List.of(object), ApiObjects.meta(object).getResourceVersion(), "",
                        includeObject, Instant.now())
                : KubeJson::toJson;
        long timeout = longParam(ctx, "timeoutSeconds", 0);
        if ("websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"))) {
            // Kubernetes serves watches over WebSocket too, one event per message; the fabric8 client asks for that.
            ctx.request().toWebSocket().onFailure(e -> fail(ctx, ApiException.badRequest("WebSocket upgrade failed: " + e.getMessage())))
                    .onSuccess(socket -> {
                        WatchStream[] holder = new WatchStream[1];
                        WatchStream stream = new WatchStream(vertx, WatchStream.webSocket(socket), t.kind(), bookmarks,
                                sendInitialEvents, render, timeout, () -> {
                                    ObjectNode error = KubeJson.NODES.objectNode().put("type", "ERROR");
                                    error.set("object", KubeStatus.body(holder[0].earlyFailure().status()));
                                    socket.writeTextMessage(error.toString()).onComplete(ignored -> socket.close());
                                });
                        holder[0] = stream;
                        watchHub.watch(request).subscribe().withSubscriber(stream);
                        stream.start();
                    });
            return;
        }
        WatchStream[] holder = new WatchStream[1];
        WatchStream stream = new WatchStream(vertx, WatchStream.http(ctx.response()), t.kind(), bookmarks, sendInitialEvents,
                render, timeout, () -> fail(ctx, holder[0].earlyFailure()));
        holder[0] = stream;
        watchHub.watch(request).subscribe().withSubscriber(stream);
        stream.start();
    }

    // ------------------------------------------------------------------ bodies and answers

    /** Decodes an object of the target's kind, applying the request's fieldValidation to fields Ordinal does not model. */
    private Object decode(RoutingContext ctx, Target t, JsonNode body) {
        List<String> unknown = new ArrayList<>();
        if (body instanceof ObjectNode o) {
            String kind = o.path("kind").asText("");
            if (!kind.isEmpty() && !kind.equals(t.kind().kindName())) {
                throw ApiException.badRequest("the object's kind \"" + kind + "\" does not match the URL's resource \""
                        + t.kind().plural() + "\" (kind " + t.kind().kindName() + ")");
            }
        }
        Object object = KubeJson.fromJson(t.kind(), body, unknown);
        String validation = param(ctx, "fieldValidation");
        if (!unknown.isEmpty()) {
            if (validation.equals("Strict")) {
                throw ApiException.badRequest("strict decoding error: " + unknown.stream()
                        .map(f -> "unknown field \"" + f + "\"").collect(Collectors.joining(", ")));
            }
            if (!validation.equals("Ignore")) {
                unknown.forEach(f -> ctx.response().headers().add("Warning", "299 - \"unknown field \\\"" + f + "\\\"\""));
            }
        }
        ObjectMeta meta = ApiObjects.meta(object);
        String ns = namespaceOf(t);
        if (t.kind().namespaced() && !ns.isEmpty()) {
            if (meta.getNamespace().isEmpty()) {
                object = ApiObjects.withMeta(object, meta.toBuilder().setNamespace(ns).build());
            } else if (!meta.getNamespace().equals(ns)) {
                throw ApiException.badRequest("the namespace of the provided object (" + meta.getNamespace()
                        + ") does not match the namespace sent on the request (" + ns + ")");
            }
        }
        return object;
    }

    /** The request body as a tree; JSON unless the Content-Type says YAML (a missing Content-Type is JSON). */
    private static JsonNode readBody(RoutingContext ctx, boolean yaml) {
        Buffer buffer = ctx.body().buffer();
        if (buffer == null || buffer.length() == 0) {
            throw ApiException.badRequest("the request has no body; expected a JSON or YAML object");
        }
        String type = mediaType(ctx);
        if (type.equals("application/vnd.kubernetes.protobuf")) {
            return KubeProtobuf.decode(buffer.getBytes());
        }
        try {
            boolean asYaml = yaml || type.endsWith("yaml");
            return (asYaml ? KubeJson.YAML : KubeJson.JSON).readTree(buffer.getBytes());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw ApiException.badRequest("the request body is not valid " + (yaml || type.endsWith("yaml") ? "YAML" : "JSON")
                    + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("the request body cannot be read: " + e.getMessage());
        }
    }

    private static JsonNode readOptionalBody(RoutingContext ctx) {
        Buffer buffer = ctx.body().buffer();
        return buffer == null || buffer.length() == 0 ? KubeJson.NODES.objectNode() : readBody(ctx, false);
    }

    private static String mediaType(RoutingContext ctx) {
        String type = ctx.request().getHeader("Content-Type");
        if (type == null || type.isBlank()) {
            return "application/json";
        }
        int semi = type.indexOf(';');
        return (semi < 0 ? type : type.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }

    private <T> void reply(RoutingContext ctx, Uni<T> result, java.util.function.Function<T, JsonNode> render) {
        reply(ctx, 200, result, render);
    }

    private <T> void reply(RoutingContext ctx, int code, Uni<T> result, java.util.function.Function<T, JsonNode> render) {
        result.subscribe().with(item -> {
            try {
                send(ctx, code, render.apply(item));
            } catch (RuntimeException e) {
                fail(ctx, e);
            }
        }, failure -> fail(ctx, failure));
    }

    private void fail(RoutingContext ctx, Throwable failure) {
        ApiException api = KubeStatus.of(failure);
        ObjectNode body = KubeStatus.body(api.status());
        int code = api.status().getCode() == 0 ? 500 : api.status().getCode();
        if (code == 429 || code == 503) {
            ctx.response().putHeader("Retry-After", "1");
        }
        send(ctx, code, body);
    }

    static void send(RoutingContext ctx, int code, JsonNode body) {
        String accept = ctx.request().getHeader("Accept");
        boolean yaml = accept != null && accept.contains("application/yaml") && !accept.contains("application/json");
        try {
            HttpServerResponse response = ctx.response();
            if (response.ended() || response.closed()) {
                return;
            }
            if (yaml) {
                response.setStatusCode(code).putHeader("Content-Type", "application/yaml")
                        .end(Buffer.buffer(KubeJson.YAML.writeValueAsBytes(body)));
            } else {
                response.setStatusCode(code).putHeader("Content-Type", "application/json")
                        .end(Buffer.buffer(KubeJson.JSON.writeValueAsBytes(body)));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize a response", e);
        }
    }

    private static void sendTyped(RoutingContext ctx, int code, JsonNode body, String contentType) {
        ctx.response().setStatusCode(code).putHeader("Content-Type", contentType).end(body.toString());
    }

    private static boolean wantsTable(RoutingContext ctx) {
        String accept = ctx.request().getHeader("Accept");
        return accept != null && accept.contains("as=Table");
    }

    private static boolean dryRun(RoutingContext ctx) {
        return !ctx.queryParam("dryRun").isEmpty();
    }

    private static boolean flag(RoutingContext ctx, String name) {
        String value = ctx.request().getParam(name);
        return value != null && (value.equals("true") || value.equals("1"));
    }

    private static String param(RoutingContext ctx, String name) {
        String value = ctx.request().getParam(name);
        return value == null ? "" : value;
    }

    private static long longParam(RoutingContext ctx, String name, long fallback) {
        String value = param(ctx, name);
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + ": \"" + value + "\" is not an integer");
        }
    }

    /** The namespace a request addresses: the path's, and nothing for cluster-scoped kinds. */
    private static String namespaceOf(Target t) {
        return t.kind().namespaced() ? t.namespace() : "";
    }

    static Optional<Kind> kindOfPlural(String plural) {
        return Arrays.stream(Kind.values()).filter(k -> k.plural().equals(plural)).findFirst();
    }
}

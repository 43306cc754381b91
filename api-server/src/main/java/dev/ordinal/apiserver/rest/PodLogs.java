package dev.ordinal.apiserver.rest;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeAddress;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.apiserver.storage.ObjectStore;
import dev.ordinal.client.api.ApiException;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;

/**
 * {@code pods/{name}/log}: proxies to the node agent of the pod's node, as kube-apiserver proxies to the
 * kubelet. The agent serves {@code GET /containerLogs/{namespace}/{pod}/{container}} on the port its Node
 * advertises in {@code status.daemonEndpoints.kubeletEndpoint.Port}, at the node's InternalIP; the
 * answer (chunked while {@code follow=true}) is streamed to the client as it comes.
 */
final class PodLogs {
    static final List<String> PASSED_PARAMETERS = List.of("follow", "previous", "tailLines", "timestamps", "sinceSeconds",
            "sinceTime", "limitBytes");

    private final ObjectStore store;
    private final HttpClient client;

    PodLogs(Vertx vertx, ObjectStore store) {
        this.store = store;
        this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5000).setKeepAlive(false));
    }

    void serve(RoutingContext ctx, String namespace, String podName, BiConsumer<RoutingContext, Throwable> fail) {
        store.get("Pod", namespace, podName).chain(podObject -> {
            Pod pod = podObject.getPod();
            String container = container(pod, ctx.request().getParam("container"));
            String nodeName = pod.getSpec().getNodeName();
            if (nodeName.isEmpty()) {
                throw ApiException.badRequest("container \"" + container + "\" in pod \"" + podName
                        + "\" is waiting to start: the pod is not scheduled to a node yet");
            }
            return store.get("Node", "", nodeName).map(node -> new Upstream(agentAddress(node.getNode(), podName), container));
        }).subscribe().with(upstream -> proxy(ctx, namespace, podName, upstream, fail), failure -> fail.accept(ctx, failure));
    }

    private record Upstream(String hostPort, String container) {
    }

    private void proxy(RoutingContext ctx, String namespace, String podName, Upstream upstream,
            BiConsumer<RoutingContext, Throwable> fail) {
        String query = PASSED_PARAMETERS.stream().filter(p -> ctx.request().getParam(p) != null)
                .map(p -> p + "=" + URLEncoder.encode(ctx.request().getParam(p), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        String path = "/containerLogs/" + namespace + "/" + podName + "/" + upstream.container() + (query.isEmpty() ? "" : "?" + query);
        int colon = upstream.hostPort().lastIndexOf(':');
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET)
                .setHost(upstream.hostPort().substring(0, colon))
                .setPort(Integer.parseInt(upstream.hostPort().substring(colon + 1))).setURI(path);
        client.request(options)
                .compose(request -> request.send())
                .onFailure(e -> fail.accept(ctx, ApiException.unavailable("cannot reach the node agent at "
                        + upstream.hostPort() + " for the logs of pod \"" + podName + "\": " + e.getMessage())))
                .onSuccess(response -> {
                    if (response.statusCode() != 200) {
                        // As kube-apiserver passes on the kubelet's refusal: a 4xx is the user's request (no previous
                        // container, not started yet, a bad tailLines) and reads as 400 with the node's own words.
                        int code = response.statusCode();
                        response.body().onComplete(body -> {
                            String said = body.succeeded() ? body.result().toString().strip() : "";
                            fail.accept(ctx, code >= 400 && code < 500 && !said.isEmpty()
                                    ? new ApiException(io.grpc.Status.Code.FAILED_PRECONDITION, KubeStatus.failure(400, "BadRequest", said))
                                    : new ApiException(io.grpc.Status.Code.UNAVAILABLE, KubeStatus.failure(502, "BadGateway",
                                            "the node agent answered " + code + " for the logs of pod \"" + podName
                                                    + "\" container \"" + upstream.container() + "\": " + said)));
                        });
                        return;
                    }
                    ctx.response().setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/plain");
                    ctx.response().closeHandler(ignored -> response.request().connection().close());
                    response.handler(chunk -> {
                        ctx.response().write(chunk);
                        if (ctx.response().writeQueueFull()) {
                            response.pause();
                            ctx.response().drainHandler(ignored -> response.resume());
                        }
                    });
                    response.endHandler(ignored -> {
                        if (!ctx.response().ended()) {
                            ctx.response().end();
                        }
                    });
                    response.exceptionHandler(e -> {
                        if (!ctx.response().ended()) {
                            ctx.response().end(Buffer.buffer());
                        }
                    });
                });
    }

    /** The container to read: the one named, or the pod's only one. */
    static String container(Pod pod, String requested) {
        List<String> names = pod.getSpec().getContainersList().stream().map(Container::getName).toList();
        List<String> all = new java.util.ArrayList<>(names);
        pod.getSpec().getInitContainersList().forEach(c -> all.add(c.getName()));
        if (requested != null && !requested.isEmpty()) {
            if (!all.contains(requested)) {
                throw ApiException.badRequest("container " + requested + " is not valid for pod " + pod.getMetadata().getName());
            }
            return requested;
        }
        if (names.size() == 1) {
            return names.get(0);
        }
        throw ApiException.badRequest("a container name must be specified for pod " + pod.getMetadata().getName()
                + ", choose one of: " + names);
    }

    /** host:port of the node agent, from the node's InternalIP and its advertised kubelet endpoint port. */
    static String agentAddress(Node node, String podName) {
        int port = node.getStatus().getDaemonEndpoints().getKubeletEndpoint().getPort();
        String ip = node.getStatus().getAddressesList().stream().filter(a -> a.getType().equals("InternalIP"))
                .map(NodeAddress::getAddress).findFirst().orElse("");
        if (port <= 0 || ip.isEmpty()) {
            throw new ApiException(io.grpc.Status.Code.FAILED_PRECONDITION, KubeStatus.failure(400, "BadRequest",
                    "node \"" + node.getMetadata().getName() + "\" advertises no node agent endpoint (status.addresses"
                            + " InternalIP and status.daemonEndpoints.kubeletEndpoint.Port), so the logs of pod \""
                            + podName + "\" cannot be fetched"));
        }
        return ip.contains(":") ? "[" + ip + "]:" + port : ip + ":" + port;
    }
}

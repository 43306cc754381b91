package dev.ordinal.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ordinal.api.v1.WatchEvent;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.Kind;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.Flow;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * One {@code watch=true} request: the hub's events as Kubernetes watch events, one JSON object per line
 * in a chunked 200 response, flushed one by one. Paced by the connection: the next event is requested
 * only when the response's write queue has room, so a client that stops reading parks its watcher in the
 * hub instead of piling events up here. A start that is too old (410) arrives as an ERROR event inside
 * the 200 stream, as kube-apiserver does; the stream ends at {@code timeoutSeconds}.
 */
final class WatchStream implements Flow.Subscriber<WatchEvent> {
    private static final Logger LOG = Logger.getLogger(WatchStream.class);

    private final HttpServerResponse response;
    private final Context context;
    private final Kind kind;
    private final boolean bookmarks;
    private final boolean initialEventsRequested;
    /** Turns an object event's JSON into what the client asked for (the object itself or a one-row Table). */
    private final Function<dev.ordinal.api.v1.Object, JsonNode> render;
    private final Runnable onFailureBeforeStart;
    private volatile Flow.Subscription subscription;
    private volatile ApiException earlyFailure;
    private boolean started;
    private boolean ended;

    WatchStream(Vertx vertx, HttpServerResponse response, Kind kind, boolean bookmarks, boolean initialEventsRequested,
            Function<dev.ordinal.api.v1.Object, JsonNode> render, long timeoutSeconds, Runnable onFailureBeforeStart) {
        this.response = response;
        this.context = vertx.getOrCreateContext();
        this.kind = kind;
        this.bookmarks = bookmarks;
        this.initialEventsRequested = initialEventsRequested;
        this.render = render;
        this.onFailureBeforeStart = onFailureBeforeStart;
        response.closeHandler(ignored -> cancel());
        response.drainHandler(ignored -> requestMore());
        if (timeoutSeconds > 0) {
            vertx.setTimer(timeoutSeconds * 1000, ignored -> context.runOnContext(v -> finish()));
        }
    }

    /** Sends the 200 headers unless the hub refused the watch while it was being subscribed. */
    void start() {
        if (earlyFailure != null) {
            onFailureBeforeStart.run();
            return;
        }
        started = true;
        response.setStatusCode(200).setChunked(true).putHeader("Content-Type", "application/json")
                .putHeader("Cache-Control", "no-cache, private");
        response.writeHead();
        requestMore();
    }

    ApiException earlyFailure() {
        return earlyFailure;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
    }

    private void requestMore() {
        Flow.Subscription s = subscription;
        if (s != null && started && !ended && !response.writeQueueFull()) {
            s.request(1);
        }
    }

    @Override
    public void onNext(WatchEvent event) {
        context.runOnContext(ignored -> {
            if (ended) {
                return;
            }
            JsonNode line = toJson(event);
            if (line != null) {
                response.write(Buffer.buffer(line.toString() + "\n"));
            }
            requestMore();
        });
    }

    private JsonNode toJson(WatchEvent event) {
        ObjectNode out = KubeJson.NODES.objectNode();
        switch (event.getType()) {
            case BOOKMARK -> {
                boolean initialEnd = event.getInitialEventsEnd();
                if (!bookmarks || (initialEnd && !initialEventsRequested)) {
                    return null;
                }
                out.put("type", "BOOKMARK");
                ObjectNode object = out.putObject("object").put("kind", kind.kindName()).put("apiVersion", kind.apiVersion());
                ObjectNode meta = object.putObject("metadata").put("resourceVersion", event.getResourceVersion());
                if (initialEnd) {
                    meta.putObject("annotations").put("k8s.io/initial-events-end", "true");
                }
            }
            case ERROR -> {
                out.put("type", "ERROR");
                out.set("object", KubeStatus.body(event.getStatus()));
            }
            case ADDED, MODIFIED, DELETED -> {
                out.put("type", event.getType().name());
                out.set("object", render.apply(event.getObject()));
            }
            default -> {
                return null;
            }
        }
        return out;
    }

    @Override
    public void onError(Throwable failure) {
        ApiException api = failure instanceof ApiException a ? a : ApiException.internal("watch failed");
        if (!(failure instanceof ApiException)) {
            LOG.errorf("watch of %s failed: %s", kind.plural(), failure.toString());
        }
        context.runOnContext(ignored -> {
            if (!started) {
                earlyFailure = api;
                return;
            }
            if (!ended) {
                ObjectNode out = KubeJson.NODES.objectNode().put("type", "ERROR");
                out.set("object", KubeStatus.body(api.status()));
                response.write(Buffer.buffer(out.toString() + "\n"));
                finish();
            }
        });
        if (!started) {
            earlyFailure = api;
        }
    }

    @Override
    public void onComplete() {
        context.runOnContext(ignored -> finish());
    }

    private void finish() {
        if (!ended) {
            ended = true;
            cancel();
            if (started && !response.ended() && !response.closed()) {
                response.end();
            }
        }
    }

    private void cancel() {
        ended = true;
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }
}

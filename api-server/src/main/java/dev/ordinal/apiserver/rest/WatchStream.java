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
import io.vertx.core.http.ServerWebSocket;
import java.util.concurrent.Flow;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * One {@code watch=true} request: the hub's events as Kubernetes watch events, one JSON object per line
 * in a chunked 200 response, flushed one by one. Paced by the connection: the next event is requested
 * only when the response's write queue has room, so a client that stops reading parks its watcher in the
 * hub instead of piling events up here. A start that is too old (410) arrives as an ERROR event inside
 * the 200 stream, as kube-apiserver does; the stream ends at {@code timeoutSeconds}. Clients that ask for
 * a WebSocket (the fabric8 client does) get the same events, one per text message.
 */
final class WatchStream implements Flow.Subscriber<WatchEvent> {
    /** Where the events go: a chunked HTTP response or a WebSocket. */
    interface Sink {
        void begin();

        void write(String event);

        boolean full();

        void onDrain(Runnable action);

        void onClose(Runnable action);

        void end();
    }

    static Sink http(HttpServerResponse response) {
        return new Sink() {
            @Override
            public void begin() {
                response.setStatusCode(200).setChunked(true).putHeader("Content-Type", "application/json")
                        .putHeader("Cache-Control", "no-cache, private");
                response.writeHead();
            }

            @Override
            public void write(String event) {
                response.write(Buffer.buffer(event + "\n"));
            }

            @Override
            public boolean full() {
                return response.writeQueueFull();
            }

            @Override
            public void onDrain(Runnable action) {
                response.drainHandler(ignored -> action.run());
            }

            @Override
            public void onClose(Runnable action) {
                response.closeHandler(ignored -> action.run());
            }

            @Override
            public void end() {
                if (!response.ended() && !response.closed()) {
                    response.end();
                }
            }
        };
    }

    static Sink webSocket(ServerWebSocket socket) {
        return new Sink() {
            @Override
            public void begin() {
            }

            @Override
            public void write(String event) {
                socket.writeTextMessage(event);
            }

            @Override
            public boolean full() {
                return socket.writeQueueFull();
            }

            @Override
            public void onDrain(Runnable action) {
                socket.drainHandler(ignored -> action.run());
            }

            @Override
            public void onClose(Runnable action) {
                socket.closeHandler(ignored -> action.run());
            }

            @Override
            public void end() {
                if (!socket.isClosed()) {
                    socket.close();
                }
            }
        };
    }

    private static final Logger LOG = Logger.getLogger(WatchStream.class);

    private final Sink response;
    private final Context context;
    private final Kind kind;
    private final boolean bookmarks;
    private final boolean initialEventsRequested;
    /** Turns an object event's JSON into what the client asked for (the object itself or a one-row Table). */
    private final Function<dev.ordinal.api.v1.Object, JsonNode> render;
    private final Runnable onFailureBeforeStart;
    private volatile Flow.Subscription subscription;
    private volatile ApiException earlyFailure;
    private final Vertx vertx;
    private long timer = -1;
    private boolean started;
    private boolean ended;

    WatchStream(Vertx vertx, Sink response, Kind kind, boolean bookmarks, boolean initialEventsRequested,
            Function<dev.ordinal.api.v1.Object, JsonNode> render, long timeoutSeconds, Runnable onFailureBeforeStart) {
        this.response = response;
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.kind = kind;
        this.bookmarks = bookmarks;
        this.initialEventsRequested = initialEventsRequested;
        this.render = render;
        this.onFailureBeforeStart = onFailureBeforeStart;
        response.onClose(this::cancel);
        response.onDrain(this::requestMore);
        if (timeoutSeconds > 0) {
            timer = vertx.setTimer(timeoutSeconds * 1000, ignored -> context.runOnContext(v -> finish()));
        }
    }

    /** Sends the 200 headers unless the hub refused the watch while it was being subscribed. */
    void start() {
        if (earlyFailure != null) {
            onFailureBeforeStart.run();
            return;
        }
        started = true;
        response.begin();
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
        if (s != null && started && !ended && !response.full()) {
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
                response.write(line.toString());
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
                response.write(out.toString());
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
            if (started) {
                response.end();
            }
        }
    }

    private void cancel() {
        ended = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }
}

package dev.ordinal.nodeagent;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The kubelet's container log endpoint, {@code GET /containerLogs/{namespace}/{pod}/{container}}
 * with {@code follow}, {@code previous} and {@code tailLines}: the api-server proxies
 * {@code kubectl logs} here. Answers 404 with a sentence when this node runs no such container
 * (or, with {@code previous}, when it never restarted).
 */
public final class ContainerLogs implements Handler<RoutingContext> {
    public static final String ROUTE = "/containerLogs/:namespace/:pod/:container";
    private static final int CHUNK = 64 * 1024;

    private final NodeAgent agent;

    ContainerLogs(NodeAgent agent) {
        this.agent = agent;
    }

    @Override
    public void handle(RoutingContext ctx) {
        String ns = ctx.pathParam("namespace");
        String pod = ctx.pathParam("pod");
        String container = ctx.pathParam("container");
        boolean follow = Boolean.parseBoolean(ctx.request().getParam("follow", "false"));
        boolean previous = Boolean.parseBoolean(ctx.request().getParam("previous", "false"));
        String tailParam = ctx.request().getParam("tailLines");
        long tail = -1;
        if (tailParam != null) {
            try {
                tail = Long.parseLong(tailParam);
            } catch (NumberFormatException e) {
                tail = -2;
            }
            if (tail < 0) {
                ctx.response().setStatusCode(400).putHeader("Content-Type", "text/plain; charset=utf-8")
                        .end("tailLines: must be a non-negative integer, not \"" + tailParam + "\"\n");
                return;
            }
        }
        Optional<PodWorkers.LogTarget> target = agent.logTarget(ns, pod, container, previous);
        if (target.isEmpty()) {
            ctx.response().setStatusCode(404).putHeader("Content-Type", "text/plain; charset=utf-8")
                    .end(previous ? "previous terminated container \"" + container + "\" in pod \"" + pod + "\" not found\n"
                            : "container \"" + container + "\" in pod \"" + ns + "/" + pod + "\" is not running on this node\n");
            return;
        }
        HttpServerResponse resp = ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8").setChunked(true);
        Path file = target.get().file();
        long offset;
        try {
            offset = tail >= 0 ? tailOffset(file, tail) : 0;
            offset = copy(file, offset, resp, Long.MAX_VALUE);
        } catch (IOException e) {
            resp.end("cannot read " + file.getFileName() + ": " + e.getMessage() + "\n");
            return;
        }
        if (!follow || previous) {
            resp.end();
            return;
        }
        long[] pos = {offset};
        long timer = ctx.vertx().setPeriodic(200, id -> {
            try {
                boolean running = target.get().running().getAsBoolean();
                pos[0] = copy(file, pos[0], resp, CHUNK);
                if (!running && pos[0] >= file.toFile().length()) {
                    ctx.vertx().cancelTimer(id);
                    resp.end();
                }
            } catch (IOException | IllegalStateException e) {
                ctx.vertx().cancelTimer(id);
                if (!resp.ended()) {
                    resp.end();
                }
            }
        });
        resp.closeHandler(v -> ctx.vertx().cancelTimer(timer));
    }

    private static long copy(Path file, long from, HttpServerResponse resp, long max) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long end = Math.min(f.length(), from + max);
            long pos = from;
            byte[] buf = new byte[CHUNK];
            f.seek(pos);
            while (pos < end) {
                int n = f.read(buf, 0, (int) Math.min(buf.length, end - pos));
                if (n <= 0) {
                    break;
                }
                resp.write(Buffer.buffer().appendBytes(buf, 0, n));
                pos += n;
            }
            return pos;
        }
    }

    /** Where the last {@code lines} lines of the file begin. */
    static long tailOffset(Path file, long lines) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            if (lines == 0) {
                return len;
            }
            long pos = len;
            long newlines = 0;
            // A final newline ends the last line rather than starting an empty one.
            if (len > 0) {
                f.seek(len - 1);
                if (f.read() == '\n') {
                    pos = len - 1;
                }
            }
            byte[] buf = new byte[8192];
            while (pos > 0) {
                int n = (int) Math.min(buf.length, pos);
                f.seek(pos - n);
                f.readFully(buf, 0, n);
                for (int i = n - 1; i >= 0; i--) {
                    if (buf[i] == '\n' && ++newlines == lines) {
                        return pos - n + i + 1;
                    }
                }
                pos -= n;
            }
            return 0;
        }
    }
}

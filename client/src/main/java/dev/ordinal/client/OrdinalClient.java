package dev.ordinal.client;

import com.google.protobuf.Message;
import dev.ordinal.api.v1.ObjectServiceGrpc;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.Kind;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The entry point to the api-server over gRPC: {@code resources(Pod.class)} gives typed calls for
 * one kind. Every failure is an {@link ApiException}. Thread-safe; share one per process (it owns
 * one HTTP/2 connection when created from a target).
 *
 * <pre>{@code
 * try (OrdinalClient client = OrdinalClient.connect("127.0.0.1:6443")) {
 *     Pod pod = client.resources(Pod.class).get("default", "web-0");
 * }
 * }</pre>
 */
public final class OrdinalClient implements AutoCloseable {
    /** Attempts made by {@link #retryOnConflict} (client-go's DefaultRetry makes 5). */
    public static final int CONFLICT_RETRIES = 5;

    /** Default deadline of every unary call. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(30);

    private final Channel channel;
    private final ManagedChannel ownedChannel;
    private final Duration callTimeout;
    private final ObjectServiceGrpc.ObjectServiceStub watchStub;
    private final Map<Kind, Resources<?>> resources = new ConcurrentHashMap<>();

    private OrdinalClient(Channel channel, ManagedChannel owned, Duration callTimeout) {
        this.channel = channel;
        this.ownedChannel = owned;
        this.callTimeout = callTimeout;
        this.watchStub = ObjectServiceGrpc.newStub(channel);
    }

    /**
     * Connects in plaintext to {@code target} ("127.0.0.1:6443"), with keep-alive pings every 30 s
     * so a watch on a dead connection fails (and resumes) instead of hanging. The api-server must
     * permit pings that often (grpc-java servers default to 5 minutes).
     */
    public static OrdinalClient connect(String target) {
        return builder(target).build();
    }

    /** Uses a channel the caller owns (in-process, TLS, ...); {@link #close()} leaves it open. */
    public static OrdinalClient of(Channel channel) {
        return new OrdinalClient(channel, null, DEFAULT_CALL_TIMEOUT);
    }

    public static Builder builder(String target) {
        return new Builder(target);
    }

    /** Settings of a client that owns its connection. */
    public static final class Builder {
        private final String target;
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private Duration keepAliveTime = Duration.ofSeconds(30);
        private Duration keepAliveTimeout = Duration.ofSeconds(10);
        private int maxInboundMessageSize = 16 * 1024 * 1024;

        private Builder(String target) {
            this.target = Objects.requireNonNull(target);
        }

        /** Deadline of each unary call (default 30 s). */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = timeout;
            return this;
        }

        /** Interval of HTTP/2 keep-alive pings (default 30 s) and how long to wait for the answer (10 s). */
        public Builder keepAlive(Duration time, Duration timeout) {
            this.keepAliveTime = time;
            this.keepAliveTimeout = timeout;
            return this;
        }

        /** Largest response accepted; lists of many objects need more than gRPC's 4 MiB default. */
        public Builder maxInboundMessageSize(int bytes) {
            this.maxInboundMessageSize = bytes;
            return this;
        }

        public OrdinalClient build() {
            ManagedChannel ch = NettyChannelBuilder.forTarget(target)
                    .usePlaintext()
                    .keepAliveTime(keepAliveTime.toNanos(), TimeUnit.NANOSECONDS)
                    .keepAliveTimeout(keepAliveTimeout.toNanos(), TimeUnit.NANOSECONDS)
                    .maxInboundMessageSize(maxInboundMessageSize)
                    .build();
            return new OrdinalClient(ch, ch, callTimeout);
        }
    }

    /** A view of this client sharing its connection with a different unary-call deadline. */
    public OrdinalClient withCallTimeout(Duration timeout) {
        return new OrdinalClient(channel, null, timeout);
    }

    public Duration callTimeout() {
        return callTimeout;
    }

    /** Typed calls for the kind whose message is {@code type} ({@code Pod.class}). */
    public <T extends Message> Resources<T> resources(Class<T> type) {
        return resources(Kind.of(type));
    }

    /** Typed calls for {@code kind}; the caller names the matching message type. */
    @SuppressWarnings("unchecked")
    public <T extends Message> Resources<T> resources(Kind kind) {
        return (Resources<T>) resources.computeIfAbsent(kind, k -> new Resources<>(this, k));
    }

    /** The raw blocking stub with this client's deadline, for calls across kinds. */
    public ObjectServiceGrpc.ObjectServiceBlockingStub blockingStub() {
        return ObjectServiceGrpc.newBlockingStub(channel).withDeadlineAfter(callTimeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    ObjectServiceGrpc.ObjectServiceStub asyncStub() {
        return ObjectServiceGrpc.newStub(channel).withDeadlineAfter(callTimeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    ObjectServiceGrpc.ObjectServiceStub watchStub() {
        return watchStub;
    }

    /**
     * Runs {@code attempt} until it does not fail with a conflict, at most {@link #CONFLICT_RETRIES}
     * times; the last conflict is rethrown. {@code attempt} must re-read what it changes, as client-go's
     * {@code RetryOnConflict} requires.
     */
    public static <R> R retryOnConflict(Supplier<R> attempt) {
        ApiException last = null;
        for (int i = 0; i < CONFLICT_RETRIES; i++) {
            try {
                return attempt.get();
            } catch (ApiException e) {
                if (!isConflict(e)) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }

    /** Whether an error is an optimistic-concurrency conflict (stale resourceVersion). */
    public static boolean isConflict(ApiException e) {
        return e.code() == Status.Code.ABORTED || "Conflict".equals(e.reason());
    }

    /** Closes the connection if this client opened it. */
    @Override
    public void close() {
        if (ownedChannel != null) {
            ownedChannel.shutdown();
            try {
                if (!ownedChannel.awaitTermination(5, TimeUnit.SECONDS)) {
                    ownedChannel.shutdownNow();
                }
            } catch (InterruptedException e) {
                ownedChannel.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }
}

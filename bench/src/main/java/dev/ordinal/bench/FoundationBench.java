package dev.ordinal.bench;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.CreateRequest;
import dev.ordinal.api.v1.Namespace;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.ObjectServiceGrpc;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.WatchEvent;
import dev.ordinal.api.v1.WatchRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load generator for the foundation benchmark: create throughput with many concurrent requests in
 * flight, and watch delivery latency (create acknowledged → event received) with 1 and 100
 * watchers, and a set of idle watches held open for a heap measurement. Prints one
 * {@code key=value} line per figure for bench/foundation.sh to collect.
 */
public final class FoundationBench {

    public static void main(String[] args) throws Exception {
        String target = Bench.arg(args, "--target", "127.0.0.1:6443");
        String mode = Bench.arg(args, "--mode", "create");
        ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
        try {
            switch (mode) {
                case "create" -> create(channel, Integer.parseInt(Bench.arg(args, "--seconds", "15")),
                        Integer.parseInt(Bench.arg(args, "--inflight", "64")));
                case "watch" -> watch(channel, Integer.parseInt(Bench.arg(args, "--watchers", "1")),
                        Integer.parseInt(Bench.arg(args, "--events", "2000")), Integer.parseInt(Bench.arg(args, "--rate", "200")));
                case "idle" -> idle(channel, Integer.parseInt(Bench.arg(args, "--watchers", "1000")),
                        Integer.parseInt(Bench.arg(args, "--hold-seconds", "20")));
                default -> throw new IllegalArgumentException("unknown --mode " + mode);
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Creates pods as fast as the server acknowledges them, keeping {@code inflight} requests open. */
    private static void create(ManagedChannel channel, int seconds, int inflight) throws Exception {
        String ns = "bench-create-" + System.currentTimeMillis();
        ensureNamespace(channel, ns);
        ObjectServiceGrpc.ObjectServiceFutureStub stub = ObjectServiceGrpc.newFutureStub(channel);
        Semaphore window = new Semaphore(inflight);
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicInteger seq = new AtomicInteger();
        // Warm-up: JIT and connection pools, not counted.
        runCreates(stub, ns, "warm", window, seq, ok, failed, System.nanoTime() + TimeUnit.SECONDS.toNanos(3));
        window.acquire(inflight);
        window.release(inflight);
        ok.set(0);
        failed.set(0);
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        runCreates(stub, ns, "p", window, seq, ok, failed, end);
        window.acquire(inflight);
        double elapsed = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "creates=%d failed=%d seconds=%.2f creates_per_second=%.1f inflight=%d%n",
                ok.get(), failed.get(), elapsed, ok.get() / elapsed, inflight);
    }

    private static void runCreates(ObjectServiceGrpc.ObjectServiceFutureStub stub, String ns, String prefix,
            Semaphore window, AtomicInteger seq, AtomicLong ok, AtomicLong failed, long endNanos) throws InterruptedException {
        while (System.nanoTime() < endNanos) {
            window.acquire();
            Futures.addCallback(stub.create(CreateRequest.newBuilder().setObject(pod(ns, prefix + "-" + seq.incrementAndGet())).build()),
                    new FutureCallback<>() {
                        @Override
                        public void onSuccess(Object result) {
                            ok.incrementAndGet();
                            window.release();
                        }

                        @Override
                        public void onFailure(Throwable t) {
                            if (failed.incrementAndGet() <= 3) {
                                System.err.println("create failed: " + t);
                            }
                            window.release();
                        }
                    }, MoreExecutors.directExecutor());
        }
    }

    /**
     * Opens {@code watchers} watches on one namespace, then creates {@code events} pods at
     * {@code rate} per second; each delivery's latency is measured from the moment the create was
     * sent (so it includes the commit) to the moment the watcher received the event.
     */
    private static void watch(ManagedChannel channel, int watchers, int events, int rate) throws Exception {
        String ns = "bench-watch-" + System.currentTimeMillis();
        ensureNamespace(channel, ns);
        ConcurrentHashMap<String, Long> sentAt = new ConcurrentHashMap<>();
        long[] latencies = new long[watchers * events];
        AtomicInteger recorded = new AtomicInteger();
        CountDownLatch allDelivered = new CountDownLatch(watchers * events);
        CountDownLatch ready = new CountDownLatch(watchers);
        ObjectServiceGrpc.ObjectServiceStub async = ObjectServiceGrpc.newStub(channel);
        for (int i = 0; i < watchers; i++) {
            async.watch(WatchRequest.newBuilder().setKind("Pod").setNamespace(ns).build(), new StreamObserver<>() {
                @Override
                public void onNext(WatchEvent e) {
                    if (e.getType() == WatchEvent.Type.BOOKMARK && e.getInitialEventsEnd()) {
                        ready.countDown();
                    } else if (e.getType() == WatchEvent.Type.ADDED) {
                        long now = System.nanoTime();
                        Long sent = sentAt.get(e.getObject().getPod().getMetadata().getName());
                        if (sent != null) {
                            latencies[recorded.getAndIncrement()] = now - sent;
                            allDelivered.countDown();
                        }
                    }
                }

                @Override
                public void onError(Throwable t) {
                    System.err.println("watch failed: " + t);
                }

                @Override
                public void onCompleted() {
                }
            });
        }
        if (!ready.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("watches did not deliver their initial state within 60 s");
        }
        ObjectServiceGrpc.ObjectServiceFutureStub stub = ObjectServiceGrpc.newFutureStub(channel);
        // Warm-up at the same rate (JIT, connection and buffer pools); these pods are not timed.
        paced(stub, ns, "warm-", Math.min(events, 3 * rate), rate, name -> { });
        paced(stub, ns, "w-", events, rate, name -> sentAt.put(name, System.nanoTime()));
        boolean complete = allDelivered.await(120, TimeUnit.SECONDS);
        int n = recorded.get();
        long[] got = Arrays.copyOf(latencies, n);
        Arrays.sort(got);
        System.out.printf(Locale.ROOT, "watchers=%d events=%d rate=%d delivered=%d complete=%s p50_ms=%.2f p99_ms=%.2f max_ms=%.2f%n",
                watchers, events, rate, n, complete, Bench.percentileMillis(got, 50), Bench.percentileMillis(got, 99), n == 0 ? 0 : got[n - 1] / 1e6);
    }

    private static void paced(ObjectServiceGrpc.ObjectServiceFutureStub stub, String ns, String prefix, int count, int rate,
            java.util.function.Consumer<String> beforeSend) {
        long intervalNanos = 1_000_000_000L / rate;
        long next = System.nanoTime();
        for (int i = 0; i < count; i++) {
            while (System.nanoTime() < next) {
                Thread.onSpinWait();
            }
            String name = prefix + i;
            beforeSend.accept(name);
            stub.create(CreateRequest.newBuilder().setObject(pod(ns, name)).build());
            next += intervalNanos;
        }
    }

    /** Holds {@code watchers} idle watches open so the caller can measure the api-server's heap. */
    private static void idle(ManagedChannel channel, int watchers, int holdSeconds) throws Exception {
        String ns = "bench-idle-" + System.currentTimeMillis();
        ensureNamespace(channel, ns);
        CountDownLatch ready = new CountDownLatch(watchers);
        ObjectServiceGrpc.ObjectServiceStub async = ObjectServiceGrpc.newStub(channel);
        List<io.grpc.Context.CancellableContext> contexts = new ArrayList<>();
        for (int i = 0; i < watchers; i++) {
            io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation();
            contexts.add(ctx);
            ctx.run(() -> async.watch(WatchRequest.newBuilder().setKind("Pod").setNamespace(ns).build(), new StreamObserver<>() {
                @Override
                public void onNext(WatchEvent e) {
                    if (e.getType() == WatchEvent.Type.BOOKMARK && e.getInitialEventsEnd()) {
                        ready.countDown();
                    }
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            }));
        }
        boolean all = ready.await(120, TimeUnit.SECONDS);
        System.out.printf(Locale.ROOT, "idle_watches_open=%d all_ready=%s%n", watchers - ready.getCount(), all);
        System.out.flush();
        Thread.sleep(TimeUnit.SECONDS.toMillis(holdSeconds)); // holding the watches open is the point here
        contexts.forEach(c -> c.cancel(null));
    }

    private static void ensureNamespace(ManagedChannel channel, String ns) {
        ObjectServiceGrpc.newBlockingStub(channel).create(CreateRequest.newBuilder().setObject(Object.newBuilder()
                .setNamespace(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(ns)))).build());
    }

    private static Object pod(String ns, String name) {
        return Object.newBuilder().setPod(Pod.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace(ns).setName(name).putLabels("app", "bench"))
                .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("main").setImage("bench")
                        .addCommand("sleep").addArgs("3600")))).build();
    }
}

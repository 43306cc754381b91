package dev.ordinal.client.leaderelection;

import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Elects one leader among candidates sharing a {@link LeaseLock}, as client-go's LeaderElector.
 * Every {@code retryPeriod} a candidate reads the lease and takes it if it is free, released, or not
 * renewed for {@code leaseDuration} as measured on the candidate's own clock since the record last
 * changed (no trust in other machines' clocks). The leader renews every {@code retryPeriod}; if it
 * cannot renew within {@code renewDeadline}, or sees another holder, it stops leading — before the
 * lease can expire for the others, since {@code renewDeadline < leaseDuration}. On {@link #stop()}
 * the leader releases the lease (empty holder) so another candidate takes over at its next try.
 *
 * <p>Threading: all work and all callbacks run on one elector thread (or the given executor), one
 * at a time. Callbacks must return promptly: start and stop your workers on your own threads. After
 * losing the lease the elector becomes a candidate again; {@code onStartedLeading} may follow later.
 */
public final class LeaderElector implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LeaderElector.class);

    /** Timing, as client-go's (defaults 15 s, 10 s, 2 s, release on stop). */
    public record Config(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod, boolean releaseOnStop) {
        public Config {
            if (renewDeadline.compareTo(leaseDuration) >= 0) {
                throw new IllegalArgumentException("leaseDuration must be greater than renewDeadline");
            }
            if (retryPeriod.compareTo(renewDeadline) >= 0 || retryPeriod.isZero() || retryPeriod.isNegative()) {
                throw new IllegalArgumentException("renewDeadline must be greater than retryPeriod > 0");
            }
            if (leaseDuration.toSeconds() < 1 || leaseDuration.toNanos() % 1_000_000_000L != 0) {
                throw new IllegalArgumentException("leaseDuration must be a whole number of seconds (the Lease stores seconds)");
            }
        }

        public static Config defaults() {
            return new Config(Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2), true);
        }
    }

    /** What the application is told; every method runs on the elector thread. */
    public interface Callbacks {
        /** This candidate now leads: start the work. */
        default void onStartedLeading() {
        }

        /** This candidate no longer leads (lost, or released on stop): stop the work at once. */
        default void onStoppedLeading() {
        }

        /** The observed holder changed (to this candidate or another). */
        default void onNewLeader(String identity) {
        }
    }

    private final LeaseLock lock;
    private final Config config;
    private final Callbacks callbacks;
    private final Clock clock;
    private final Executor executor;
    private final ExecutorService ownedExecutor;

    // all below touched only on the executor
    private LeaderElectionRecord observedRecord;
    private long observedAtNanos;
    private long lastRenewNanos;
    private String reportedLeader = "";
    private volatile boolean leading;
    private volatile String observedLeader = "";
    private volatile boolean stopped;
    private Clock.Timer nextTick;

    /** Runs on {@code clock}, doing its work on {@code executor} ({@code Runnable::run} in tests). */
    public LeaderElector(LeaseLock lock, Config config, Callbacks callbacks, Clock clock, Executor executor) {
        this.lock = lock;
        this.config = config;
        this.callbacks = callbacks;
        this.clock = clock;
        this.executor = executor;
        this.ownedExecutor = null;
    }

    /** On the system clock with its own elector thread. */
    public LeaderElector(LeaseLock lock, Config config, Callbacks callbacks) {
        this.lock = lock;
        this.config = config;
        this.callbacks = callbacks;
        this.clock = Clock.system();
        this.ownedExecutor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "leader-elector-" + lock.describe());
            t.setDaemon(true);
            return t;
        });
        this.executor = ownedExecutor;
    }

    /** Convenience: a Lease lock on {@code client}. */
    public static LeaseLock leaseLock(OrdinalClient client, String namespace, String name, String identity) {
        return new LeaseLock(client, namespace, name, identity);
    }

    /** Starts trying to acquire the lease; the first try is immediate. */
    public void start() {
        executor.execute(this::tick);
    }

    /** Whether this candidate currently leads. */
    public boolean isLeader() {
        return leading;
    }

    /** The holder last observed ("" when none). */
    public String leader() {
        return observedLeader;
    }

    public String identity() {
        return lock.identity();
    }

    /**
     * Stops trying; a leader releases the lease (if so configured) and is told {@code onStoppedLeading}.
     * Waits for that to finish, so call it from your own thread, not from a callback.
     */
    public void stop() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        executor.execute(() -> {
            try {
                stopped = true;
                if (nextTick != null) {
                    nextTick.cancel();
                }
                if (leading) {
                    if (config.releaseOnStop()) {
                        release();
                    }
                    leading = false;
                    callbacks.onStoppedLeading();
                }
            } finally {
                done.complete(null);
            }
        });
        try {
            done.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warnf("leader election on %s did not stop cleanly: %s", lock.describe(), e.toString());
        }
        if (ownedExecutor != null) {
            ownedExecutor.shutdown();
        }
    }

    @Override
    public void close() {
        stop();
    }

    private void tick() {
        if (stopped) {
            return;
        }
        boolean held;
        try {
            held = tryAcquireOrRenew();
        } catch (ApiException e) {
            LOG.debugf("leader election on %s: %s", lock.describe(), e.getMessage());
            held = false;
        } catch (RuntimeException e) {
            LOG.warnf(e, "leader election on %s failed", lock.describe());
            held = false;
        }
        long now = clock.nanoTime();
        if (held) {
            lastRenewNanos = now;
            if (!leading) {
                leading = true;
                LOG.infof("%s acquired lease %s", lock.identity(), lock.describe());
                callbacks.onStartedLeading();
            }
        } else if (leading) {
            boolean otherHolder = !observedLeader.isEmpty() && !observedLeader.equals(lock.identity());
            if (otherHolder || now - lastRenewNanos >= config.renewDeadline().toNanos()) {
                leading = false;
                LOG.warnf("%s lost lease %s (%s)", lock.identity(), lock.describe(),
                        otherHolder ? "held by " + observedLeader : "not renewed within " + config.renewDeadline());
                callbacks.onStoppedLeading();
            }
        }
        if (!stopped) {
            nextTick = clock.schedule(config.retryPeriod(), () -> executor.execute(this::tick));
        }
    }

    private boolean tryAcquireOrRenew() {
        long now = clock.nanoTime();
        int seconds = (int) config.leaseDuration().toSeconds();
        Optional<LeaderElectionRecord> current = lock.get();
        if (current.isEmpty()) {
            LeaderElectionRecord mine = new LeaderElectionRecord(lock.identity(), seconds, clock.now(), clock.now(), 0);
            lock.create(mine);
            observe(mine, now);
            return true;
        }
        LeaderElectionRecord old = current.get();
        if (!old.equals(observedRecord)) {
            observe(old, now);
        }
        boolean mine = old.holderIdentity().equals(lock.identity());
        boolean heldByOther = !old.holderIdentity().isEmpty() && !mine
                && now - observedAtNanos < config.leaseDuration().toNanos();
        if (heldByOther) {
            return false;
        }
        LeaderElectionRecord next = mine
                ? new LeaderElectionRecord(lock.identity(), seconds, old.acquireTime(), clock.now(), old.leaderTransitions())
                : new LeaderElectionRecord(lock.identity(), seconds, clock.now(), clock.now(), old.leaderTransitions() + 1);
        lock.update(next);
        observe(next, now);
        return true;
    }

    private void observe(LeaderElectionRecord record, long atNanos) {
        observedRecord = record;
        observedAtNanos = atNanos;
        observedLeader = record.holderIdentity();
        if (!record.holderIdentity().isEmpty() && !record.holderIdentity().equals(reportedLeader)) {
            reportedLeader = record.holderIdentity();
            callbacks.onNewLeader(reportedLeader);
        }
    }

    /** Gives the lease up so the next candidate need not wait for it to expire (client-go's release). */
    private void release() {
        try {
            Optional<LeaderElectionRecord> current = lock.get();
            if (current.isEmpty() || !current.get().holderIdentity().equals(lock.identity())) {
                return;
            }
            LeaderElectionRecord released = new LeaderElectionRecord("", 1, clock.now(), clock.now(),
                    current.get().leaderTransitions());
            lock.update(released);
            observe(released, clock.nanoTime());
            LOG.infof("%s released lease %s", lock.identity(), lock.describe());
        } catch (ApiException e) {
            LOG.warnf("%s could not release lease %s: %s", lock.identity(), lock.describe(), e.getMessage());
        }
    }
}

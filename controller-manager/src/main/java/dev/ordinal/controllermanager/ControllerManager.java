package dev.ordinal.controllermanager;

import dev.ordinal.api.v1.Lease;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.events.ApiEventRecorder;
import dev.ordinal.client.events.EventRecorder;
import dev.ordinal.client.informer.SharedInformerFactory;
import dev.ordinal.client.leaderelection.LeaderElector;
import dev.ordinal.client.leaderelection.LeaseLock;
import dev.ordinal.client.time.Clock;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Runs the enabled {@link Controller}s while this process holds the controller-manager Lease.
 * Each leadership term gets a fresh client-side world (informer factory, event recorders): on
 * becoming leader every controller registers, the caches sync, the controllers run; on losing the
 * lease they all stop and this process campaigns again (kube-controller-manager exits instead;
 * staying up keeps the standby warm and costs nothing, since a new term relists anyway). SIGTERM
 * stops the controllers first and then releases the Lease, so a standby takes over at its next try.
 */
@ApplicationScoped
public class ControllerManager {
    private static final Logger LOG = Logger.getLogger(ControllerManager.class);

    /** Where this process stands, for readiness and logs. */
    public enum State { STARTING, STANDING_BY, SYNCING, LEADING, STOPPED }

    /** One leadership term: what was started for it, so all of it stops together. */
    private static final class Term {
        final SharedInformerFactory informers;
        final Map<String, ApiEventRecorder> recorders = new ConcurrentHashMap<>();
        final List<Controller> registered = new ArrayList<>();
        volatile boolean cancelled;
        /** Touched only on the lifecycle thread. */
        boolean stopped;

        Term(SharedInformerFactory informers) {
            this.informers = informers;
        }
    }

    @Inject
    ControllerManagerConfig config;

    @Inject
    Instance<Controller> controllerBeans;

    @Inject
    MeterRegistry registry;

    private final ExecutorService lifecycle = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "controller-manager-lifecycle");
        t.setDaemon(true);
        return t;
    });
    private OrdinalClient client;
    private LeaderElector elector;
    private List<Controller> enabled = List.of();
    private String identity;
    private volatile State state = State.STARTING;
    private volatile Term term;

    void onStart(@Observes StartupEvent event) {
        List<Controller> all = new ArrayList<>();
        controllerBeans.forEach(all::add);
        all.sort(Comparator.comparing(Controller::name));
        List<String> names = all.stream().map(Controller::name).toList();
        List<String> chosen = EnabledControllers.select(config.controllers(), names);
        enabled = all.stream().filter(c -> chosen.contains(c.name())).toList();
        identity = config.leaderElection().identity().orElseGet(ControllerManager::defaultIdentity);
        Gauge.builder("ordinal_controller_manager_leading", this, m -> m.state == State.LEADING ? 1 : 0)
                .description("1 while this process leads and its controllers run, else 0").register(registry);
        client = OrdinalClient.connect(config.apiServer());
        LOG.infof("controller-manager %s: api-server %s, controllers enabled: %s%s", identity, config.apiServer(),
                chosen.isEmpty() ? "none" : String.join(", ", chosen),
                chosen.size() < names.size() ? " (known: " + String.join(", ", names) + ")" : "");
        ControllerManagerConfig.LeaderElection le = config.leaderElection();
        if (!le.enabled()) {
            LOG.info("leader election disabled: acting at once");
            startTerm();
            return;
        }
        LeaseLock lock = LeaderElector.leaseLock(client, le.namespace(), le.leaseName(), identity);
        elector = new LeaderElector(lock, new LeaderElector.Config(le.leaseDuration(), le.renewDeadline(), le.retryPeriod(), true),
                new LeaderElector.Callbacks() {
                    @Override
                    public void onStartedLeading() {
                        LOG.infof("became leader (lease %s/%s, identity %s)", le.namespace(), le.leaseName(), identity);
                        startTerm();
                    }

                    @Override
                    public void onStoppedLeading() {
                        Term t = term;
                        if (t != null) {
                            t.cancelled = true;
                            LOG.infof("lost leadership of %s/%s: stopping controllers", le.namespace(), le.leaseName());
                            try {
                                lifecycle.execute(() -> stopTerm(t));
                            } catch (java.util.concurrent.RejectedExecutionException e) {
                                // shutting down: onStop has stopped the term already
                            }
                        }
                    }

                    @Override
                    public void onNewLeader(String holder) {
                        if (!holder.equals(identity)) {
                            LOG.infof("standing by: %s is the leader", holder);
                        }
                    }
                });
        state = State.STANDING_BY;
        LOG.infof("standing by: campaigning for lease %s/%s as %s", le.namespace(), le.leaseName(), identity);
        elector.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        Term t = term;
        if (t != null) {
            t.cancelled = true;
            lifecycle.execute(() -> stopTerm(t));
        }
        lifecycle.shutdown();
        try {
            lifecycle.awaitTermination(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (elector != null) {
            elector.stop(); // releases the lease: the standby takes over at its next try
        }
        state = State.STOPPED;
        if (client != null) {
            client.close();
        }
    }

    /** Called on the elector thread; the work happens on the lifecycle thread. */
    private void startTerm() {
        Term t = new Term(new SharedInformerFactory(client));
        term = t;
        try {
            lifecycle.execute(() -> runTerm(t));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            t.cancelled = true; // shutting down
        }
    }

    private void runTerm(Term t) {
        if (t.cancelled) {
            return;
        }
        state = State.SYNCING;
        Clock clock = Clock.system();
        ControllerContext context = new ControllerContext(client, t.informers,
                component -> t.recorders.computeIfAbsent(component, c -> new ApiEventRecorder(client, c, identity, clock)),
                clock);
        try {
            for (Controller c : enabled) {
                c.register(context);
                t.registered.add(c);
            }
            t.informers.start();
            long started = System.nanoTime();
            while (!t.informers.waitForCacheSync(Duration.ofMillis(500))) {
                if (t.cancelled) {
                    return;
                }
                long waited = System.nanoTime() - started;
                if (waited >= config.cacheSyncWarning().toNanos()) {
                    LOG.warnf("informer caches still not synced after %d s; controllers wait", TimeUnit.NANOSECONDS.toSeconds(waited));
                    started = System.nanoTime();
                }
            }
            if (t.cancelled) {
                return;
            }
            for (Controller c : t.registered) {
                c.run();
            }
            state = State.LEADING;
            LOG.infof("controllers started: %s", String.join(", ", t.registered.stream().map(Controller::name).toList()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // Holding the lease while acting on nothing would stall the cluster: exit, as
            // kube-controller-manager does when a controller cannot start, and let a standby lead.
            LOG.errorf(e, "could not start the controllers; exiting");
            t.cancelled = true;
            stopTerm(t);
            io.quarkus.runtime.Quarkus.asyncExit(1);
        }
    }

    /** Runs on the lifecycle thread, after the term's start (which it may have cut short). */
    private void stopTerm(Term t) {
        if (t.stopped) {
            return;
        }
        t.stopped = true;
        if (term == t) {
            term = null;
        }
        for (Controller c : t.registered) {
            try {
                c.stop();
            } catch (RuntimeException e) {
                LOG.warnf(e, "controller %s did not stop cleanly", c.name());
            }
        }
        t.informers.shutdown();
        t.recorders.values().forEach(ApiEventRecorder::close);
        if (state != State.STOPPED) {
            state = elector == null ? State.STOPPED : State.STANDING_BY;
        }
        LOG.infof("controllers stopped: %s", t.registered.isEmpty() ? "none"
                : String.join(", ", t.registered.stream().map(Controller::name).toList()));
    }

    public State state() {
        return state;
    }

    public String identity() {
        return identity;
    }

    /** The Lease holder last seen ("" without leader election or before the first look). */
    public String leader() {
        return elector == null ? identity : elector.leader();
    }

    /** Whether the api-server answers (a read of the Lease, which exists or not). */
    public boolean apiServerReachable() {
        if (client == null) {
            return false;
        }
        try {
            ControllerManagerConfig.LeaderElection le = config.leaderElection();
            client.withCallTimeout(Duration.ofSeconds(2)).resources(Lease.class).get(le.namespace(), le.leaseName());
            return true;
        } catch (dev.ordinal.client.api.ApiException e) {
            return e.code() == io.grpc.Status.Code.NOT_FOUND;
        }
    }

    private static String defaultIdentity() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = System.getenv().getOrDefault("HOSTNAME", "localhost");
        }
        return host + "_" + ProcessHandle.current().pid();
    }
}

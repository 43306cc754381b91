package dev.ordinal.scheduler;

import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.events.ApiEventRecorder;
import dev.ordinal.client.informer.SharedInformerFactory;
import dev.ordinal.client.leaderelection.LeaderElector;
import dev.ordinal.client.time.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The scheduler process: connects to the api-server, starts the informers at once (a standby
 * keeps warm caches), and schedules while it holds the Lease {@code kube-system/ordinal-scheduler}.
 */
@ApplicationScoped
public class SchedulerService {
    private static final Logger LOG = Logger.getLogger(SchedulerService.class);

    private final SchedulerConfig config;
    private final MeterRegistry registry;
    private final Map<String, Counter> attempts = new ConcurrentHashMap<>();
    private OrdinalClient client;
    private SharedInformerFactory informers;
    private ApiEventRecorder events;
    private Scheduler scheduler;
    private LeaderElector elector;
    private volatile boolean leading;

    SchedulerService(SchedulerConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    void onStart(@Observes StartupEvent ev) {
        client = OrdinalClient.builder(config.apiServer()).maxInboundMessageSize(256 * 1024 * 1024).build();
        informers = new SharedInformerFactory(client);
        String identity = config.leaderElection().identity().orElseGet(SchedulerService::defaultIdentity);
        events = new ApiEventRecorder(client, "default-scheduler", identity, Clock.system());
        Timer latency = Timer.builder("ordinal_scheduler_scheduling_attempt_duration")
                .description("Scheduling attempt latency: decision plus binding (kube-scheduler's scheduling_attempt_duration)")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        Timer algorithm = Timer.builder("ordinal_scheduler_scheduling_algorithm_duration")
                .description("Decision latency: filters and scores on the snapshot, without binding")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofSeconds(1))
                .register(registry);
        Scheduler.Listener listener = new Scheduler.Listener() {
            @Override
            public void attempted(String result, Duration took) {
                attempts.computeIfAbsent(result, r -> Counter.builder("ordinal_scheduler_schedule_attempts")
                        .description("Scheduling attempts by result: scheduled, unschedulable, error")
                        .tag("result", r).register(registry)).increment();
                latency.record(took);
            }

            @Override
            public void decided(Duration took) {
                algorithm.record(took);
            }
        };
        Scheduler.Settings settings = new Scheduler.Settings(config.schedulerName(), config.percentageOfNodesToScore(),
                config.bindParallelism(), config.backoff().initial(), config.backoff().max(), config.backoff().maxUnschedulable());
        scheduler = new Scheduler(client, informers, events, Clock.system(), settings, listener);
        for (var place : dev.ordinal.scheduler.queue.SchedulingQueue.Place.values()) {
            Gauge.builder("ordinal_scheduler_pending_pods", scheduler.queue(), q -> q.sizes().get(place))
                    .description("Pods waiting to be scheduled, by sub-queue").tag("queue", place.name().toLowerCase())
                    .register(registry);
        }
        informers.start();
        LOG.infof("scheduler %s watching %s", identity, config.apiServer());
        if (!config.leaderElection().enabled()) {
            leading = true;
            scheduler.startScheduling();
            return;
        }
        var le = config.leaderElection();
        elector = new LeaderElector(LeaderElector.leaseLock(client, le.namespace(), le.name(), identity),
                new LeaderElector.Config(le.leaseDuration(), le.renewDeadline(), le.retryPeriod(), true),
                new LeaderElector.Callbacks() {
                    @Override
                    public void onStartedLeading() {
                        leading = true;
                        scheduler.startScheduling();
                    }

                    @Override
                    public void onStoppedLeading() {
                        leading = false;
                        scheduler.stopScheduling();
                    }

                    @Override
                    public void onNewLeader(String holder) {
                        if (!holder.equals(identity)) {
                            LOG.infof("standing by: %s leads", holder);
                        }
                    }
                });
        elector.start();
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (elector != null) {
            elector.stop();
        }
        if (scheduler != null) {
            scheduler.close();
        }
        if (informers != null) {
            informers.shutdown();
        }
        if (events != null) {
            events.close();
        }
        if (client != null) {
            client.close();
        }
    }

    /** Ready when leading with synced caches, or standing by (a standby is healthy and waiting). */
    public boolean ready() {
        return scheduler != null && (!leading || scheduler.hasSynced());
    }

    public boolean leading() {
        return leading;
    }

    public boolean synced() {
        return scheduler != null && scheduler.hasSynced();
    }

    static String defaultIdentity() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "localhost";
        }
        return host + "_" + ManagementFactory.getRuntimeMXBean().getPid();
    }
}

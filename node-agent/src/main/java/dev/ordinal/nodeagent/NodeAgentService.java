package dev.ordinal.nodeagent;

import dev.ordinal.client.time.Clock;
import dev.ordinal.nodeagent.runtime.ProcessRuntime;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Runs the {@link NodeAgent} inside the Quarkus service and serves its container logs. */
@ApplicationScoped
public class NodeAgentService {
    private final NodeAgentConfig config;
    private final int httpPort;
    private volatile NodeAgent agent;

    private final io.micrometer.core.instrument.MeterRegistry metrics;

    NodeAgentService(NodeAgentConfig config, @ConfigProperty(name = "quarkus.http.port", defaultValue = "10250") int httpPort,
            io.micrometer.core.instrument.MeterRegistry metrics) {
        this.config = config;
        this.httpPort = httpPort;
        this.metrics = metrics;
    }

    void start(@Observes StartupEvent event) {
        if (!config.enabled()) {
            return;
        }
        agent = new NodeAgent(settings(config, httpPort), Clock.system(), metrics).start();
    }

    void routes(@Observes Router router) {
        router.get(ContainerLogs.ROUTE).handler(ctx -> {
            NodeAgent a = agent;
            if (a == null) {
                ctx.response().setStatusCode(503).end("the node agent is not running\n");
            } else {
                a.logs().handle(ctx);
            }
        });
    }

    void stop(@Observes ShutdownEvent event) {
        if (agent != null) {
            agent.close();
        }
    }

    static AgentSettings settings(NodeAgentConfig c, int httpPort) {
        String name = c.nodeName().orElseGet(NodeAgentService::hostname);
        List<String> names = c.runtime().equals(AgentSettings.SIMULATED) && c.simulatedNodes() > 1
                ? NodeAgent.simulatedNames(name, c.simulatedNodes()) : List.of(name);
        Path stateDir = Path.of(c.stateDir().orElse(".cluster/nodes/" + name));
        boolean namespaces = switch (c.namespaces()) {
            case "true" -> true;
            case "false" -> false;
            case "auto" -> ProcessRuntime.namespacesAvailable();
            default -> throw new IllegalArgumentException("ordinal.node-agent.namespaces: must be auto, true or false, not \""
                    + c.namespaces() + "\"");
        };
        return new AgentSettings(c.apiServer(), names, c.runtime(), c.simulatedStartDelay(), c.simulatedReadyDelay(), c.zone(),
                stateDir, c.address(), c.fenceAfter(), c.leaseRenewInterval(), c.leaseDurationSeconds(),
                c.nodeStatusReportInterval(), c.cpu().orElse(String.valueOf(Runtime.getRuntime().availableProcessors())),
                c.memory().orElseGet(NodeAgentService::physicalMemory), c.maxPods(), c.crashLoopBackoffInitial(),
                c.crashLoopBackoffMax(), c.workers(), namespaces, c.python(),
                c.processEventsFile().map(Path::of).orElse(stateDir.resolve("process-events.log")), httpPort,
                c.localVolumeRoot().map(Path::of).orElse(stateDir.resolve("local-volumes")));
    }

    static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName().toLowerCase();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    static String physicalMemory() {
        try {
            var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            return (os.getTotalMemorySize() / (1024 * 1024)) + "Mi";
        } catch (RuntimeException | LinkageError e) {
            return "8Gi";
        }
    }

}

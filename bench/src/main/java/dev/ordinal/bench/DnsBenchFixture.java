package dev.ordinal.bench;

import dev.ordinal.api.v1.EndpointAddress;
import dev.ordinal.api.v1.EndpointPort;
import dev.ordinal.api.v1.EndpointSubset;
import dev.ordinal.api.v1.Endpoints;
import dev.ordinal.api.v1.IntOrString;
import dev.ordinal.api.v1.Namespace;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.Service;
import dev.ordinal.api.v1.ServicePort;
import dev.ordinal.api.v1.ServiceSpec;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.ApiException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The DNS benchmark's fixture (spec dns.md §7), once as API objects and once as an RFC 1035 zone
 * file with the same records and TTLs, plus dnsperf's query file with the spec's mix: 40 % pod A,
 * 15 % headless A, 10 % SRV, 10 % AAAA (NODATA), 25 % search-path misses (NXDOMAIN).
 *
 * <pre>java -cp bench/target/classes:bench/target/lib/* dev.ordinal.bench.DnsBenchFixture
 *     --target 127.0.0.1:6443 --zone-file out/cluster.local.zone --queries out/queries.txt</pre>
 * Without {@code --target} only the files are written.
 */
public final class DnsBenchFixture {
    static final int HEADLESS = 200;
    static final int PODS = 5;
    static final int CLUSTER_IP = 200;
    static final int QUERIES = 100_000;
    static final String ZONE = "cluster.local.";
    static final String NS = "default";

    public static void main(String[] args) throws IOException {
        String target = null;
        Path zoneFile = Path.of("cluster.local.zone");
        Path queries = Path.of("queries.txt");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--target" -> target = args[++i];
                case "--zone-file" -> zoneFile = Path.of(args[++i]);
                case "--queries" -> queries = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (expected --target, --zone-file, --queries)");
            }
        }
        Files.writeString(zoneFile, zoneText());
        Files.writeString(queries, queryText());
        if (target != null) {
            try (OrdinalClient client = OrdinalClient.connect(target)) {
                createObjects(client);
            }
        }
        System.err.printf("fixture: %d headless Services x %d pods + %d ClusterIP Services; %s, %s%n",
                HEADLESS, PODS, CLUSTER_IP, zoneFile, queries);
    }

    static String headless(int i) {
        return "hs-" + i;
    }

    static String pod(int i, int j) {
        return headless(i) + "-" + j;
    }

    static String podIp(int i, int j) {
        int n = i * PODS + j;
        return "127.64." + (10 + n / 250) + "." + (1 + n % 250);
    }

    static String clusterIp(int i) {
        return "10.96." + (1 + i / 250) + "." + (1 + i % 250);
    }

    static String fqdn(String relative) {
        return relative + "." + NS + ".svc." + ZONE;
    }

    static String zoneText() {
        StringBuilder z = new StringBuilder();
        z.append("$ORIGIN ").append(ZONE).append('\n');
        z.append("@ 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5\n");
        z.append("@ 5 IN NS ns.dns.cluster.local.\n");
        z.append("ns.dns 5 IN A 127.0.0.1\n");
        z.append("dns-version 28800 IN TXT \"1.1.0\"\n");
        for (int i = 0; i < HEADLESS; i++) {
            String svc = fqdn(headless(i));
            for (int j = 0; j < PODS; j++) {
                String host = pod(i, j) + "." + svc;
                z.append(svc).append(" 5 IN A ").append(podIp(i, j)).append('\n');
                z.append(host).append(" 5 IN A ").append(podIp(i, j)).append('\n');
                z.append("_web._tcp.").append(svc).append(" 5 IN SRV 0 20 8080 ").append(host).append('\n');
                z.append(svc).append(" 5 IN SRV 0 20 8080 ").append(host).append('\n');
            }
        }
        for (int i = 0; i < CLUSTER_IP; i++) {
            String svc = fqdn("cs-" + i);
            z.append(svc).append(" 5 IN A ").append(clusterIp(i)).append('\n');
            z.append("_http._tcp.").append(svc).append(" 5 IN SRV 0 100 80 ").append(svc).append('\n');
            z.append(svc).append(" 5 IN SRV 0 100 80 ").append(svc).append('\n');
        }
        return z.toString();
    }

    static String queryText() {
        Random r = new Random(7);
        StringBuilder q = new StringBuilder();
        for (int n = 0; n < QUERIES; n++) {
            int roll = r.nextInt(100);
            int i = r.nextInt(HEADLESS);
            int j = r.nextInt(PODS);
            if (roll < 40) {
                q.append(pod(i, j)).append('.').append(fqdn(headless(i))).append(" A\n");
            } else if (roll < 55) {
                q.append(fqdn(headless(i))).append(" A\n");
            } else if (roll < 65) {
                q.append("_web._tcp.").append(fqdn(headless(i))).append(" SRV\n");
            } else if (roll < 75) {
                q.append(pod(i, j)).append('.').append(fqdn(headless(i))).append(" AAAA\n");
            } else {
                q.append("example").append(r.nextInt(1000)).append(".com.").append(NS).append(".svc.").append(ZONE).append(" A\n");
            }
        }
        return q.toString();
    }

    static void createObjects(OrdinalClient client) {
        try {
            client.resources(Namespace.class).create(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(NS)).build());
        } catch (ApiException e) {
            // already there
        }
        for (int i = 0; i < HEADLESS; i++) {
            client.resources(Service.class).create(Service.newBuilder().setMetadata(meta(headless(i)))
                    .setSpec(ServiceSpec.newBuilder().setType("ClusterIP").setClusterIp("None").addClusterIps("None")
                            .putSelector("app", headless(i)).addPorts(port("web", 80, 8080)))
                    .build());
            List<EndpointAddress> ready = new ArrayList<>();
            for (int j = 0; j < PODS; j++) {
                ready.add(EndpointAddress.newBuilder().setIp(podIp(i, j)).setHostname(pod(i, j)).build());
            }
            client.resources(Endpoints.class).create(Endpoints.newBuilder().setMetadata(meta(headless(i)))
                    .addSubsets(EndpointSubset.newBuilder().addAllAddresses(ready)
                            .addPorts(EndpointPort.newBuilder().setName("web").setPort(8080).setProtocol("TCP")))
                    .build());
        }
        for (int i = 0; i < CLUSTER_IP; i++) {
            client.resources(Service.class).create(Service.newBuilder().setMetadata(meta("cs-" + i))
                    .setSpec(ServiceSpec.newBuilder().setType("ClusterIP").setClusterIp(clusterIp(i)).addClusterIps(clusterIp(i))
                            .putSelector("app", "cs-" + i).addPorts(port("http", 80, 8080)))
                    .build());
        }
    }

    private static ObjectMeta meta(String name) {
        return ObjectMeta.newBuilder().setNamespace(NS).setName(name).build();
    }

    private static ServicePort port(String name, int port, int target) {
        return ServicePort.newBuilder().setName(name).setProtocol("TCP").setPort(port)
                .setTargetPort(IntOrString.newBuilder().setIntVal(target)).build();
    }
}

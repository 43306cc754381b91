package dev.ordinal.dns;

import dev.ordinal.api.v1.EndpointAddress;
import dev.ordinal.api.v1.EndpointPort;
import dev.ordinal.api.v1.EndpointSubset;
import dev.ordinal.api.v1.Endpoints;
import dev.ordinal.api.v1.IntOrString;
import dev.ordinal.api.v1.Namespace;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.ObjectReference;
import dev.ordinal.api.v1.Service;
import dev.ordinal.api.v1.ServicePort;
import dev.ordinal.api.v1.ServiceSpec;
import dev.ordinal.client.OrdinalClient;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The spec's §8 fixture as API objects, created through the client (against FakeApi or the real
 * api-server alike): Services and their Endpoints as the Endpoints controller would write them.
 */
final class Fixture {
    private final OrdinalClient client;

    Fixture(OrdinalClient client) {
        this.client = client;
    }

    void createAll() {
        createAll(false);
    }

    /**
     * The fixture; {@code apiServerValid} adapts the two objects the real api-server rejects, as
     * Kubernetes would: api's second port gets a name (unnamed ports are only allowed alone) and the
     * IPv6-only Service v6 is left out (Endpoints addresses are IPv4 here).
     */
    void createAll(boolean apiServerValid) {
        namespace("default");
        namespace("db");
        service(headless("default", "nginx", port("web", 80, 8080)));
        endpoints("default", "nginx", List.of(host("web-0", "127.64.0.10"), host("web-1", "127.64.0.11")),
                List.of(host("web-2", "127.64.0.12")), endpointPort("web", 8080));
        service(headless("db", "cass", port("cql", 9042, 9042)).toBuilder()
                .setSpec(headless("db", "cass", port("cql", 9042, 9042)).getSpec().toBuilder().setPublishNotReadyAddresses(true))
                .build());
        endpoints("db", "cass", List.of(host("cass-0", "127.64.1.20")), List.of(host("cass-1", "127.64.1.21")),
                endpointPort("cql", 9042));
        service(headless("default", "workers", port("http", 80, 80)));
        endpoints("default", "workers", List.of(address("127.64.0.30")), List.of(), endpointPort("http", 80));
        service(headless("default", "empty"));
        endpoints("default", "empty", List.of(), List.of());
        service(Service.newBuilder().setMetadata(meta("default", "api"))
                .setSpec(ServiceSpec.newBuilder().setType("ClusterIP").setClusterIp("10.96.0.20").addClusterIps("10.96.0.20")
                        .putSelector("app", "api")
                        .addPorts(port("http", 80, 8080)).addPorts(port(apiServerValid ? "metrics" : "", 9090, 9090)))
                .build());
        endpoints("default", "api", List.of(address("127.64.0.40")), List.of(), endpointPort("http", 8080),
                endpointPort(apiServerValid ? "metrics" : "", 9090));
        service(headless("default", "big"));
        List<EndpointAddress> big = new java.util.ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            big.add(address("127.64.2." + i));
        }
        endpoints("default", "big", big, List.of());
        if (!apiServerValid) {
            Service v6 = headless("default", "v6", port("web", 80, 80));
            service(v6.toBuilder().setSpec(v6.getSpec().toBuilder().clearSelector()).build());
            endpoints("default", "v6", List.of(host("v6-0", "fd00::5")), List.of(), endpointPort("web", 80));
        }
        service(Service.newBuilder().setMetadata(meta("default", "ext"))
                .setSpec(ServiceSpec.newBuilder().setType("ExternalName").setExternalName("example.com"))
                .build());
    }

    /** Creates a Namespace unless it exists (the real api-server starts with {@code default}). */
    void namespace(String name) {
        if (client.resources(Namespace.class).list(dev.ordinal.client.ListOptions.all()).items().stream()
                .noneMatch(n -> n.getMetadata().getName().equals(name))) {
            client.resources(Namespace.class).create(Namespace.newBuilder()
                    .setMetadata(ObjectMeta.newBuilder().setName(name)).build());
        }
    }

    Service service(Service s) {
        return client.resources(Service.class).create(s);
    }

    Endpoints endpoints(String ns, String name, List<EndpointAddress> ready, List<EndpointAddress> notReady, EndpointPort... ports) {
        EndpointSubset.Builder subset = EndpointSubset.newBuilder().addAllAddresses(ready).addAllNotReadyAddresses(notReady);
        for (EndpointPort p : ports) {
            subset.addPorts(p);
        }
        Endpoints.Builder e = Endpoints.newBuilder().setMetadata(meta(ns, name));
        if (!ready.isEmpty() || !notReady.isEmpty()) {
            e.addSubsets(subset);
        }
        return client.resources(Endpoints.class).create(e.build());
    }

    /** Rewrites an Endpoints object, as the Endpoints controller does; returns the committed object. */
    Endpoints modifyEndpoints(String ns, String name, UnaryOperator<Endpoints> change) {
        return client.resources(Endpoints.class).modify(ns, name, change);
    }

    static Service headless(String ns, String name, ServicePort... ports) {
        ServiceSpec.Builder spec = ServiceSpec.newBuilder().setType("ClusterIP").setClusterIp("None").addClusterIps("None")
                .putSelector("app", name);
        for (ServicePort p : ports) {
            spec.addPorts(p);
        }
        return Service.newBuilder().setMetadata(meta(ns, name)).setSpec(spec).build();
    }

    static ObjectMeta meta(String ns, String name) {
        return ObjectMeta.newBuilder().setNamespace(ns).setName(name).build();
    }

    static ServicePort port(String name, int port, int target) {
        return ServicePort.newBuilder().setName(name).setProtocol("TCP").setPort(port)
                .setTargetPort(IntOrString.newBuilder().setIntVal(target)).build();
    }

    static EndpointPort endpointPort(String name, int port) {
        return EndpointPort.newBuilder().setName(name).setPort(port).setProtocol("TCP").build();
    }

    static EndpointAddress host(String hostname, String ip) {
        return EndpointAddress.newBuilder().setIp(ip).setHostname(hostname)
                .setTargetRef(ObjectReference.newBuilder().setKind("Pod").setName(hostname)).build();
    }

    static EndpointAddress address(String ip) {
        return EndpointAddress.newBuilder().setIp(ip).build();
    }
}

package dev.ordinal.controllermanager.endpoints;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.ContainerPort;
import dev.ordinal.api.v1.EndpointAddress;
import dev.ordinal.api.v1.EndpointPort;
import dev.ordinal.api.v1.EndpointSubset;
import dev.ordinal.api.v1.Endpoints;
import dev.ordinal.api.v1.IntOrString;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.ObjectReference;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodCondition;
import dev.ordinal.api.v1.Service;
import dev.ordinal.api.v1.ServicePort;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * Decides, from plain objects, what the Endpoints of one Service should hold — Kubernetes'
 * endpoints controller ({@code pkg/controller/endpoint}) rule for rule — and which write brings the
 * stored Endpoints there. No I/O.
 */
public final class EndpointsPlanner {
    /** Label Kubernetes puts on the Endpoints of a headless Service. */
    public static final String HEADLESS_LABEL = "service.kubernetes.io/headless";
    /** Endpoints carrying this annotation are leader-election records, never touched (Kubernetes' rule). */
    static final String LEADER_ANNOTATION = "control-plane.alpha.kubernetes.io/leader";

    private EndpointsPlanner() {
    }

    /** The write to make; {@link None} when the stored Endpoints are already right. */
    public sealed interface Action permits Create, Update, Delete, None {
    }

    public record Create(Endpoints endpoints) implements Action {
    }

    /** Replaces subsets and labels of the stored object (carrying its resourceVersion). */
    public record Update(Endpoints endpoints) implements Action {
    }

    public record Delete(String namespace, String name, String uid) implements Action {
    }

    public record None(String why) implements Action {
    }

    /**
     * The action for the Service named like {@code current}: a missing Service takes its Endpoints
     * with it; a Service without a selector has hand-written Endpoints, left alone.
     *
     * @param podsInNamespace every cached pod of the Service's namespace (filtered here)
     */
    public static Action plan(Optional<Service> service, Optional<Endpoints> current, List<Pod> podsInNamespace) {
        if (service.isEmpty()) {
            if (current.isEmpty()) {
                return new None("no Service and no Endpoints");
            }
            ObjectMeta m = current.get().getMetadata();
            if (m.getAnnotationsMap().containsKey(LEADER_ANNOTATION)) {
                return new None("a leader-election record");
            }
            return new Delete(m.getNamespace(), m.getName(), m.getUid());
        }
        Service svc = service.get();
        if (svc.getSpec().getSelectorMap().isEmpty()) {
            return new None("the Service has no selector: its Endpoints are managed by hand");
        }
        List<EndpointSubset> subsets = subsets(svc, podsInNamespace);
        Map<String, String> labels = labels(svc);
        if (current.isEmpty()) {
            return new Create(Endpoints.newBuilder()
                    .setMetadata(ObjectMeta.newBuilder().setNamespace(svc.getMetadata().getNamespace())
                            .setName(svc.getMetadata().getName()).putAllLabels(labels))
                    .addAllSubsets(subsets).build());
        }
        Endpoints stored = current.get();
        if (canonical(stored.getSubsetsList()).equals(subsets) && labelsCorrect(stored.getMetadata().getLabelsMap(), svc)) {
            return new None("up to date");
        }
        return new Update(stored.toBuilder()
                .setMetadata(stored.getMetadata().toBuilder().clearLabels().putAllLabels(labels))
                .clearSubsets().addAllSubsets(subsets).build());
    }

    /** Whether a pod is selected by the Service (same namespace, every selector label equal). */
    public static boolean selects(Service svc, Pod pod) {
        Map<String, String> selector = svc.getSpec().getSelectorMap();
        if (selector.isEmpty() || !svc.getMetadata().getNamespace().equals(pod.getMetadata().getNamespace())) {
            return false;
        }
        Map<String, String> labels = pod.getMetadata().getLabelsMap();
        for (Map.Entry<String, String> e : selector.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** The Service's labels, plus the headless label when it has no cluster IP. */
    public static Map<String, String> labels(Service svc) {
        Map<String, String> labels = new TreeMap<>(svc.getMetadata().getLabelsMap());
        labels.remove(HEADLESS_LABEL);
        if (headless(svc)) {
            labels.put(HEADLESS_LABEL, "");
        }
        return labels;
    }

    /** Kubernetes' labelsCorrectForEndpoints: every Service label present, the headless label right. */
    static boolean labelsCorrect(Map<String, String> current, Service svc) {
        for (Map.Entry<String, String> e : svc.getMetadata().getLabelsMap().entrySet()) {
            if (!e.getKey().equals(HEADLESS_LABEL) && !e.getValue().equals(current.get(e.getKey()))) {
                return false;
            }
        }
        return headless(svc) == current.containsKey(HEADLESS_LABEL);
    }

    static boolean headless(Service svc) {
        return "None".equals(svc.getSpec().getClusterIp());
    }

    /**
     * The subsets for {@code svc}: one address per selected pod that has an IP and is not terminal
     * (Succeeded/Failed), ready ones under {@code addresses} and the others under
     * {@code notReadyAddresses}; terminating pods are left out unless the Service publishes
     * not-ready addresses (which then lists every address as ready). Addresses sharing the same
     * ports are packed into one subset, in a stable order.
     */
    public static List<EndpointSubset> subsets(Service svc, List<Pod> pods) {
        boolean publishNotReady = svc.getSpec().getPublishNotReadyAddresses();
        // port (or NO_PORTS) -> address key -> (address, ready)
        Map<EndpointPort, Map<String, Entry>> byPort = new LinkedHashMap<>();
        for (Pod pod : pods) {
            if (!selects(svc, pod) || !shouldBeInEndpoints(pod, publishNotReady)) {
                continue;
            }
            EndpointAddress address = address(svc, pod);
            boolean ready = publishNotReady || isReady(pod);
            Entry entry = new Entry(address, ready);
            if (svc.getSpec().getPortsCount() == 0) {
                if (headless(svc)) {
                    byPort.computeIfAbsent(NO_PORTS, p -> new TreeMap<>()).put(entry.key(), entry);
                }
                continue;
            }
            for (ServicePort sp : svc.getSpec().getPortsList()) {
                OptionalInt port = findPort(pod, sp);
                if (port.isEmpty()) {
                    continue;
                }
                EndpointPort.Builder ep = EndpointPort.newBuilder().setName(sp.getName()).setPort(port.getAsInt())
                        .setProtocol(sp.getProtocol().isEmpty() ? "TCP" : sp.getProtocol());
                if (!sp.getAppProtocol().isEmpty()) {
                    ep.setAppProtocol(sp.getAppProtocol());
                }
                byPort.computeIfAbsent(ep.build(), p -> new TreeMap<>()).put(entry.key(), entry);
            }
        }
        // Kubernetes' RepackSubsets: ports whose address sets are identical share one subset.
        Map<Map<String, Entry>, List<EndpointPort>> byAddresses = new LinkedHashMap<>();
        byPort.forEach((port, addresses) -> byAddresses.computeIfAbsent(addresses, a -> new ArrayList<>()).add(port));
        List<EndpointSubset> out = new ArrayList<>();
        byAddresses.forEach((addresses, ports) -> {
            EndpointSubset.Builder s = EndpointSubset.newBuilder();
            for (Entry e : addresses.values()) {
                if (e.ready()) {
                    s.addAddresses(e.address());
                } else {
                    s.addNotReadyAddresses(e.address());
                }
            }
            for (EndpointPort p : ports) {
                if (p != NO_PORTS) {
                    s.addPorts(p);
                }
            }
            out.add(s.build());
        });
        return canonical(out);
    }

    private static final EndpointPort NO_PORTS = EndpointPort.newBuilder().setPort(-1).build();

    private record Entry(EndpointAddress address, boolean ready) {
        String key() {
            return address.getIp() + "/" + address.getTargetRef().getUid();
        }
    }

    /** Subsets with addresses and ports sorted, and subsets sorted, so equal content compares equal. */
    static List<EndpointSubset> canonical(List<EndpointSubset> subsets) {
        Comparator<EndpointAddress> byAddress = Comparator.comparing(EndpointAddress::getIp)
                .thenComparing(a -> a.getTargetRef().getUid()).thenComparing(EndpointAddress::getHostname);
        Comparator<EndpointPort> byPort = Comparator.comparing(EndpointPort::getName)
                .thenComparingInt(EndpointPort::getPort).thenComparing(EndpointPort::getProtocol);
        List<EndpointSubset> out = new ArrayList<>();
        for (EndpointSubset s : subsets) {
            List<EndpointAddress> ready = new ArrayList<>(s.getAddressesList());
            List<EndpointAddress> notReady = new ArrayList<>(s.getNotReadyAddressesList());
            List<EndpointPort> ports = new ArrayList<>(s.getPortsList());
            ready.sort(byAddress);
            notReady.sort(byAddress);
            ports.sort(byPort);
            out.add(EndpointSubset.newBuilder().addAllAddresses(ready).addAllNotReadyAddresses(notReady).addAllPorts(ports).build());
        }
        out.sort(Comparator.comparing((EndpointSubset s) -> s.getPortsCount() == 0 ? "" : s.getPorts(0).getName())
                .thenComparingInt(s -> s.getPortsCount() == 0 ? 0 : s.getPorts(0).getPort())
                .thenComparing(s -> firstIp(s)));
        return out;
    }

    private static String firstIp(EndpointSubset s) {
        return s.getAddressesCount() > 0 ? s.getAddresses(0).getIp()
                : s.getNotReadyAddressesCount() > 0 ? s.getNotReadyAddresses(0).getIp() : "";
    }

    /**
     * Kubernetes' ShouldPodBeInEndpoints: not terminal, has an IP, and not terminating unless the
     * Service publishes not-ready addresses.
     */
    public static boolean shouldBeInEndpoints(Pod pod, boolean includeTerminating) {
        String phase = pod.getStatus().getPhase();
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
            return false;
        }
        if (podIp(pod).isEmpty()) {
            return false;
        }
        return includeTerminating || !pod.getMetadata().hasDeletionTimestamp();
    }

    /** The Ready condition is True. */
    public static boolean isReady(Pod pod) {
        for (PodCondition c : pod.getStatus().getConditionsList()) {
            if ("Ready".equals(c.getType())) {
                return "True".equals(c.getStatus());
            }
        }
        return false;
    }

    static String podIp(Pod pod) {
        if (!pod.getStatus().getPodIp().isEmpty()) {
            return pod.getStatus().getPodIp();
        }
        return pod.getStatus().getPodIpsCount() > 0 ? pod.getStatus().getPodIps(0).getIp() : "";
    }

    /**
     * The pod's address: its IP, the node, a reference to it, and its hostname only when its
     * subdomain names this Service (so {@code web-0.nginx} resolves, as Kubernetes' ShouldSetHostname).
     */
    static EndpointAddress address(Service svc, Pod pod) {
        EndpointAddress.Builder a = EndpointAddress.newBuilder().setIp(podIp(pod))
                .setTargetRef(ObjectReference.newBuilder().setKind("Pod")
                        .setNamespace(pod.getMetadata().getNamespace()).setName(pod.getMetadata().getName())
                        .setUid(pod.getMetadata().getUid()));
        if (!pod.getSpec().getNodeName().isEmpty()) {
            a.setNodeName(pod.getSpec().getNodeName());
        }
        if (!pod.getSpec().getHostname().isEmpty() && pod.getSpec().getSubdomain().equals(svc.getMetadata().getName())
                && pod.getMetadata().getNamespace().equals(svc.getMetadata().getNamespace())) {
            a.setHostname(pod.getSpec().getHostname());
        }
        return a.build();
    }

    /**
     * Kubernetes' FindPort: a numeric targetPort is used as is (0 or unset: the Service port); a
     * named one is looked up among the pod's container ports of the same protocol, and a pod
     * without it is left out of that port.
     */
    static OptionalInt findPort(Pod pod, ServicePort sp) {
        IntOrString target = sp.getTargetPort();
        if (target.getValueCase() == IntOrString.ValueCase.STR_VAL && !target.getStrVal().isEmpty()) {
            String protocol = sp.getProtocol().isEmpty() ? "TCP" : sp.getProtocol();
            for (Container c : pod.getSpec().getContainersList()) {
                for (ContainerPort p : c.getPortsList()) {
                    String pp = p.getProtocol().isEmpty() ? "TCP" : p.getProtocol();
                    if (p.getName().equals(target.getStrVal()) && pp.equals(protocol)) {
                        return OptionalInt.of(p.getContainerPort());
                    }
                }
            }
            return OptionalInt.empty();
        }
        if (target.getValueCase() == IntOrString.ValueCase.INT_VAL && target.getIntVal() != 0) {
            return OptionalInt.of(target.getIntVal());
        }
        return OptionalInt.of(sp.getPort());
    }

    /**
     * Whether a pod change can change any Endpoints: labels, IP, readiness, phase, deletion,
     * hostname, subdomain, node or container ports (Kubernetes' podEndpointsChanged).
     */
    public static boolean endpointsRelevantChange(Pod old, Pod current) {
        return !old.getMetadata().getLabelsMap().equals(current.getMetadata().getLabelsMap())
                || !podIp(old).equals(podIp(current))
                || isReady(old) != isReady(current)
                || !old.getStatus().getPhase().equals(current.getStatus().getPhase())
                || old.getMetadata().hasDeletionTimestamp() != current.getMetadata().hasDeletionTimestamp()
                || !old.getSpec().getHostname().equals(current.getSpec().getHostname())
                || !old.getSpec().getSubdomain().equals(current.getSpec().getSubdomain())
                || !old.getSpec().getNodeName().equals(current.getSpec().getNodeName())
                || !Objects.equals(old.getSpec().getContainersList(), current.getSpec().getContainersList())
                || !old.getMetadata().getUid().equals(current.getMetadata().getUid());
    }
}

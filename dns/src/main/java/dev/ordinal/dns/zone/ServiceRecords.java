package dev.ordinal.dns.zone;

import dev.ordinal.api.v1.EndpointAddress;
import dev.ordinal.api.v1.EndpointPort;
import dev.ordinal.api.v1.EndpointSubset;
import dev.ordinal.api.v1.Endpoints;
import dev.ordinal.api.v1.Service;
import dev.ordinal.api.v1.ServicePort;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Everything DNS serves for one Service, computed once per change from the Service and its
 * Endpoints (spec dns.md §1–§2) and then only read. Names are lowercase.
 */
public record ServiceRecords(
        String namespace,
        String name,
        Type type,
        List<InetAddress> clusterIps,
        String externalName,
        List<Port> ports,
        List<Address> addresses,
        Map<String, List<InetAddress>> hosts) {

    public enum Type { CLUSTER_IP, HEADLESS, EXTERNAL_NAME }

    /** A Service port; {@code protocol} is lowercase, {@code name} may be empty. */
    public record Port(String name, String protocol, int port) {
    }

    /** One served address with its endpoint-hostname and the ports of its Endpoints subset. */
    public record Address(String host, InetAddress ip, List<Port> ports) {
    }

    /** Builds the records of a Service, from its Endpoints when there are any. */
    public static ServiceRecords of(Service service, Optional<Endpoints> endpoints) {
        String ns = service.getMetadata().getNamespace().toLowerCase(Locale.ROOT);
        String name = service.getMetadata().getName().toLowerCase(Locale.ROOT);
        var spec = service.getSpec();
        Type type;
        if ("ExternalName".equals(spec.getType())) {
            type = Type.EXTERNAL_NAME;
        } else if ("None".equals(spec.getClusterIp())) {
            type = Type.HEADLESS;
        } else {
            type = Type.CLUSTER_IP;
        }
        List<InetAddress> clusterIps = new ArrayList<>();
        if (type == Type.CLUSTER_IP) {
            List<String> ips = spec.getClusterIpsCount() > 0 ? spec.getClusterIpsList() : List.of(spec.getClusterIp());
            for (String ip : ips) {
                parseIp(ip).filter(a -> !clusterIps.contains(a)).ifPresent(clusterIps::add);
            }
        }
        List<Port> ports = new ArrayList<>();
        for (ServicePort p : spec.getPortsList()) {
            ports.add(new Port(p.getName().toLowerCase(Locale.ROOT), protocol(p.getProtocol()), p.getPort()));
        }
        Map<InetAddress, Address> byIp = new LinkedHashMap<>();
        if (type != Type.EXTERNAL_NAME && endpoints.isPresent()) {
            for (EndpointSubset subset : endpoints.get().getSubsetsList()) {
                List<Port> subsetPorts = new ArrayList<>();
                for (EndpointPort p : subset.getPortsList()) {
                    subsetPorts.add(new Port(p.getName().toLowerCase(Locale.ROOT), protocol(p.getProtocol()), p.getPort()));
                }
                List<EndpointAddress> served = new ArrayList<>(subset.getAddressesList());
                // Not-ready addresses are served only when the Service asks for it (§2).
                if (spec.getPublishNotReadyAddresses()) {
                    served.addAll(subset.getNotReadyAddressesList());
                }
                for (EndpointAddress a : served) {
                    Optional<InetAddress> ip = parseIp(a.getIp());
                    if (ip.isEmpty()) {
                        continue;
                    }
                    Address known = byIp.get(ip.get());
                    if (known == null) {
                        String host = a.getHostname().isEmpty() ? dashed(ip.get()) : a.getHostname().toLowerCase(Locale.ROOT);
                        byIp.put(ip.get(), new Address(host, ip.get(), List.copyOf(subsetPorts)));
                    } else {
                        List<Port> merged = new ArrayList<>(known.ports());
                        subsetPorts.stream().filter(p -> !merged.contains(p)).forEach(merged::add);
                        byIp.put(ip.get(), new Address(known.host(), known.ip(), List.copyOf(merged)));
                    }
                }
            }
        }
        Map<String, List<InetAddress>> hosts = new LinkedHashMap<>();
        for (Address a : byIp.values()) {
            hosts.computeIfAbsent(a.host(), h -> new ArrayList<>()).add(a.ip());
        }
        hosts.replaceAll((h, ips) -> List.copyOf(ips));
        String external = type == Type.EXTERNAL_NAME ? absolute(spec.getExternalName().toLowerCase(Locale.ROOT)) : "";
        return new ServiceRecords(ns, name, type, List.copyOf(clusterIps), external, List.copyOf(ports),
                List.copyOf(byIp.values()), Map.copyOf(hosts));
    }

    /** Whether {@code <svc>.<ns>.svc} exists: a headless Service needs a served address (schema §2.4.1). */
    public boolean exists() {
        return type != Type.HEADLESS || !addresses.isEmpty();
    }

    /** The endpoint-hostname of an address without a hostname: {@code 127-64-0-30}, {@code fd00--5}. */
    public static String dashed(InetAddress ip) {
        if (ip instanceof Inet6Address) {
            String s = compressedV6(ip).replace(':', '-');
            return s.endsWith("-") ? s + "0" : s;
        }
        return ip.getHostAddress().replace('.', '-');
    }

    private static String compressedV6(InetAddress ip) {
        byte[] b = ip.getAddress();
        int[] words = new int[8];
        for (int i = 0; i < 8; i++) {
            words[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (words[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && words[j] == 0) {
                j++;
            }
            if (j - i > bestLen && j - i > 1) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append(i == 0 ? "::" : ":");
                i += bestLen - 1;
                continue;
            }
            sb.append(Integer.toHexString(words[i]));
            if (i < 7) {
                sb.append(':');
            }
        }
        return sb.toString();
    }

    static Optional<InetAddress> parseIp(String text) {
        if (text == null || text.isEmpty() || "None".equals(text)) {
            return Optional.empty();
        }
        boolean literal = text.indexOf(':') >= 0 || text.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
        if (!literal) {
            return Optional.empty(); // never resolve a host name here: that would block on I/O
        }
        try {
            return Optional.of(InetAddress.getByName(text));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private static String protocol(String p) {
        return p == null || p.isEmpty() ? "tcp" : p.toLowerCase(Locale.ROOT);
    }

    static String absolute(String name) {
        return name.endsWith(".") ? name : name + ".";
    }
}

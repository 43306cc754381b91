package dev.ordinal.dns.zone;

import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One immutable snapshot of what the zone holds (spec dns.md §6): Services by (namespace, name),
 * addresses by endpoint-hostname inside each, and PTR targets by IP. A query reads one snapshot from
 * start to end, so it never sees half an update; changes produce a new snapshot via {@link #with}.
 */
public final class ZoneView {
    private final String zone;
    private final boolean synced;
    private final long serial;
    private final Instant changedAt;
    private final Set<String> namespaces;
    private final Map<String, ServiceRecords> services;
    private final Map<InetAddress, List<String>> ptr;

    private ZoneView(String zone, boolean synced, long serial, Instant changedAt, Set<String> namespaces,
                     Map<String, ServiceRecords> services, Map<InetAddress, List<String>> ptr) {
        this.zone = zone;
        this.synced = synced;
        this.serial = serial;
        this.changedAt = changedAt;
        this.namespaces = namespaces;
        this.services = services;
        this.ptr = ptr;
    }

    /** The view before the first complete list: every in-zone query gets SERVFAIL. */
    public static ZoneView unsynced(String zone) {
        return new ZoneView(zone, false, 0, Instant.EPOCH, Set.of(), Map.of(), Map.of());
    }

    /** A complete view built in one step (first sync, or tests). */
    public static ZoneView of(String zone, Instant at, long previousSerial, Set<String> namespaces, List<ServiceRecords> all) {
        Map<String, ServiceRecords> services = new HashMap<>();
        Map<InetAddress, List<String>> ptr = new HashMap<>();
        for (ServiceRecords s : all) {
            services.put(key(s.namespace(), s.name()), s);
            addPtr(ptr, s, zone);
        }
        return new ZoneView(zone, true, nextSerial(previousSerial, at), at, Set.copyOf(namespaces), services, ptr);
    }

    /** This view with one Service replaced ({@code now} non-null) or removed (empty). */
    public ZoneView with(String namespace, String name, Optional<ServiceRecords> now, Instant at) {
        String k = key(namespace, name);
        ServiceRecords before = services.get(k);
        if (before == null && now.isEmpty()) {
            return this;
        }
        if (before != null && now.isPresent() && before.equals(now.get())) {
            return this;
        }
        Map<String, ServiceRecords> nextServices = new HashMap<>(services);
        Map<InetAddress, List<String>> nextPtr = new HashMap<>(ptr);
        if (before != null) {
            removePtr(nextPtr, before, zone);
            nextServices.remove(k);
        }
        if (now.isPresent()) {
            nextServices.put(k, now.get());
            addPtr(nextPtr, now.get(), zone);
        }
        return new ZoneView(zone, synced, nextSerial(serial, at), at, namespaces, nextServices, nextPtr);
    }

    /** This view with the set of Namespaces replaced. */
    public ZoneView withNamespaces(Set<String> now, Instant at) {
        if (now.equals(namespaces)) {
            return this;
        }
        return new ZoneView(zone, synced, nextSerial(serial, at), at, Set.copyOf(now), services, ptr);
    }

    public String zone() {
        return zone;
    }

    public boolean synced() {
        return synced;
    }

    /** The SOA serial: the Unix time of the newest change, and strictly larger after every change. */
    public long serial() {
        return serial;
    }

    /** When the newest change was applied. */
    public Instant changedAt() {
        return changedAt;
    }

    public boolean namespaceExists(String namespace) {
        if (namespaces.contains(namespace)) {
            return true;
        }
        // A Service cannot outlive its Namespace in the api-server; this only covers watch ordering.
        for (ServiceRecords s : services.values()) {
            if (s.namespace().equals(namespace)) {
                return true;
            }
        }
        return false;
    }

    public Optional<ServiceRecords> service(String namespace, String name) {
        return Optional.ofNullable(services.get(key(namespace, name)));
    }

    /** The PTR targets of an address, lowercase and absolute; empty when it has none. */
    public List<String> ptr(InetAddress address) {
        return ptr.getOrDefault(address, List.of());
    }

    public int serviceCount() {
        return services.size();
    }

    /** The absolute name of a Service: {@code <svc>.<ns>.svc.<zone>}. */
    public static String serviceName(ServiceRecords s, String zone) {
        return s.name() + "." + s.namespace() + ".svc." + zone;
    }

    private static long nextSerial(long previous, Instant at) {
        // RFC 1982 serials only grow; two changes within one second still differ by one.
        return Math.max(previous + 1, at.getEpochSecond());
    }

    private static String key(String namespace, String name) {
        return name + "." + namespace;
    }

    private record PtrEntry(InetAddress ip, String target) {
    }

    private static void addPtr(Map<InetAddress, List<String>> ptr, ServiceRecords s, String zone) {
        for (PtrEntry e : ptrEntries(s, zone)) {
            List<String> targets = new ArrayList<>(ptr.getOrDefault(e.ip(), List.of()));
            if (!targets.contains(e.target())) {
                targets.add(e.target());
            }
            ptr.put(e.ip(), List.copyOf(targets));
        }
    }

    private static void removePtr(Map<InetAddress, List<String>> ptr, ServiceRecords s, String zone) {
        for (PtrEntry e : ptrEntries(s, zone)) {
            List<String> targets = new ArrayList<>(ptr.getOrDefault(e.ip(), List.of()));
            targets.remove(e.target());
            if (targets.isEmpty()) {
                ptr.remove(e.ip());
            } else {
                ptr.put(e.ip(), List.copyOf(targets));
            }
        }
    }

    private static List<PtrEntry> ptrEntries(ServiceRecords s, String zone) {
        List<PtrEntry> out = new ArrayList<>();
        String svc = serviceName(s, zone);
        for (InetAddress ip : s.clusterIps()) {
            out.add(new PtrEntry(ip, svc));
        }
        for (ServiceRecords.Address a : s.addresses()) {
            out.add(new PtrEntry(a.ip(), a.host() + "." + svc));
        }
        return out;
    }
}

package dev.ordinal.dns.query;

import dev.ordinal.dns.zone.ServiceRecords;
import dev.ordinal.dns.zone.ZoneView;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Answers one query from one {@link ZoneView} snapshot (spec dns.md §1–§4): validates the message,
 * classifies the name with {@link QueryName}, then dispatches by query type. Pure: no I/O, safe to
 * call from any number of threads.
 */
public final class QueryHandler {

    /** The handler's fixed settings: zone names, TTLs and the server's own addresses. */
    public record Settings(String zone, List<String> reverseZones, long ttl, long negativeTtl,
                           List<InetAddress> selfAddresses, boolean forwarding) {
    }

    static final long VERSION_TTL = 28800;
    static final String SCHEMA_VERSION = "1.1.0";

    private final Settings settings;
    private final String nsName;
    private final String hostmaster;

    public QueryHandler(Settings settings) {
        this.settings = settings;
        this.nsName = "ns.dns." + settings.zone();
        this.hostmaster = "hostmaster." + settings.zone();
    }

    public Settings settings() {
        return settings;
    }

    public Reply handle(Request q, ZoneView view) {
        if (q.opcode() != 0) {
            return Reply.of(Reply.NOTIMP, false);
        }
        if (q.problem() != null) {
            return Reply.of(Reply.FORMERR, false);
        }
        if (q.hasEdns() && q.ednsVersion() > 0) {
            return Reply.of(Reply.BADVERS, false);
        }
        if (q.qclass() != 1 || q.qtype() == Rr.AXFR || q.qtype() == Rr.IXFR) {
            return Reply.of(Reply.REFUSED, false);
        }
        QueryName name = QueryName.parse(q.qname(), settings.zone(), settings.reverseZones());
        if (name instanceof QueryName.OutOfZone) {
            return settings.forwarding() ? Reply.forwardUpstream() : Reply.of(Reply.REFUSED, false);
        }
        if (!view.synced()) {
            // Never NXDOMAIN from a partial view: resolvers would cache the denial (§4).
            return Reply.of(Reply.SERVFAIL, false);
        }
        return new Answer(q, view).answer(name);
    }

    /** Builds one reply; holds the query, the snapshot and the sections being filled. */
    private final class Answer {
        private final Request q;
        private final ZoneView view;
        private final String owner;
        private final int type;
        private final List<Rr> answer = new ArrayList<>();
        private final List<Rr> additional = new ArrayList<>();

        Answer(Request q, ZoneView view) {
            this.q = q;
            this.view = view;
            this.owner = q.qname();
            this.type = q.qtype();
        }

        Reply answer(QueryName name) {
            String zone = settings.zone();
            if (name instanceof QueryName.Apex apex) {
                if (type == Rr.SOA) {
                    answer.add(soa(apex.apex()));
                } else if (type == Rr.NS) {
                    answer.add(new Rr(owner, Rr.NS, settings.ttl(), new Rr.Target(nsName)));
                    for (InetAddress ip : settings.selfAddresses()) {
                        additional.add(Rr.address(nsName, settings.ttl(), ip));
                    }
                }
                return positive(apex.apex());
            }
            if (name instanceof QueryName.NameServer) {
                addresses(settings.selfAddresses());
                return positive(zone);
            }
            if (name instanceof QueryName.FixedEmptyNonTerminal) {
                return positive(zone);
            }
            if (name instanceof QueryName.DnsVersion) {
                if (type == Rr.TXT) {
                    answer.add(new Rr(owner, Rr.TXT, VERSION_TTL, new Rr.Txt(SCHEMA_VERSION)));
                }
                return positive(zone);
            }
            if (name instanceof QueryName.Namespace ns) {
                return view.namespaceExists(ns.namespace()) ? positive(zone) : nxdomain(zone);
            }
            if (name instanceof QueryName.Service s) {
                return service(s);
            }
            if (name instanceof QueryName.Host h) {
                Optional<ServiceRecords> svc = view.service(h.namespace(), h.service());
                List<InetAddress> ips = svc.map(r -> r.hosts().get(h.host())).orElse(null);
                if (ips == null) {
                    return nxdomain(zone);
                }
                addresses(ips);
                return positive(zone);
            }
            if (name instanceof QueryName.ProtocolNode p) {
                Optional<ServiceRecords> svc = view.service(p.namespace(), p.service()).filter(ServiceRecords::exists);
                boolean below = svc.isPresent() && svc.get().ports().stream()
                        .anyMatch(port -> !port.name().isEmpty() && port.protocol().equals(p.protocol()));
                return below ? positive(zone) : nxdomain(zone);
            }
            if (name instanceof QueryName.Port p) {
                return port(p);
            }
            if (name instanceof QueryName.Reverse r) {
                List<String> targets = view.ptr(r.address());
                if (targets.isEmpty()) {
                    return nxdomain(r.apex());
                }
                if (type == Rr.PTR || type == Rr.ANY) {
                    for (String t : targets) {
                        answer.add(new Rr(owner, Rr.PTR, settings.ttl(), new Rr.Target(t)));
                    }
                }
                return positive(r.apex());
            }
            return nxdomain(((QueryName.NoSuchName) name).apex());
        }

        private Reply service(QueryName.Service s) {
            Optional<ServiceRecords> found = view.service(s.namespace(), s.service()).filter(ServiceRecords::exists);
            if (found.isEmpty()) {
                return nxdomain(settings.zone());
            }
            ServiceRecords svc = found.get();
            switch (svc.type()) {
                case EXTERNAL_NAME -> answer.add(new Rr(owner, Rr.CNAME, settings.ttl(), new Rr.Target(svc.externalName())));
                case CLUSTER_IP -> {
                    if (type == Rr.SRV) {
                        srvClusterIp(svc, svc.ports());
                    } else {
                        addresses(svc.clusterIps());
                    }
                }
                case HEADLESS -> {
                    if (type == Rr.SRV) {
                        srvHeadless(svc, null, null);
                    } else {
                        addresses(svc.addresses().stream().map(ServiceRecords.Address::ip).toList());
                    }
                }
            }
            return positive(settings.zone());
        }

        private Reply port(QueryName.Port p) {
            Optional<ServiceRecords> found = view.service(p.namespace(), p.service()).filter(ServiceRecords::exists);
            List<ServiceRecords.Port> ports = found.map(svc -> svc.ports().stream()
                    .filter(port -> !port.name().isEmpty() && port.name().equals(p.port()) && port.protocol().equals(p.protocol()))
                    .toList()).orElse(List.of());
            if (ports.isEmpty() || found.get().type() == ServiceRecords.Type.EXTERNAL_NAME) {
                return nxdomain(settings.zone());
            }
            if (type == Rr.SRV) {
                if (found.get().type() == ServiceRecords.Type.HEADLESS) {
                    srvHeadless(found.get(), p.port(), p.protocol());
                } else {
                    srvClusterIp(found.get(), ports);
                }
            }
            return positive(settings.zone());
        }

        private void srvClusterIp(ServiceRecords svc, List<ServiceRecords.Port> ports) {
            String target = ZoneView.serviceName(svc, settings.zone());
            Set<Integer> seen = new LinkedHashSet<>();
            ports.forEach(p -> seen.add(p.port()));
            int weight = weight(seen.size());
            for (int port : seen) {
                answer.add(new Rr(owner, Rr.SRV, settings.ttl(), new Rr.Srv(0, weight, port, target)));
            }
            if (!seen.isEmpty()) {
                svc.clusterIps().forEach(ip -> additional.add(Rr.address(target, settings.ttl(), ip)));
            }
        }

        /** One SRV per served address and matching Endpoints port (the resolved targetPort). */
        private void srvHeadless(ServiceRecords svc, String portName, String protocol) {
            String base = ZoneView.serviceName(svc, settings.zone());
            record Target(String host, int port) {
            }
            Set<Target> targets = new LinkedHashSet<>();
            for (ServiceRecords.Address a : svc.addresses()) {
                for (ServiceRecords.Port p : a.ports()) {
                    if (portName == null || (p.name().equals(portName) && p.protocol().equals(protocol))) {
                        targets.add(new Target(a.host(), p.port()));
                    }
                }
            }
            int weight = weight(targets.size());
            Set<String> glued = new LinkedHashSet<>();
            for (Target t : targets) {
                String target = t.host() + "." + base;
                answer.add(new Rr(owner, Rr.SRV, settings.ttl(), new Rr.Srv(0, weight, t.port(), target)));
                if (glued.add(t.host())) {
                    for (InetAddress ip : svc.hosts().getOrDefault(t.host(), List.of())) {
                        additional.add(Rr.address(target, settings.ttl(), ip));
                    }
                }
            }
        }

        /** A/AAAA (and ANY, as the RFC 8482 subset) from a list of addresses, shuffled as CoreDNS' loadbalance. */
        private void addresses(List<InetAddress> ips) {
            int want = type == Rr.A ? 4 : type == Rr.AAAA ? 16 : type == Rr.ANY ? 0 : -1;
            if (want < 0) {
                return;
            }
            int start = answer.size();
            for (InetAddress ip : ips) {
                if (want == 0 || ip.getAddress().length == want) {
                    answer.add(Rr.address(owner, settings.ttl(), ip));
                }
            }
            if (answer.size() - start > 1) {
                Collections.shuffle(answer.subList(start, answer.size()), ThreadLocalRandom.current());
            }
        }

        private Reply positive(String apex) {
            if (answer.isEmpty()) {
                return new Reply(Reply.NOERROR, true, List.of(), List.of(soa(apex)), List.of(), false);
            }
            return new Reply(Reply.NOERROR, true, answer, List.of(), additional, false);
        }

        private Reply nxdomain(String apex) {
            return new Reply(Reply.NXDOMAIN, true, List.of(), List.of(soa(apex)), List.of(), false);
        }

        private Rr soa(String apex) {
            long neg = settings.negativeTtl();
            return new Rr(apex, Rr.SOA, neg, new Rr.Soa(nsName, hostmaster, view.serial(), 7200, 1800, 86400, neg));
        }
    }

    private static int weight(int n) {
        return n == 0 ? 0 : Math.max(1, 100 / n);
    }
}

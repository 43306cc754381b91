package dev.ordinal.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.dns.query.QueryName;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure name parser: shapes only, no data. */
class QueryNameTest {
    private static final List<String> REVERSE = List.of("127.in-addr.arpa.", "10.in-addr.arpa.", "d.f.ip6.arpa.");

    private static QueryName parse(String name) {
        return QueryName.parse(name, "cluster.local.", REVERSE);
    }

    @Test
    void forwardNamesFromTheApexInward() {
        assertThat(parse("cluster.local.")).isEqualTo(new QueryName.Apex("cluster.local."));
        assertThat(parse("CLUSTER.local.")).isEqualTo(new QueryName.Apex("cluster.local."));
        assertThat(parse("ns.dns.cluster.local.")).isEqualTo(new QueryName.NameServer());
        assertThat(parse("dns.cluster.local.")).isEqualTo(new QueryName.FixedEmptyNonTerminal());
        assertThat(parse("dns-version.cluster.local.")).isEqualTo(new QueryName.DnsVersion());
        assertThat(parse("default.svc.cluster.local.")).isEqualTo(new QueryName.Namespace("default"));
        assertThat(parse("Nginx.Default.svc.cluster.local.")).isEqualTo(new QueryName.Service("default", "nginx"));
        assertThat(parse("web-0.nginx.default.svc.cluster.local.")).isEqualTo(new QueryName.Host("default", "nginx", "web-0"));
        assertThat(parse("_tcp.nginx.default.svc.cluster.local.")).isEqualTo(new QueryName.ProtocolNode("default", "nginx", "tcp"));
        assertThat(parse("_web._TCP.nginx.default.svc.cluster.local.")).isEqualTo(new QueryName.Port("default", "nginx", "web", "tcp"));
    }

    @Test
    void namesThatCanNeverExist() {
        for (String name : List.of("foo.cluster.local.", "a.b.web-0.nginx.default.svc.cluster.local.",
                "127-64-0-10.default.pod.cluster.local.", "_web._quic.nginx.default.svc.cluster.local.",
                "_x.nginx.default.svc.cluster.local.", "x.ns.dns.cluster.local.")) {
            assertThat(parse(name)).as(name).isEqualTo(new QueryName.NoSuchName("cluster.local."));
        }
        assertThat(parse("example.com.")).isEqualTo(new QueryName.OutOfZone());
        assertThat(parse("notcluster.local.")).isEqualTo(new QueryName.OutOfZone());
    }

    @Test
    void reverseNames() throws Exception {
        assertThat(parse("10.0.64.127.in-addr.arpa."))
                .isEqualTo(new QueryName.Reverse("127.in-addr.arpa.", InetAddress.getByName("127.64.0.10")));
        assertThat(parse("5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.D.F.ip6.arpa."))
                .isEqualTo(new QueryName.Reverse("d.f.ip6.arpa.", InetAddress.getByName("fd00::5")));
        assertThat(parse("127.in-addr.arpa.")).isEqualTo(new QueryName.Apex("127.in-addr.arpa."));
        assertThat(parse("0.64.127.in-addr.arpa.")).isEqualTo(new QueryName.NoSuchName("127.in-addr.arpa."));
        assertThat(parse("256.0.64.127.in-addr.arpa.")).isEqualTo(new QueryName.NoSuchName("127.in-addr.arpa."));
        assertThat(parse("8.8.8.8.in-addr.arpa.")).isEqualTo(new QueryName.OutOfZone());
    }
}

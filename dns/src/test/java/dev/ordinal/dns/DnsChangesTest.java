package dev.ordinal.dns;

import static dev.ordinal.dns.Dig.N;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.EndpointAddress;
import dev.ordinal.api.v1.Endpoints;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.testing.FakeApi;
import dev.ordinal.client.time.Clock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;

/**
 * The §8 cases that change state (4, 19's serial, 32, 33, 34), each on a fresh fixture in FakeApi.
 * Delays are logged, never asserted; DnsApiServerIT measures them against the real api-server.
 */
class DnsChangesTest {
    private static final Logger LOG = Logger.getLogger(DnsChangesTest.class);

    private FakeApi api;
    private OrdinalClient client;
    private Fixture fixture;
    private DnsRuntime dns;
    private Dig dig;

    private void start(DnsSettings settings, boolean waitForSync) throws Exception {
        api = FakeApi.start();
        client = api.newClient();
        fixture = new Fixture(client);
        fixture.createAll();
        dns = DnsRuntime.start(settings, client, new SimpleMeterRegistry(), Clock.system());
        if (waitForSync) {
            await().atMost(Duration.ofSeconds(20)).until(dns::ready);
        }
        dig = new Dig(dns.port());
    }

    @AfterEach
    void stop() {
        if (dns != null) {
            dns.close();
        }
        if (client != null) {
            client.close();
        }
        if (api != null) {
            api.close();
        }
    }

    @Test
    void case4APodBecomingReadyResolvesSoonAfterItsEndpointsChange() throws Exception {
        start(DnsSpecCasesTest.fixtureSettings(), true);
        assertThat(dig.query("A", "web-2.$N").getRcode()).isEqualTo(Rcode.NXDOMAIN);
        long committed = markReady("web-2", "127.64.0.12");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                .until(() -> addresses(dig.query("A", "web-2.$N")).contains("127.64.0.12"));
        LOG.infof("case 4 (FakeApi): web-2 resolvable %.1f ms after its Endpoints commit", (System.nanoTime() - committed) / 1e6);
        assertThat(addresses(dig.query("A", N))).containsExactlyInAnyOrder("127.64.0.10", "127.64.0.11", "127.64.0.12");
    }

    @Test
    void case19SerialGrowsAfterAnEndpointsChange() throws Exception {
        start(DnsSpecCasesTest.fixtureSettings(), true);
        long before = serial(dig.query("SOA", Dig.C));
        markReady("web-2", "127.64.0.12");
        await().atMost(Duration.ofSeconds(10)).until(() -> serial(dig.query("SOA", Dig.C)) > before);
    }

    @Test
    void case32NegativeAnswersCarryTheNegativeTtlAndLiftOnceThePodIsReady() throws Exception {
        start(DnsSpecCasesTest.fixtureSettings(), true);
        assertNegative(dig.query("A", "web-3.$N"), 5);
        markReady("web-3", "127.64.0.13");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                .until(() -> dig.query("A", "web-3.$N").getRcode() == Rcode.NOERROR);
        assertThat(addresses(dig.query("A", "web-3.$N"))).containsExactly("127.64.0.13");
    }

    @Test
    void case32NegativeTtlIsConfigurable() throws Exception {
        start(DnsSpecCasesTest.fixtureSettings().withNegativeTtl(1), true);
        assertNegative(dig.query("A", "web-3.$N"), 1);
        assertNegative(dig.tcp().query("AAAA", "web-0.$N"), 1);
    }

    @Test
    void case33BeforeTheFirstSyncInZoneQueriesGetServFailNeverNxdomain() throws Exception {
        FakeApi fake = FakeApi.start();
        api = fake;
        client = fake.newClient();
        new Fixture(client).createAll();
        fake.failNext(FakeApi.Verb.LIST, Kind.SERVICE, 1_000_000, ApiException.unavailable("api-server down (test)"));
        dns = DnsRuntime.start(DnsSpecCasesTest.fixtureSettings(), client, new SimpleMeterRegistry(), Clock.system());
        dig = new Dig(dns.port());
        for (String name : List.of("web-0.$N", "nosuch.$N", "svc.$C")) {
            assertThat(Rcode.string(dig.query("A", name).getRcode())).isEqualTo("SERVFAIL");
        }
        assertThat(dig.query("A", "example.com.").getRcode()).as("out of zone").isEqualTo(Rcode.REFUSED);
        assertThat(dns.ready()).isFalse();
        fake.clearFailures();
        await().atMost(Duration.ofSeconds(60)).until(dns::ready);
        assertThat(addresses(dig.query("A", "web-0.$N"))).containsExactly("127.64.0.10");
    }

    @Test
    void case34DeletingTheServiceRemovesItsNamesAndPtrs() throws Exception {
        start(DnsSpecCasesTest.fixtureSettings(), true);
        assertThat(dig.ptr("127.64.0.10").getRcode()).isEqualTo(Rcode.NOERROR);
        client.resources(dev.ordinal.api.v1.Service.class).delete("default", "nginx");
        long deleted = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
                .until(() -> dig.query("A", "web-0.$N").getRcode() == Rcode.NXDOMAIN);
        LOG.infof("case 34 (FakeApi): web-0 gone %.1f ms after the Service deletion", (System.nanoTime() - deleted) / 1e6);
        assertThat(dig.ptr("127.64.0.10").getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(dig.query("A", N).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void outOfZoneQueriesAreRelayedToUpstreamsAndServFailWhenTheyAreSilent() throws Exception {
        try (java.net.DatagramSocket upstream = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress());
             java.net.DatagramSocket silent = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            Thread responder = new Thread(() -> answerEverything(upstream), "fake-upstream");
            responder.setDaemon(true);
            responder.start();
            start(DnsSpecCasesTest.fixtureSettings().withUpstreams(
                    List.of((java.net.InetSocketAddress) upstream.getLocalSocketAddress()), Duration.ofMillis(500)), true);
            for (Dig d : List.of(dig.rec(), dig.rec().tcp())) {
                Message relayed = d.query("A", "example.com.");
                assertThat(relayed.getRcode()).isEqualTo(Rcode.NOERROR);
                assertThat(addresses(relayed)).containsExactly("192.0.2.1");
                assertThat(relayed.getHeader().getFlag(org.xbill.DNS.Flags.RA)).isTrue();
            }
            Message inZone = dig.rec().query("A", "web-0.$N");
            assertThat(addresses(inZone)).containsExactly("127.64.0.10");
            assertThat(inZone.getHeader().getFlag(org.xbill.DNS.Flags.RA)).as("ra with upstreams").isTrue();
            dns.close();
            start(DnsSpecCasesTest.fixtureSettings().withUpstreams(
                    List.of((java.net.InetSocketAddress) silent.getLocalSocketAddress()), Duration.ofMillis(300)), true);
            assertThat(Rcode.string(dig.rec().query("A", "example.com.").getRcode())).isEqualTo("SERVFAIL");
        }
    }

    /** A stand-in resolver: answers every query with A 192.0.2.1. */
    private static void answerEverything(java.net.DatagramSocket socket) {
        byte[] buf = new byte[4096];
        while (!socket.isClosed()) {
            try {
                java.net.DatagramPacket in = new java.net.DatagramPacket(buf, buf.length);
                socket.receive(in);
                Message query = new Message(java.util.Arrays.copyOf(buf, in.getLength()));
                Message reply = new Message(query.getHeader().getID());
                reply.getHeader().setFlag(org.xbill.DNS.Flags.QR);
                reply.getHeader().setFlag(org.xbill.DNS.Flags.RA);
                reply.addRecord(query.getQuestion(), Section.QUESTION);
                reply.addRecord(new org.xbill.DNS.ARecord(query.getQuestion().getName(), org.xbill.DNS.DClass.IN, 60,
                        InetAddress.getByName("192.0.2.1")), Section.ANSWER);
                byte[] wire = reply.toWire();
                socket.send(new java.net.DatagramPacket(wire, wire.length, in.getSocketAddress()));
            } catch (java.io.IOException e) {
                return;
            }
        }
    }

    /** Moves (or adds) a pod to the ready addresses of nginx's Endpoints; returns System.nanoTime() at commit. */
    private long markReady(String pod, String ip) {
        fixture.modifyEndpoints("default", "nginx", e -> withReady(e, pod, ip));
        return System.nanoTime();
    }

    static Endpoints withReady(Endpoints e, String pod, String ip) {
        var subset = e.getSubsets(0).toBuilder();
        List<EndpointAddress> notReady = new ArrayList<>(subset.getNotReadyAddressesList());
        notReady.removeIf(a -> a.getIp().equals(ip));
        subset.clearNotReadyAddresses().addAllNotReadyAddresses(notReady);
        if (subset.getAddressesList().stream().noneMatch(a -> a.getIp().equals(ip))) {
            subset.addAddresses(Fixture.host(pod, ip));
        }
        return e.toBuilder().setSubsets(0, subset).build();
    }

    static Endpoints withNotReady(Endpoints e, String pod, String ip) {
        var subset = e.getSubsets(0).toBuilder();
        List<EndpointAddress> ready = new ArrayList<>(subset.getAddressesList());
        ready.removeIf(a -> a.getIp().equals(ip));
        subset.clearAddresses().addAllAddresses(ready);
        if (subset.getNotReadyAddressesList().stream().noneMatch(a -> a.getIp().equals(ip))) {
            subset.addNotReadyAddresses(Fixture.host(pod, ip));
        }
        return e.toBuilder().setSubsets(0, subset).build();
    }

    private static void assertNegative(Message reply, long ttl) {
        DnsSpecCasesTest.assertNegativeSoa(reply, Dig.C, ttl);
    }

    static long serial(Message reply) {
        return ((SOARecord) reply.getSection(Section.ANSWER).get(0)).getSerial();
    }

    static List<String> addresses(Message m) {
        return m.getSection(Section.ANSWER).stream().map(Record::rdataToString).toList();
    }
}

package dev.ordinal.dns;

import static dev.ordinal.dns.Dig.C;
import static dev.ordinal.dns.Dig.N;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.testing.FakeApi;
import dev.ordinal.client.time.Clock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The numbered cases of spec dns.md §8 that read a fixed fixture, sent by a real DNS client
 * (dnsjava) to the running responder fed by watches on FakeApi. Expected sections are zone text;
 * {@code @} is the query name, {@code $N} and {@code $C} the spec's abbreviations. Every table case
 * runs over UDP, over TCP, and with RD set (case 35).
 */
class DnsSpecCasesTest {
    static FakeApi api;
    static OrdinalClient client;
    static DnsRuntime dns;
    static Dig dig;

    static DnsSettings fixtureSettings() {
        return DnsSettings.defaults(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .withReverseZones(List.of("127.in-addr.arpa.", "10.in-addr.arpa.", "d.f.ip6.arpa."));
    }

    @BeforeAll
    static void start() throws Exception {
        api = FakeApi.start();
        client = api.newClient();
        new Fixture(client).createAll();
        dns = DnsRuntime.start(fixtureSettings(), client, new SimpleMeterRegistry(), Clock.system());
        await().atMost(Duration.ofSeconds(20)).until(dns::ready);
        dig = new Dig(dns.port());
    }

    @AfterAll
    static void stop() {
        dns.close();
        client.close();
        api.close();
    }

    /** One expected reply. {@code soa} is the SOA owner expected in authority (negative replies), or null. */
    record Case(String id, String type, String name, int rcode, List<String> answer, List<String> additional, String soa) {
        @Override
        public String toString() {
            return id + ": " + type + " " + name;
        }
    }

    static Case ok(String id, String type, String name, String... answer) {
        return new Case(id, type, name, Rcode.NOERROR, List.of(answer), null, null);
    }

    static Case glue(Case c, String... additional) {
        return new Case(c.id(), c.type(), c.name(), c.rcode(), c.answer(), List.of(additional), c.soa());
    }

    static Case nodata(String id, String type, String name) {
        return new Case(id, type, name, Rcode.NOERROR, List.of(), List.of(), C);
    }

    static Case nxdomain(String id, String type, String name) {
        return nxdomain(id, type, name, C);
    }

    static Case nxdomain(String id, String type, String name, String apex) {
        return new Case(id, type, name, Rcode.NXDOMAIN, List.of(), List.of(), apex);
    }

    static List<Case> table() {
        List<Case> t = new ArrayList<>();
        t.add(ok("1", "A", N, "@ 5 A 127.64.0.10", "@ 5 A 127.64.0.11"));
        t.add(ok("2", "A", "web-0.$N", "@ 5 A 127.64.0.10"));
        t.add(nxdomain("3", "A", "web-2.$N"));
        t.add(nxdomain("3", "A", "web-7.$N"));
        t.add(nodata("5", "AAAA", "web-0.$N"));
        t.add(nodata("5", "AAAA", N));
        t.add(nodata("6", "TYPE65", "web-0.$N"));
        t.add(nodata("6", "MX", "web-0.$N"));
        t.add(nodata("6", "TXT", "web-0.$N"));
        t.add(ok("6", "ANY", "web-0.$N", "@ 5 A 127.64.0.10"));
        t.add(glue(ok("7", "SRV", "_web._tcp.$N", "@ 5 SRV 0 50 8080 web-0.$N", "@ 5 SRV 0 50 8080 web-1.$N"),
                "web-0.$N 5 A 127.64.0.10", "web-1.$N 5 A 127.64.0.11"));
        t.add(glue(ok("7", "SRV", N, "@ 5 SRV 0 50 8080 web-0.$N", "@ 5 SRV 0 50 8080 web-1.$N"),
                "web-0.$N 5 A 127.64.0.10", "web-1.$N 5 A 127.64.0.11"));
        t.add(nxdomain("8", "SRV", "_web._udp.$N"));
        t.add(nxdomain("8", "SRV", "_nope._tcp.$N"));
        t.add(nodata("8", "SRV", "_tcp.$N"));
        t.add(ok("9", "A", "cass-1.cass.db.svc.$C", "@ 5 A 127.64.1.21"));
        t.add(ok("9", "A", "cass.db.svc.$C", "@ 5 A 127.64.1.20", "@ 5 A 127.64.1.21"));
        t.add(nxdomain("10", "A", "empty.default.svc.$C"));
        t.add(ok("11", "A", "127-64-0-30.workers.default.svc.$C", "@ 5 A 127.64.0.30"));
        t.add(glue(ok("11", "SRV", "_http._tcp.workers.default.svc.$C", "@ 5 SRV 0 100 80 127-64-0-30.workers.default.svc.$C"),
                "127-64-0-30.workers.default.svc.$C 5 A 127.64.0.30"));
        t.add(ok("12", "A", "api.default.svc.$C", "@ 5 A 10.96.0.20"));
        t.add(ok("12", "A", "127-64-0-40.api.default.svc.$C", "@ 5 A 127.64.0.40"));
        t.add(glue(ok("13", "SRV", "_http._tcp.api.default.svc.$C", "@ 5 SRV 0 100 80 api.default.svc.$C"),
                "api.default.svc.$C 5 A 10.96.0.20"));
        t.add(glue(ok("13", "SRV", "api.default.svc.$C", "@ 5 SRV 0 50 80 api.default.svc.$C", "@ 5 SRV 0 50 9090 api.default.svc.$C"),
                "api.default.svc.$C 5 A 10.96.0.20"));
        t.add(nxdomain("13", "SRV", "_9090._tcp.api.default.svc.$C"));
        t.add(ok("14", "CNAME", "ext.default.svc.$C", "@ 5 CNAME example.com."));
        t.add(ok("14", "A", "ext.default.svc.$C", "@ 5 CNAME example.com."));
        t.add(nxdomain("16", "A", "*.$N"));
        t.add(nxdomain("16", "A", "any.$N"));
        for (String name : List.of("nosuch.default.svc.$C", "example.com.default.svc.$C", "ghost.svc.$C", "foo.$C",
                "a.b.web-0.$N", "127-64-0-10.default.pod.$C")) {
            t.add(nxdomain("17", "A", name));
        }
        for (String name : List.of("default.svc.$C", "svc.$C", "pod.$C", "dns.$C")) {
            t.add(nodata("18", "A", name));
        }
        t.add(nodata("18", "SOA", "web-0.$N"));
        t.add(glue(ok("19", "NS", C, "@ 5 NS ns.dns.$C"), "ns.dns.$C 5 A 127.0.0.1"));
        t.add(ok("19", "A", "ns.dns.$C", "@ 5 A 127.0.0.1"));
        t.add(ok("20", "TXT", "dns-version.$C", "@ 28800 TXT \"1.1.0\""));
        t.add(nodata("20", "A", "dns-version.$C"));
        t.add(ok("21", "PTR", "10.0.64.127.in-addr.arpa.", "@ 5 PTR web-0.$N"));
        t.add(ok("21", "PTR", "30.0.64.127.in-addr.arpa.", "@ 5 PTR 127-64-0-30.workers.default.svc.$C"));
        t.add(ok("21", "PTR", "20.0.96.10.in-addr.arpa.", "@ 5 PTR api.default.svc.$C"));
        t.add(ok("21", "PTR", "21.1.64.127.in-addr.arpa.", "@ 5 PTR cass-1.cass.db.svc.$C"));
        t.add(nxdomain("22", "PTR", "12.0.64.127.in-addr.arpa.", "127.in-addr.arpa."));
        t.add(nxdomain("22", "PTR", "9.9.64.127.in-addr.arpa.", "127.in-addr.arpa."));
        t.add(ok("23", "AAAA", "v6-0.v6.default.svc.$C", "@ 5 AAAA fd00:0:0:0:0:0:0:5"));
        t.add(nodata("23", "A", "v6-0.v6.default.svc.$C"));
        t.add(ok("23", "PTR", "5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.",
                "@ 5 PTR v6-0.v6.default.svc.$C"));
        return t;
    }

    static Stream<Arguments> tableOverTransports() {
        return table().stream().flatMap(c -> Stream.of(
                Arguments.of(c, "udp"), Arguments.of(c, "tcp"), Arguments.of(c, "udp+rec")));
    }

    @ParameterizedTest(name = "case {0} over {1}")
    @MethodSource("tableOverTransports")
    void answersAsTheSpecSays(Case c, String transport) {
        Dig d = switch (transport) {
            case "tcp" -> dig.tcp();
            case "udp+rec" -> dig.rec();
            default -> dig;
        };
        Message reply = d.query(c.type(), c.name());
        String qname = Dig.expand(c.name());
        assertThat(Rcode.string(reply.getRcode())).as("rcode").isEqualTo(Rcode.string(c.rcode()));
        assertFlags(reply, true, transport.endsWith("rec"));
        assertThat(lines(reply, Section.ANSWER, qname)).as("answer").isEqualTo(expand(c.answer(), qname));
        if (c.soa() != null) {
            assertNegativeSoa(reply, c.soa(), 5);
        } else {
            assertThat(reply.getSection(Section.AUTHORITY)).as("authority").isEmpty();
        }
        if (c.additional() != null) {
            assertThat(lines(reply, Section.ADDITIONAL, qname)).as("additional").isEqualTo(expand(c.additional(), qname));
        }
    }

    @Test
    void case15KeepsTheQuestionsCasingInQuestionAndOwner() {
        String asked = "WeB-0.NGINX.Default.SVC.Cluster.LOCAL.";
        for (Dig d : List.of(dig, dig.tcp())) {
            Message reply = d.query("A", asked);
            assertThat(reply.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(reply.getQuestion().getName().toString()).isEqualTo(asked);
            assertThat(reply.getSection(Section.ANSWER)).singleElement().satisfies(r -> {
                assertThat(r.getName().toString()).isEqualTo(asked);
                assertThat(r.rdataToString()).isEqualTo("127.64.0.10");
            });
        }
    }

    @Test
    void addressRecordsAreShuffledPerReplyEvenWhenRepeated() {
        Set<String> firsts = new HashSet<>();
        for (int i = 0; i < 64 && firsts.size() < 2; i++) {
            Message reply = dig.query("A", N);
            assertThat(addresses(reply)).containsExactlyInAnyOrder("127.64.0.10", "127.64.0.11");
            firsts.add(reply.getSection(Section.ANSWER).get(0).rdataToString());
        }
        assertThat(firsts).as("first address over 64 replies").containsExactlyInAnyOrder("127.64.0.10", "127.64.0.11");
    }

    @Test
    void case19ApexSoaHasTheSpecsFields() {
        Message reply = dig.query("SOA", C);
        assertFlags(reply, true, false);
        assertThat(reply.getSection(Section.ANSWER)).singleElement().satisfies(r -> {
            SOARecord soa = (SOARecord) r;
            assertSoaFields(soa, C, 5);
        });
    }

    @Test
    void case24OutOfZoneIsRefusedWithoutAuthority() {
        for (Message reply : List.of(dig.query("A", "example.com."), dig.ptr("8.8.8.8"), dig.tcp().query("A", "example.com."))) {
            assertThat(reply.getRcode()).isEqualTo(Rcode.REFUSED);
            assertFlags(reply, false, false);
            assertThat(reply.getSection(Section.ANSWER)).isEmpty();
            assertThat(reply.getSection(Section.AUTHORITY)).isEmpty();
            assertThat(reply.getSection(Section.ADDITIONAL)).isEmpty();
        }
    }

    @Test
    void case25ChaosClassAndZoneTransfersAreRefused() {
        Message chaos = dig.send(dig.message("TXT", "version.bind.", DClass.CH));
        assertThat(chaos.getRcode()).isEqualTo(Rcode.REFUSED);
        for (Dig d : List.of(dig, dig.tcp())) {
            assertThat(d.query("AXFR", C).getRcode()).isEqualTo(Rcode.REFUSED);
            assertThat(d.query("IXFR", C).getRcode()).isEqualTo(Rcode.REFUSED);
        }
    }

    @Test
    void case26OtherOpcodesGetNotImpWithTheOpcodeEchoed() {
        for (int opcode : List.of(Opcode.STATUS, Opcode.UPDATE, Opcode.NOTIFY)) {
            Message q = dig.message("SOA", C, DClass.IN);
            q.getHeader().setOpcode(opcode);
            Message reply = dig.send(q);
            assertThat(reply.getRcode()).isEqualTo(Rcode.NOTIMP);
            assertThat(reply.getHeader().getOpcode()).isEqualTo(opcode);
            assertThat(reply.getHeader().getID()).isEqualTo(q.getHeader().getID());
        }
    }

    @Test
    void case27EdnsVersionOneGetsBadVersWithAVersionZeroOpt() {
        Message reply = dig.edns(1, 1232).query("A", "web-0.$N");
        assertThat(reply.getRcode()).isEqualTo(Rcode.BADVERS);
        OPTRecord opt = reply.getOPT();
        assertThat(opt).isNotNull();
        assertThat(opt.getVersion()).isZero();
        assertThat(reply.getSection(Section.ANSWER)).isEmpty();
    }

    @Test
    void case28LargeAnswersAreTruncatedToWholeRecordsAndComeWholeOverTcp() throws Exception {
        Message plain = dig.query("A", "big.default.svc.$C");
        byte[] plainWire = plain.toWire();
        assertThat(plain.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(plain.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(plain.getSection(Section.ANSWER)).hasSize(29);
        assertThat(plainWire.length).isLessThanOrEqualTo(512);

        Message tcp = dig.tcp().query("A", "big.default.svc.$C");
        assertThat(tcp.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(tcp.getSection(Section.ANSWER)).hasSize(100);
        assertThat(addresses(tcp)).hasSize(100);

        Dig edns = dig.bufsize(1232);
        byte[] raw = edns.udpExchange(edns.message("A", "big.default.svc.$C", DClass.IN).toWire()).orElseThrow();
        Message big = new Message(raw);
        assertThat(big.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(big.getSection(Section.ANSWER)).hasSize(73);
        assertThat(big.getOPT()).isNotNull();
        assertThat(big.getOPT().getPayloadSize()).isEqualTo(1232);
        assertThat(raw.length).isLessThanOrEqualTo(1232);
    }

    @Test
    void case29LargeBufferGivesCaseOnesAnswerWithOpt() {
        Message reply = dig.bufsize(4096).query("A", N);
        assertThat(reply.getOPT()).isNotNull();
        assertThat(reply.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(addresses(reply)).containsExactlyInAnyOrder("127.64.0.10", "127.64.0.11");
    }

    @Test
    void case30PipelinedTcpQueriesAreAllAnsweredOnOneConnection() throws Exception {
        Message a = dig.message("A", "web-0.$N", DClass.IN);
        Message b = dig.message("A", "web-1.$N", DClass.IN);
        Message s = dig.message("SRV", "_web._tcp.$N", DClass.IN);
        List<byte[]> replies = dig.tcpExchange(List.of(a.toWire(), b.toWire(), s.toWire()));
        Set<Integer> ids = new HashSet<>();
        for (byte[] r : replies) {
            Message m = new Message(r);
            ids.add(m.getHeader().getID());
            assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
            Message asked = m.getHeader().getID() == a.getHeader().getID() ? a : m.getHeader().getID() == b.getHeader().getID() ? b : s;
            assertThat(m.getQuestion()).isEqualTo(asked.getQuestion());
            assertThat(m.getSection(Section.ANSWER)).isNotEmpty();
        }
        assertThat(ids).containsExactlyInAnyOrder(a.getHeader().getID(), b.getHeader().getID(), s.getHeader().getID());
    }

    @Test
    void case31MalformedMessagesGetFormErrOrNoReply() throws Exception {
        Message ok = dig.message("A", "web-0.$N", DClass.IN);
        byte[] wire = ok.toWire();

        byte[] noQuestion = header(0x1111, 0x0000, 0, 0, 0, 0);
        assertFormErr(noQuestion, 0x1111);

        byte[] twoQuestions = concat(header(0x2222, 0, 2, 0, 0, 0), question(wire), question(wire));
        assertFormErr(twoQuestions, 0x2222);

        byte[] bare = header(0x3333, 0, 1, 0, 0, 0);
        assertFormErr(bare, 0x3333);

        assertThat(dig.udpExchange(new byte[] {1, 2, 3, 4, 5})).as("5 random bytes").isEmpty();

        byte[] response = wire.clone();
        response[2] |= (byte) 0x80;
        assertThat(dig.udpExchange(response)).as("QR=1").isEmpty();

        byte[] opt = {0, 0, 41, 0x04, (byte) 0xd0, 0, 0, 0, 0, 0, 0};
        byte[] twoOpts = concat(header(0x4444, 0, 1, 0, 0, 2), question(wire), opt, opt);
        assertFormErr(twoOpts, 0x4444);

        byte[] optInAnswer = concat(header(0x5555, 0, 1, 1, 0, 0), question(wire), opt);
        assertFormErr(optInAnswer, 0x5555);

        assertThat(dig.query("A", "web-0.$N").getSection(Section.ANSWER)).hasSize(1);
    }

    private void assertFormErr(byte[] message, int id) throws Exception {
        byte[] reply = dig.udpExchange(message).orElseThrow(() -> new AssertionError("no reply"));
        ByteBuffer b = ByteBuffer.wrap(reply);
        assertThat(b.getShort(0) & 0xFFFF).as("id").isEqualTo(id);
        assertThat(b.getShort(2) & 0x8000).as("QR").isNotZero();
        assertThat(b.getShort(2) & 0xF).as("rcode").isEqualTo(Rcode.FORMERR);
    }

    static byte[] header(int id, int flags, int qd, int an, int ns, int ar) {
        return ByteBuffer.allocate(12).putShort((short) id).putShort((short) flags).putShort((short) qd)
                .putShort((short) an).putShort((short) ns).putShort((short) ar).array();
    }

    /** The question section of a one-question message without additional records. */
    static byte[] question(byte[] wire) {
        byte[] q = new byte[wire.length - 12];
        System.arraycopy(wire, 12, q, 0, q.length);
        return q;
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    static void assertFlags(Message reply, boolean authoritative, boolean rd) {
        assertThat(reply.getHeader().getFlag(Flags.QR)).as("qr").isTrue();
        assertThat(reply.getHeader().getFlag(Flags.AA)).as("aa").isEqualTo(authoritative);
        assertThat(reply.getHeader().getFlag(Flags.RD)).as("rd echoed").isEqualTo(rd);
        assertThat(reply.getHeader().getFlag(Flags.RA)).as("ra").isFalse();
        assertThat(reply.getHeader().getFlag(Flags.TC)).as("tc").isFalse();
    }

    static void assertNegativeSoa(Message reply, String apex, long negativeTtl) {
        assertThat(reply.getSection(Section.ANSWER)).as("answer").isEmpty();
        assertThat(reply.getSection(Section.AUTHORITY)).as("authority").singleElement()
                .satisfies(r -> assertSoaFields((SOARecord) r, apex, negativeTtl));
    }

    static void assertSoaFields(SOARecord soa, String apex, long negativeTtl) {
        assertThat(soa.getName().toString().toLowerCase(Locale.ROOT)).isEqualTo(apex);
        assertThat(soa.getTTL()).isEqualTo(negativeTtl);
        assertThat(soa.getHost().toString()).isEqualTo("ns.dns." + C);
        assertThat(soa.getAdmin().toString()).isEqualTo("hostmaster." + C);
        assertThat(soa.getSerial()).isPositive();
        assertThat(List.of(soa.getRefresh(), soa.getRetry(), soa.getExpire(), soa.getMinimum()))
                .containsExactly(7200L, 1800L, 86400L, negativeTtl);
    }

    static Set<String> addresses(Message m) {
        return m.getSection(Section.ANSWER).stream().map(Record::rdataToString).collect(Collectors.toSet());
    }

    /** The section as zone text without the class, lowercase, OPT left out. */
    static Set<String> lines(Message m, int section, String qname) {
        return m.getSection(section).stream()
                .filter(r -> r.getType() != Type.OPT)
                .map(r -> (r.getName() + " " + r.getTTL() + " " + Type.string(r.getType()) + " " + r.rdataToString())
                        .toLowerCase(Locale.ROOT))
                .collect(Collectors.toSet());
    }

    static Set<String> expand(List<String> lines, String qname) {
        return lines.stream()
                .map(l -> (l.startsWith("@ ") ? qname + l.substring(1) : l).replace("$N", N).replace("$C", C).toLowerCase(Locale.ROOT))
                .collect(Collectors.toSet());
    }
}

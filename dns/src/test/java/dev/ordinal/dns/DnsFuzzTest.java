package dev.ordinal.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.testing.FakeApi;
import dev.ordinal.client.time.Clock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.constraints.Size;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;

/**
 * Case 31's 10,000 fuzzed packets: random bytes and mutated real queries. After every packet a
 * real query must still be answered (no crash, no hang), and any reply to the fuzz packet must be
 * a well-formed response carrying the packet's ID.
 */
class DnsFuzzTest {
    private static FakeApi api;
    private static OrdinalClient client;
    private static DnsRuntime dns;
    private static Dig dig;
    private static DatagramSocket socket;
    private static byte[] valid;
    private static int probeId;

    @BeforeContainer
    static void start() throws Exception {
        api = FakeApi.start();
        client = api.newClient();
        new Fixture(client).createAll();
        dns = DnsRuntime.start(DnsSpecCasesTest.fixtureSettings(), client, new SimpleMeterRegistry(), Clock.system());
        await().atMost(Duration.ofSeconds(20)).until(dns::ready);
        dig = new Dig(dns.port());
        socket = new DatagramSocket();
        socket.setSoTimeout(2000);
        valid = dig.bufsize(1232).message("SRV", "_web._tcp.$N", DClass.IN).toWire();
    }

    @AfterContainer
    static void stop() {
        assertThat(dig.query("A", "web-0.$N").getSection(Section.ANSWER)).as("case 2 after fuzzing").hasSize(1);
        socket.close();
        dns.close();
        client.close();
        api.close();
    }

    @Property(tries = 5000)
    void randomBytesNeverBreakTheServer(@ForAll @Size(max = 700) byte[] packet) throws IOException {
        exchange(packet);
    }

    @Property(tries = 5000)
    void mutatedQueriesNeverBreakTheServer(@ForAll("mutations") byte[] packet) throws IOException {
        exchange(packet);
    }

    @Provide
    Arbitrary<byte[]> mutations() {
        return Arbitraries.integers().between(0, Integer.MAX_VALUE).list().ofMinSize(1).ofMaxSize(8).map(seeds -> {
            byte[] p = valid.clone();
            for (int seed : seeds) {
                int at = seed % p.length;
                switch ((seed >>> 24) % 3) {
                    case 0 -> p[at] = (byte) (seed >>> 8);
                    case 1 -> p[at] ^= (byte) (1 << (seed >>> 16) % 8);
                    default -> p = java.util.Arrays.copyOf(p, Math.max(0, at));
                }
                if (p.length == 0) {
                    break;
                }
            }
            if (p.length > 2) {
                p[2] &= 0x7F; // keep most of them queries, so they reach the parser
            }
            return p;
        });
    }

    /** Sends the fuzz packet and then a probe; reads until the probe's reply arrives. */
    private static void exchange(byte[] packet) throws IOException {
        InetAddress lo = InetAddress.getLoopbackAddress();
        socket.send(new DatagramPacket(packet, packet.length, lo, dns.port()));
        Message probe = dig.message("A", "web-0.$N", DClass.IN);
        probeId = (probeId + 1) & 0xFFFF;
        probe.getHeader().setID(probeId);
        byte[] wire = probe.toWire();
        socket.send(new DatagramPacket(wire, wire.length, lo, dns.port()));
        byte[] buf = new byte[65535];
        while (true) {
            DatagramPacket in = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(in);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the server stopped answering after a packet of " + packet.length + " bytes");
            }
            int id = ByteBuffer.wrap(buf, 0, in.getLength()).getShort(0) & 0xFFFF;
            byte[] reply = java.util.Arrays.copyOf(buf, in.getLength());
            if (id == probeId && in.getLength() > 12 && new Message(reply).getQuestion() != null
                    && new Message(reply).getSection(Section.ANSWER).size() == 1) {
                return;
            }
            // A reply to the fuzz packet: it must be a response with the packet's ID.
            assertThat(in.getLength()).isGreaterThanOrEqualTo(12);
            assertThat(buf[2] & 0x80).as("QR").isNotZero();
            if (packet.length >= 2) {
                assertThat(id).isEqualTo(((packet[0] & 0xFF) << 8) | (packet[1] & 0xFF));
            }
            Message parsed = new Message(reply);
            assertThat(parsed.getRcode()).isIn(Rcode.NOERROR, Rcode.FORMERR, Rcode.NXDOMAIN, Rcode.REFUSED,
                    Rcode.NOTIMP, Rcode.SERVFAIL, Rcode.BADVERS);
        }
    }
}

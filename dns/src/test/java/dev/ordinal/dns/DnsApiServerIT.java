package dev.ordinal.dns;

import static dev.ordinal.dns.Dig.N;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.Service;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.time.Clock;
import dev.ordinal.testkit.ApiServerProcess;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;

/**
 * The responder against the real api-server (its packaged jar, on its own embedded PostgreSQL):
 * case 33 for real (DNS started before the api-server), the fixture's answers, and the §6 latency
 * from an Endpoints commit to the first reply reflecting it (cases 4 and 34), logged, not asserted.
 */
class DnsApiServerIT {
    private static final Logger LOG = Logger.getLogger(DnsApiServerIT.class);
    private static final int SAMPLES = 20;

    @Test
    void servesTheClusterFromTheRealApiServerAndFollowsItsChangesQuickly() throws Exception {
        try (ApiServerProcess apiServer = ApiServerProcess.embedded(Map.of());
             OrdinalClient client = OrdinalClient.connect(apiServer.target());
             DnsRuntime dns = DnsRuntime.start(DnsSpecCasesTest.fixtureSettings(), client, new SimpleMeterRegistry(), Clock.system())) {
            Dig dig = new Dig(dns.port());

            // Case 33: the api-server is not running yet.
            assertThat(Rcode.string(dig.query("A", "web-0.$N").getRcode())).isEqualTo("SERVFAIL");
            assertThat(dns.ready()).isFalse();

            apiServer.start();
            // The client's channel has been failing while the server was down; wait until it reconnects.
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> client.resources(dev.ordinal.api.v1.Namespace.class)
                            .list(dev.ordinal.client.ListOptions.all()) != null);
            Fixture fixture = new Fixture(client);
            createFixture(client, fixture);
            await().atMost(Duration.ofSeconds(60)).until(dns::ready);
            await().atMost(Duration.ofSeconds(10)).until(() -> dig.query("A", "web-0.$N").getRcode() == Rcode.NOERROR);

            assertThat(DnsChangesTest.addresses(dig.query("A", N))).containsExactlyInAnyOrder("127.64.0.10", "127.64.0.11");
            assertThat(DnsChangesTest.addresses(dig.query("A", "web-0.$N"))).containsExactly("127.64.0.10");
            assertThat(dig.query("A", "web-2.$N").getRcode()).isEqualTo(Rcode.NXDOMAIN);
            assertThat(DnsChangesTest.addresses(dig.ptr("127.64.0.10"))).containsExactly("web-0." + N);
            assertThat(DnsChangesTest.addresses(dig.query("A", "api.default.svc.$C"))).containsExactly("10.96.0.20");

            // Case 4, repeated: web-2 turns Ready, then not Ready again.
            List<Double> readyMs = new ArrayList<>();
            for (int i = 0; i < SAMPLES; i++) {
                fixture.modifyEndpoints("default", "nginx", e -> DnsChangesTest.withReady(e, "web-2", "127.64.0.12"));
                long committed = System.nanoTime();
                await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                        .until(() -> dig.query("A", "web-2.$N").getRcode() == Rcode.NOERROR);
                readyMs.add((System.nanoTime() - committed) / 1e6);
                fixture.modifyEndpoints("default", "nginx", e -> DnsChangesTest.withNotReady(e, "web-2", "127.64.0.12"));
                await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                        .until(() -> dig.query("A", "web-2.$N").getRcode() == Rcode.NXDOMAIN);
            }
            LOG.infof("case 4 (real api-server): Endpoints commit -> web-2 resolvable, %d samples: %s", SAMPLES, summary(readyMs));

            // Case 34: the governing Service is deleted.
            client.resources(Service.class).delete("default", "nginx");
            long deleted = System.nanoTime();
            await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                    .until(() -> dig.query("A", "web-0.$N").getRcode() == Rcode.NXDOMAIN);
            LOG.infof("case 34 (real api-server): Service delete -> web-0 NXDOMAIN in %.1f ms", (System.nanoTime() - deleted) / 1e6);
            assertThat(dig.ptr("127.64.0.10").getRcode()).isEqualTo(Rcode.NXDOMAIN);
        }
    }


    private static void createFixture(OrdinalClient client, Fixture fixture) {
        // The api-server may already hold the default namespace; the fixture creates what is missing.
        try {
            fixture.createAll(true);
        } catch (RuntimeException e) {
            LOG.errorf("fixture creation failed: %s", e.getMessage());
            throw e;
        }
    }

    static String summary(List<Double> ms) {
        List<Double> sorted = new ArrayList<>(ms);
        Collections.sort(sorted);
        return String.format("min %.1f ms, p50 %.1f ms, p90 %.1f ms, max %.1f ms",
                sorted.get(0), sorted.get(sorted.size() / 2), sorted.get((int) Math.ceil(sorted.size() * 0.9) - 1),
                sorted.get(sorted.size() - 1));
    }
}

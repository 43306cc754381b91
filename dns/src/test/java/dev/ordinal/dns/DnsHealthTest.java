package dev.ordinal.dns;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;

/**
 * The packaged service as an operator sees it with no api-server reachable (the test profile points
 * at 127.0.0.1:1): alive, not ready, in-zone queries SERVFAIL (case 33), and the metrics say so.
 */
@QuarkusTest
class DnsHealthTest {
    @Inject
    DnsService service;

    @Test
    void isAliveButNotReadyUntilTheViewSyncs() {
        given().when().get("/q/health/live")
                .then().statusCode(200)
                .body("status", equalTo("UP"));
        given().when().get("/q/health/ready")
                .then().statusCode(503)
                .body("checks[0].name", containsString("dns zone view synced"))
                .body("checks[0].status", equalTo("DOWN"));
    }

    @Test
    void answersServFailInZoneBeforeSyncAndCountsIt() {
        Dig dig = new Dig(service.port());
        assertThat(dig.query("A", "web-0.$N").getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(dig.tcp().query("A", "web-0.$N").getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(dig.query("A", "example.com.").getRcode()).isEqualTo(Rcode.REFUSED);
        given().when().get("/q/metrics")
                .then().statusCode(200)
                .body(containsString("ordinal_dns_queries_total{rcode=\"SERVFAIL\",transport=\"udp\",type=\"A\"}"))
                .body(containsString("ordinal_dns_request_duration_seconds_bucket"))
                .body(containsString("ordinal_dns_view_synced 0.0"));
    }
}

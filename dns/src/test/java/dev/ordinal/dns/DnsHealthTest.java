package dev.ordinal.dns;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** The dns service starts and reports itself healthy, as an operator's probe would see it. */
@QuarkusTest
class DnsHealthTest {
    @Test
    void reportsHealthy() {
        given().when().get("/q/health")
                .then().statusCode(200)
                .body("status", equalTo("UP"));
    }

    @Test
    void exposesPrometheusMetrics() {
        given().when().get("/q/metrics")
                .then().statusCode(200);
    }
}

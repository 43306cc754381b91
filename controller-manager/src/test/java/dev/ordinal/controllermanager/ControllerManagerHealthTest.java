package dev.ordinal.controllermanager;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * The controller-manager starts, reports itself alive, and — with no api-server to reach (the test
 * profile points it at a closed port) — not ready, as an operator's probes would see it.
 */
@QuarkusTest
class ControllerManagerHealthTest {
    @Test
    void isAlive() {
        given().when().get("/q/health/live")
                .then().statusCode(200)
                .body("status", equalTo("UP"));
    }

    @Test
    void isNotReadyWithoutAnApiServer() {
        given().when().get("/q/health/ready")
                .then().statusCode(503)
                .body("checks.find { it.name == 'controller-manager' }.data.api-server", equalTo("unreachable"));
    }

    @Test
    void exposesPrometheusMetrics() {
        given().when().get("/q/metrics")
                .then().statusCode(200);
    }
}

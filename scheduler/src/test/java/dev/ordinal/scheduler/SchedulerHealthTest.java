package dev.ordinal.scheduler;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** The scheduler service starts and reports itself healthy, as an operator's probe would see it. */
@QuarkusTest
class SchedulerHealthTest {
    @Test
    void reportsHealthy() {
        given().when().get("/q/health")
                .then().statusCode(200)
                .body("status", equalTo("UP"));
    }

    @Test
    void standingByWithoutAnApiServerIsReady() {
        // The test profile points at an address where nothing listens: no Lease can be taken, so the
        // scheduler stands by, which is a healthy state (a second scheduler process looks the same).
        given().when().get("/q/health/ready")
                .then().statusCode(200)
                .body("checks.find { it.name == 'scheduler' }.data.leading", equalTo(false));
    }

    @Test
    void exposesPrometheusMetrics() {
        given().when().get("/q/metrics")
                .then().statusCode(200)
                .body(org.hamcrest.Matchers.containsString("ordinal_scheduler_pending_pods"));
    }
}

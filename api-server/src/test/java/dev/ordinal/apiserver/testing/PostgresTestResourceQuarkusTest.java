package dev.ordinal.apiserver.testing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The api-server booted on the test database, and readiness following that database away and back. */
@QuarkusTest
@QuarkusTestResource(PostgresTestResource.class)
class PostgresTestResourceQuarkusTest {

    @Test
    void readinessGoesDownWhileTheTestDatabaseIsUnreachableAndRecovers() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));

        PostgresTestResource.makeDatabaseUnreachable();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    given().get("/q/health/ready").then().statusCode(503).body("status", equalTo("DOWN")));
        } finally {
            PostgresTestResource.makeDatabaseReachable();
        }

        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP")));
    }
}

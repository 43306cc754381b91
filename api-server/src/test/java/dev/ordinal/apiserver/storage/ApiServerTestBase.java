package dev.ordinal.apiserver.storage;

import io.quarkus.test.common.http.TestHTTPResource;
import java.net.URL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Gives each test a fresh gRPC client connected to the api-server under test. */
abstract class ApiServerTestBase {
    @TestHTTPResource("/")
    URL server;

    ApiClient api;

    @BeforeEach
    void connect() {
        api = new ApiClient(server);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        api.close();
    }
}

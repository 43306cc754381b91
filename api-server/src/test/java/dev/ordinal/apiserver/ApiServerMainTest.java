package dev.ordinal.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The embedded-db settings are read before Quarkus boots, from the same sources Quarkus uses. */
class ApiServerMainTest {

    @AfterEach
    void clearOverrides() {
        System.clearProperty("ordinal.api-server.embedded-db.dir");
        System.clearProperty("ordinal.api-server.embedded-db.port");
    }

    @Test
    void defaultsPutTheDatabaseUnderDotClusterWithFsyncOn() {
        ApiServerConfig.EmbeddedDb settings = embeddedDb();

        assertThat(settings.dir()).isEqualTo(".cluster/postgres");
        assertThat(settings.port()).isZero();
        assertThat(settings.fsync()).isTrue();
        assertThat(settings.useBundledBinaries()).isFalse();
        assertThat(settings.osUser()).isEqualTo("ordinal");
    }

    @Test
    void systemPropertiesOverrideTheDefaults() {
        System.setProperty("ordinal.api-server.embedded-db.dir", "/var/lib/ordinal/postgres");
        System.setProperty("ordinal.api-server.embedded-db.port", "5433");

        ApiServerConfig.EmbeddedDb settings = embeddedDb();

        assertThat(settings.dir()).isEqualTo("/var/lib/ordinal/postgres");
        assertThat(settings.port()).isEqualTo(5433);
    }

    private static ApiServerConfig.EmbeddedDb embeddedDb() {
        return ApiServerMain.configBeforeBoot().getConfigMapping(ApiServerConfig.EmbeddedDb.class,
                "ordinal.api-server.embedded-db");
    }
}

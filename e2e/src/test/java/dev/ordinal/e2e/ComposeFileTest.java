package dev.ordinal.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * deploy/docker-compose.yml as docker-compose reads it, and its wiring as the containers need it
 * (checked without an engine; {@link ComposeTopologyIT} then starts it).
 */
class ComposeFileTest {

    @Test
    void dockerComposeAcceptsTheFile() throws Exception {
        Optional<ComposeFile.Result> result = ComposeFile.dockerCompose(ComposeFile.checkoutRoot(), "config", "-q");
        assertThat(result).as("docker-compose is not installed (Debian: apt-get install docker-compose; .ci/run installs it)").isPresent();
        assertThat(result.get().exit()).as("docker-compose config says:\n%s", result.get().output()).isZero();
    }

    @Test
    void everyServiceIsWiredForContainers() throws Exception {
        ComposeFile compose = ComposeFile.load();
        assertThat(compose.problems()).as("what %s gets wrong", compose.file).isEmpty();
        assertThat(compose.services.keySet()).contains("postgres", "api-server", "controller-manager", "scheduler", "node-1", "node-2",
                "node-3", "dns");
    }

    @Test
    void theChecksNameWhatAMistakenFileGetsWrong() throws Exception {
        String text = Files.readString(ComposeFile.checkoutRoot().resolve("deploy/docker-compose.yml"))
                .replace("ORDINAL_SCHEDULER_API_SERVER: api-server:6443", "ORDINAL_SCHEDULER_APISERVER: api-server:6443")
                .replace("ORDINAL_NODE_AGENT_NODE_NAME: node-3", "ORDINAL_NODE_AGENT_NODE_NAME: node-2")
                .replace("KUBE_DB_URL: postgresql://ordinal:ordinal@postgres:5432/ordinal", "KUBE_DB_URL: postgresql://ordinal:ordinal@db:5432/ordinal")
                .replace("ORDINAL_DNS_HTTP_PORT: \"10054\"", "ORDINAL_DNS_HTTP_PORT: \"10055\"");
        assertThat(ComposeFile.parse(ComposeFile.checkoutRoot(), text).problems()).contains(
                "scheduler: ORDINAL_SCHEDULER_APISERVER is not a known setting (not in docs/configuration.md); a misspelt key is ignored and its default used",
                "scheduler: ORDINAL_SCHEDULER_API_SERVER is null, must be api-server:6443 (the api-server service and its port)",
                "node-3: ORDINAL_NODE_AGENT_NODE_NAME must be set and differ between node agents, is node-2",
                "api-server: KUBE_DB_URL names host db, the PostgreSQL service is postgres",
                "dns: serves HTTP on 10055 (ORDINAL_DNS_HTTP_PORT) but does not list it under expose");
    }
}

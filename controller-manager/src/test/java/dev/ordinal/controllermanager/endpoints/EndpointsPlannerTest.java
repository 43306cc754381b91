package dev.ordinal.controllermanager.endpoints;

import static dev.ordinal.controllermanager.TestObjects.headlessService;
import static dev.ordinal.controllermanager.TestObjects.pod;
import static dev.ordinal.controllermanager.TestObjects.running;
import static dev.ordinal.controllermanager.TestObjects.withUid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.api.v1.ContainerPort;
import dev.ordinal.api.v1.EndpointAddress;
import dev.ordinal.api.v1.EndpointSubset;
import dev.ordinal.api.v1.Endpoints;
import dev.ordinal.api.v1.IntOrString;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.Service;
import dev.ordinal.api.v1.ServicePort;
import dev.ordinal.client.api.Times;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EndpointsPlannerTest {
    private static final Map<String, String> APP = Map.of("app", "web");
    private final Service nginx = headlessService("default", "nginx", APP);

    private Pod web(int i, boolean ready) {
        return withUid(running(pod("default", "web-" + i, APP, "nginx"), "node-" + i, "127.64.0." + (10 + i), ready), "uid-" + i);
    }

    @Test
    void readyPodsAreAddressesWithHostnameNodeAndTargetRefAndOthersAreNotReady() {
        List<EndpointSubset> subsets = EndpointsPlanner.subsets(nginx, List.of(web(0, true), web(1, false)));

        assertThat(subsets).hasSize(1);
        EndpointSubset s = subsets.get(0);
        assertThat(s.getAddressesList()).extracting(EndpointAddress::getIp).containsExactly("127.64.0.10");
        EndpointAddress a = s.getAddresses(0);
        assertThat(a.getHostname()).isEqualTo("web-0");
        assertThat(a.getNodeName()).isEqualTo("node-0");
        assertThat(a.getTargetRef().getKind()).isEqualTo("Pod");
        assertThat(a.getTargetRef().getName()).isEqualTo("web-0");
        assertThat(a.getTargetRef().getUid()).isEqualTo("uid-0");
        assertThat(s.getNotReadyAddressesList()).extracting(EndpointAddress::getIp).containsExactly("127.64.0.11");
        assertThat(s.getPortsList()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("web");
            assertThat(p.getPort()).isEqualTo(8080); // the resolved targetPort, as DNS SRV expects
            assertThat(p.getProtocol()).isEqualTo("TCP");
        });
    }

    @Test
    void hostnameOnlyWhenTheSubdomainNamesThisService() {
        Pod other = withUid(running(pod("default", "web-0", APP, "another-service"), "n", "127.64.0.10", true), "u");
        EndpointAddress a = EndpointsPlanner.subsets(nginx, List.of(other)).get(0).getAddresses(0);
        assertThat(a.getHostname()).isEmpty();
    }

    @Test
    void podsWithoutIpTerminalOrOfOtherLabelsAreLeftOut() {
        Pod noIp = withUid(pod("default", "web-5", APP, "nginx"), "u5");
        Pod failed = web(6, false).toBuilder().setStatus(web(6, false).getStatus().toBuilder().setPhase("Failed")).build();
        Pod succeeded = web(7, true).toBuilder().setStatus(web(7, true).getStatus().toBuilder().setPhase("Succeeded")).build();
        Pod foreign = withUid(running(pod("default", "db-0", Map.of("app", "db"), "nginx"), "n", "127.64.0.99", true), "u");
        Pod otherNamespace = withUid(running(pod("other", "web-0", APP, "nginx"), "n", "127.64.0.98", true), "u");

        assertThat(EndpointsPlanner.subsets(nginx, List.of(noIp, failed, succeeded, foreign, otherNamespace))).isEmpty();
    }

    @Test
    void terminatingPodsLeaveUnlessNotReadyAddressesArePublished() {
        Pod terminating = web(0, true).toBuilder().setMetadata(web(0, true).getMetadata().toBuilder()
                .setDeletionTimestamp(Times.timestamp(Instant.parse("2026-01-01T00:00:00Z")))).build();
        assertThat(EndpointsPlanner.subsets(nginx, List.of(terminating))).isEmpty();

        Service publishing = nginx.toBuilder().setSpec(nginx.getSpec().toBuilder().setPublishNotReadyAddresses(true)).build();
        List<EndpointSubset> subsets = EndpointsPlanner.subsets(publishing, List.of(terminating, web(1, false)));
        assertThat(subsets.get(0).getAddressesList()).extracting(EndpointAddress::getIp)
                .containsExactly("127.64.0.10", "127.64.0.11");
        assertThat(subsets.get(0).getNotReadyAddressesList()).isEmpty();
    }

    @Test
    void namedTargetPortResolvesPerPodAndPodsWithoutItAreLeftOutOfThatPort() {
        Service svc = nginx.toBuilder().setSpec(nginx.getSpec().toBuilder().clearPorts()
                .addPorts(ServicePort.newBuilder().setName("http").setPort(80).setProtocol("TCP")
                        .setTargetPort(IntOrString.newBuilder().setStrVal("http")))).build();
        Pod withPort = web(0, true);
        withPort = withPort.toBuilder().setSpec(withPort.getSpec().toBuilder().setContainers(0, withPort.getSpec().getContainers(0)
                .toBuilder().addPorts(ContainerPort.newBuilder().setName("http").setContainerPort(9090)))).build();

        List<EndpointSubset> subsets = EndpointsPlanner.subsets(svc, List.of(withPort, web(1, true)));

        assertThat(subsets).singleElement().satisfies(s -> {
            assertThat(s.getAddressesList()).extracting(EndpointAddress::getIp).containsExactly("127.64.0.10");
            assertThat(s.getPorts(0).getPort()).isEqualTo(9090);
        });
    }

    @Test
    void headlessServiceWithoutPortsStillListsAddresses() {
        Service svc = nginx.toBuilder().setSpec(nginx.getSpec().toBuilder().clearPorts()).build();
        List<EndpointSubset> subsets = EndpointsPlanner.subsets(svc, List.of(web(0, true)));
        assertThat(subsets).singleElement().satisfies(s -> {
            assertThat(s.getAddressesCount()).isEqualTo(1);
            assertThat(s.getPortsList()).isEmpty();
        });
    }

    @Test
    void createsWithServiceLabelsAndTheHeadlessLabel() {
        Service labelled = nginx.toBuilder().setMetadata(nginx.getMetadata().toBuilder().putLabels("team", "a")).build();
        EndpointsPlanner.Action action = EndpointsPlanner.plan(Optional.of(labelled), Optional.empty(), List.of(web(0, true)));

        assertThat(action).isInstanceOfSatisfying(EndpointsPlanner.Create.class, c -> {
            assertThat(c.endpoints().getMetadata().getName()).isEqualTo("nginx");
            assertThat(c.endpoints().getMetadata().getLabelsMap())
                    .containsEntry("team", "a").containsEntry(EndpointsPlanner.HEADLESS_LABEL, "");
        });
    }

    @Test
    void unchangedContentIsNoWriteWhateverTheStoredOrder() {
        List<Pod> pods = List.of(web(0, true), web(1, true), web(2, false));
        Endpoints created = ((EndpointsPlanner.Create) EndpointsPlanner.plan(Optional.of(nginx), Optional.empty(), pods)).endpoints();
        EndpointSubset s = created.getSubsets(0);
        Endpoints reordered = created.toBuilder().setSubsets(0, s.toBuilder().clearAddresses()
                .addAddresses(s.getAddresses(1)).addAddresses(s.getAddresses(0))).build();

        assertThat(EndpointsPlanner.plan(Optional.of(nginx), Optional.of(reordered), pods)).isInstanceOf(EndpointsPlanner.None.class);
        assertThat(EndpointsPlanner.plan(Optional.of(nginx), Optional.of(created), List.of(web(0, true), web(1, true), web(2, true))))
                .isInstanceOf(EndpointsPlanner.Update.class);
    }

    @Test
    void endpointsOfAGoneServiceAreDeletedAndHandWrittenOnesKept() {
        Endpoints stale = Endpoints.newBuilder().setMetadata(dev.ordinal.controllermanager.TestObjects.meta("default", "nginx", "e1")).build();
        assertThat(EndpointsPlanner.plan(Optional.empty(), Optional.of(stale), List.of()))
                .isEqualTo(new EndpointsPlanner.Delete("default", "nginx", "e1"));

        Service noSelector = nginx.toBuilder().setSpec(nginx.getSpec().toBuilder().clearSelector()).build();
        assertThat(EndpointsPlanner.plan(Optional.of(noSelector), Optional.of(stale), List.of()))
                .isInstanceOf(EndpointsPlanner.None.class);
    }

    @Test
    void portsSharingTheSameAddressesShareOneSubset() {
        Service two = nginx.toBuilder().setSpec(nginx.getSpec().toBuilder()
                .addPorts(ServicePort.newBuilder().setName("metrics").setPort(9100).setProtocol("TCP")
                        .setTargetPort(IntOrString.newBuilder().setIntVal(9100)))).build();
        List<EndpointSubset> subsets = EndpointsPlanner.subsets(two, List.of(web(0, true), web(1, true)));
        assertThat(subsets).singleElement().satisfies(s -> {
            assertThat(s.getAddressesCount()).isEqualTo(2);
            assertThat(s.getPortsCount()).isEqualTo(2);
        });
    }
}

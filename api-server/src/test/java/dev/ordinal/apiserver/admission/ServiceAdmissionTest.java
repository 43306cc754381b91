package dev.ordinal.apiserver.admission;

import static dev.ordinal.apiserver.admission.Fixtures.assertCause;
import static dev.ordinal.apiserver.admission.Fixtures.assertOnlyCause;
import static dev.ordinal.apiserver.admission.Fixtures.create;
import static dev.ordinal.apiserver.admission.Fixtures.createRejected;
import static dev.ordinal.apiserver.admission.Fixtures.meta;
import static dev.ordinal.apiserver.admission.Fixtures.update;
import static dev.ordinal.apiserver.admission.Fixtures.updateRejected;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.api.v1.EndpointAddress;
import dev.ordinal.api.v1.EndpointPort;
import dev.ordinal.api.v1.EndpointSubset;
import dev.ordinal.api.v1.Endpoints;
import dev.ordinal.api.v1.IntOrString;
import dev.ordinal.api.v1.Service;
import dev.ordinal.api.v1.ServicePort;
import dev.ordinal.api.v1.ServiceSpec;
import dev.ordinal.api.v1.StatusCause;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceAdmissionTest {

    private static Service headless(ServicePort.Builder... ports) {
        ServiceSpec.Builder spec = ServiceSpec.newBuilder().setClusterIp("None").putSelector("app", "web");
        for (ServicePort.Builder p : ports) {
            spec.addPorts(p);
        }
        return Service.newBuilder().setMetadata(meta("nginx")).setSpec(spec).build();
    }

    @Test
    void defaultsTypeAffinityProtocolAndTargetPort() {
        ServiceSpec spec = create(headless(ServicePort.newBuilder().setName("web").setPort(80))).getSpec();
        assertThat(spec.getType()).isEqualTo("ClusterIP");
        assertThat(spec.getSessionAffinity()).isEqualTo("None");
        assertThat(spec.getPorts(0).getProtocol()).isEqualTo("TCP");
        assertThat(spec.getPorts(0).getTargetPort()).isEqualTo(IntOrString.newBuilder().setIntVal(80).build());
        assertThat(spec.getClusterIp()).isEqualTo("None");
        assertThat(spec.getClusterIpsList()).containsExactly("None");
    }

    @Test
    void aHeadlessServiceMayHaveNoPorts() {
        assertThat(create(headless()).getSpec().getPortsCount()).isZero();
    }

    @Test
    void validatesPorts() {
        List<StatusCause> causes = createRejected(headless(
                ServicePort.newBuilder().setName("web").setPort(80).setTargetPort(IntOrString.newBuilder().setStrVal("not_a_name")),
                ServicePort.newBuilder().setPort(70000).setProtocol("ICMP"),
                ServicePort.newBuilder().setName("web").setPort(81).setTargetPort(IntOrString.newBuilder().setIntVal(0))
                        .setNodePort(30000)));
        assertCause(causes, "spec.ports[0].targetPort", FieldErrors.INVALID, "must contain only alpha-numeric characters");
        assertCause(causes, "spec.ports[1].name", FieldErrors.REQUIRED, "each port must be named");
        assertCause(causes, "spec.ports[1].port", FieldErrors.INVALID, "must be between 1 and 65535, inclusive");
        assertCause(causes, "spec.ports[1].protocol", FieldErrors.NOT_SUPPORTED, "\"TCP\", \"UDP\", \"SCTP\"");
        assertCause(causes, "spec.ports[2].name", FieldErrors.DUPLICATE, "\"web\"");
        assertCause(causes, "spec.ports[2].nodePort", FieldErrors.FORBIDDEN, "may not be used when `type` is 'ClusterIP'");
        // targetPort defaults to port, so the out-of-range port is reported for both, as Kubernetes does.
        assertCause(causes, "spec.ports[1].targetPort", FieldErrors.INVALID, "must be between 1 and 65535, inclusive");
        assertThat(causes).hasSize(7);
    }

    @Test
    void validatesTypeAndSelector() {
        Service svc = headless(ServicePort.newBuilder().setPort(80));
        svc = svc.toBuilder().setSpec(svc.getSpec().toBuilder().setType("Magic").putSelector("app", "we b")).build();
        List<StatusCause> causes = createRejected(svc);
        assertCause(causes, "spec.type", FieldErrors.NOT_SUPPORTED, "\"ClusterIP\", \"NodePort\"");
        assertCause(causes, "spec.selector[app]", FieldErrors.INVALID, "a valid label must be an empty string");
    }

    @Test
    void clusterIpIsImmutable() {
        Service old = create(headless(ServicePort.newBuilder().setPort(80)));
        Service changed = old.toBuilder().setSpec(old.getSpec().toBuilder().setClusterIp("").clearClusterIps()).build();
        assertOnlyCause(updateRejected(changed, old), "spec.clusterIP", FieldErrors.INVALID, "field is immutable");
        Service selectorChanged = old.toBuilder().setSpec(old.getSpec().toBuilder().putSelector("tier", "db")).build();
        assertThat(update(selectorChanged, old).getSpec().getSelectorMap()).containsEntry("tier", "db");
    }

    private static Endpoints endpoints(EndpointSubset.Builder subset) {
        return Endpoints.newBuilder().setMetadata(meta("nginx")).addSubsets(subset).build();
    }

    @Test
    void endpointsAcceptOrdinalsLoopbackPodAddresses() {
        Endpoints ep = create(endpoints(EndpointSubset.newBuilder()
                .addAddresses(EndpointAddress.newBuilder().setIp("127.64.0.7").setHostname("web-0").setNodeName("node-1"))
                .addPorts(EndpointPort.newBuilder().setPort(80))));
        assertThat(ep.getSubsets(0).getPorts(0).getProtocol()).isEqualTo("TCP");
    }

    @Test
    void endpointsValidateAddressesAndPorts() {
        List<StatusCause> causes = createRejected(endpoints(EndpointSubset.newBuilder()
                .addAddresses(EndpointAddress.newBuilder().setIp("10.0.0.256").setHostname("Web_0"))
                .addPorts(EndpointPort.newBuilder().setName("a").setPort(0))
                .addPorts(EndpointPort.newBuilder().setName("a").setPort(81))));
        assertCause(causes, "subsets[0].addresses[0].ip", FieldErrors.INVALID, "must be a valid IPv4 address");
        assertCause(causes, "subsets[0].addresses[0].hostname", FieldErrors.INVALID, "RFC 1123 label");
        assertCause(causes, "subsets[0].ports[0].port", FieldErrors.INVALID, "must be between 1 and 65535");
        assertCause(causes, "subsets[0].ports[1].name", FieldErrors.DUPLICATE, "\"a\"");
        assertThat(causes).hasSize(4);
        assertOnlyCause(createRejected(endpoints(EndpointSubset.newBuilder())), "subsets[0]", FieldErrors.REQUIRED,
                "must specify `addresses` or `notReadyAddresses`");
    }
}

package dev.ordinal.apiserver.admission;

import dev.ordinal.api.v1.EndpointAddress;
import dev.ordinal.api.v1.EndpointPort;
import dev.ordinal.api.v1.EndpointSubset;
import dev.ordinal.api.v1.Endpoints;
import dev.ordinal.api.v1.Service;
import dev.ordinal.api.v1.ServicePort;
import dev.ordinal.api.v1.ServiceSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Validation of Services and Endpoints. */
final class ServiceValidation {
    static final List<String> SERVICE_TYPES = List.of("ClusterIP", "NodePort", "LoadBalancer", "ExternalName");

    private ServiceValidation() {
    }

    static void validateService(Service service, FieldErrors errs) {
        ServiceSpec spec = service.getSpec();
        FieldPath path = FieldPath.root("spec");
        FieldRules.oneOf(path.child("type"), spec.getType(), SERVICE_TYPES, errs);
        FieldRules.oneOf(path.child("sessionAffinity"), spec.getSessionAffinity(), List.of("None", "ClientIP"), errs);
        boolean headless = spec.getClusterIp().equals("None");
        String clusterIp = spec.getClusterIp();
        if (!clusterIp.isEmpty() && !headless && !FieldRules.isIpv4(clusterIp)) {
            errs.invalid(path.child("clusterIP"), clusterIp, "must be empty, 'None', or a valid IP address");
        }
        if (headless && !spec.getType().equals("ClusterIP")) {
            errs.invalid(path.child("clusterIP"), clusterIp, "may not be set to 'None' for " + spec.getType() + " services");
        }
        if (spec.getClusterIpsCount() > 0 && !spec.getClusterIps(0).equals(clusterIp)) {
            errs.invalid(path.child("clusterIPs").index(0), spec.getClusterIps(0), "must be same as `clusterIP`");
        }
        if (spec.getType().equals("ExternalName")) {
            if (spec.getExternalName().isEmpty()) {
                errs.required(path.child("externalName"));
            } else {
                FieldRules.dns1123Subdomain(path.child("externalName"), spec.getExternalName(), errs);
            }
        } else if (spec.getPortsCount() == 0 && !headless) {
            errs.required(path.child("ports"));
        }
        List<ServicePort> ports = spec.getPortsList();
        Set<String> names = new HashSet<>();
        Set<String> portProtocols = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            ServicePort port = ports.get(i);
            FieldPath p = path.child("ports").index(i);
            if (port.getName().isEmpty()) {
                if (ports.size() > 1) {
                    errs.required(p.child("name"), "each port must be named when a service has more than one");
                }
            } else {
                FieldRules.uniqueDns1123Label(p.child("name"), port.getName(), names, errs);
            }
            if (port.getPort() == 0) {
                errs.required(p.child("port"));
            } else {
                FieldRules.port(p.child("port"), port.getPort(), errs);
            }
            FieldRules.oneOf(p.child("protocol"), port.getProtocol(), FieldRules.PROTOCOLS, errs);
            FieldRules.portNumberOrName(p.child("targetPort"), port.getTargetPort(), errs);
            if (port.getNodePort() != 0) {
                if (spec.getType().equals("ClusterIP") || spec.getType().equals("ExternalName")) {
                    errs.forbidden(p.child("nodePort"), "may not be used when `type` is '" + spec.getType() + "'");
                } else {
                    FieldRules.port(p.child("nodePort"), port.getNodePort(), errs);
                }
            }
            if (!portProtocols.add(port.getPort() + "/" + port.getProtocol())) {
                errs.duplicate(p, port.getPort() + "/" + port.getProtocol());
            }
        }
        FieldRules.labels(path.child("selector"), spec.getSelectorMap(), errs);
    }

    static void validateServiceUpdate(Service updated, Service old, FieldErrors errs) {
        String oldIp = old.getSpec().getClusterIp();
        String newIp = updated.getSpec().getClusterIp();
        if (!oldIp.equals(newIp)) {
            errs.immutable(FieldPath.root("spec").child("clusterIP"), newIp);
        }
    }

    static void validateServiceStatus(Service service, FieldErrors errs) {
        FieldPath path = FieldPath.root("status").child("conditions");
        for (int i = 0; i < service.getStatus().getConditionsCount(); i++) {
            FieldRules.condition(service.getStatus().getConditions(i), path.index(i), errs);
        }
    }

    static void validateEndpoints(Endpoints endpoints, FieldErrors errs) {
        List<EndpointSubset> subsets = endpoints.getSubsetsList();
        for (int i = 0; i < subsets.size(); i++) {
            EndpointSubset s = subsets.get(i);
            FieldPath p = FieldPath.root("subsets").index(i);
            if (s.getAddressesCount() == 0 && s.getNotReadyAddressesCount() == 0) {
                errs.required(p, "must specify `addresses` or `notReadyAddresses`");
            }
            addresses(s.getAddressesList(), p.child("addresses"), errs);
            addresses(s.getNotReadyAddressesList(), p.child("notReadyAddresses"), errs);
            Set<String> names = new HashSet<>();
            for (int j = 0; j < s.getPortsCount(); j++) {
                EndpointPort port = s.getPorts(j);
                FieldPath pp = p.child("ports").index(j);
                if (port.getName().isEmpty()) {
                    if (s.getPortsCount() > 1) {
                        errs.required(pp.child("name"));
                    }
                } else {
                    FieldRules.uniqueDns1123Label(pp.child("name"), port.getName(), names, errs);
                }
                FieldRules.port(pp.child("port"), port.getPort(), errs);
                FieldRules.oneOf(pp.child("protocol"), port.getProtocol(), FieldRules.PROTOCOLS, errs);
            }
        }
    }

    // Unlike Kubernetes, loopback addresses are allowed: Ordinal's pods live in 127.64.0.0/10.
    private static void addresses(List<EndpointAddress> addresses, FieldPath path, FieldErrors errs) {
        for (int i = 0; i < addresses.size(); i++) {
            EndpointAddress a = addresses.get(i);
            FieldPath p = path.index(i);
            if (a.getIp().isEmpty()) {
                errs.required(p.child("ip"));
            } else if (!FieldRules.isIpv4(a.getIp())) {
                errs.invalid(p.child("ip"), a.getIp(), "must be a valid IPv4 address");
            }
            if (!a.getHostname().isEmpty()) {
                FieldRules.dns1123Label(p.child("hostname"), a.getHostname(), errs);
            }
            if (a.hasNodeName() && !a.getNodeName().isEmpty()) {
                FieldRules.dns1123Subdomain(p.child("nodeName"), a.getNodeName(), errs);
            }
        }
    }
}

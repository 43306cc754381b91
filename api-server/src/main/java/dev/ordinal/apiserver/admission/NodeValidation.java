package dev.ordinal.apiserver.admission;

import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeStatus;
import dev.ordinal.api.v1.Taint;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Validation of Nodes: taints in the spec, resource quantities and conditions in the status. */
final class NodeValidation {
    static final List<String> ADDRESS_TYPES = List.of("Hostname", "InternalIP", "ExternalIP", "InternalDNS", "ExternalDNS");

    private NodeValidation() {
    }

    static void validate(Node node, FieldErrors errs) {
        FieldPath taints = FieldPath.root("spec").child("taints");
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < node.getSpec().getTaintsCount(); i++) {
            Taint t = node.getSpec().getTaints(i);
            FieldPath p = taints.index(i);
            if (t.getKey().isEmpty()) {
                errs.required(p.child("key"));
            } else {
                FieldRules.qualifiedName(p.child("key"), t.getKey(), errs);
            }
            FieldRules.labelValue(p.child("value"), t.getValue(), errs);
            FieldRules.oneOf(p.child("effect"), t.getEffect(), PodValidation.TAINT_EFFECTS, errs);
            if (!seen.add(t.getKey() + ":" + t.getEffect())) {
                errs.duplicate(p, t.getKey() + ":" + t.getEffect());
            }
        }
        validateStatus(node.getStatus(), errs);
    }

    static void validateStatus(NodeStatus status, FieldErrors errs) {
        FieldPath path = FieldPath.root("status");
        resources(status.getCapacityMap(), path.child("capacity"), errs);
        resources(status.getAllocatableMap(), path.child("allocatable"), errs);
        for (int i = 0; i < status.getConditionsCount(); i++) {
            FieldPath p = path.child("conditions").index(i);
            if (status.getConditions(i).getType().isEmpty()) {
                errs.required(p.child("type"));
            }
            FieldRules.conditionStatus(p.child("status"), status.getConditions(i).getStatus(), errs);
        }
        for (int i = 0; i < status.getAddressesCount(); i++) {
            FieldPath p = path.child("addresses").index(i);
            FieldRules.oneOf(p.child("type"), status.getAddresses(i).getType(), ADDRESS_TYPES, errs);
            if (status.getAddresses(i).getAddress().isEmpty()) {
                errs.required(p.child("address"));
            }
        }
    }

    private static void resources(Map<String, String> resources, FieldPath path, FieldErrors errs) {
        new TreeMap<>(resources).forEach((name, value) -> {
            FieldRules.qualifiedName(path.key(name), name, errs);
            FieldRules.nonNegativeQuantity(path.key(name), value, errs);
        });
    }
}

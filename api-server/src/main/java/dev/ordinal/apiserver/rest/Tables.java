package dev.ordinal.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Timestamp;
import dev.ordinal.api.v1.ContainerStatus;
import dev.ordinal.api.v1.ControllerRevision;
import dev.ordinal.api.v1.EndpointAddress;
import dev.ordinal.api.v1.EndpointPort;
import dev.ordinal.api.v1.EndpointSubset;
import dev.ordinal.api.v1.Event;
import dev.ordinal.api.v1.Lease;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeAddress;
import dev.ordinal.api.v1.NodeCondition;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.OwnerReference;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.Service;
import dev.ordinal.api.v1.ServicePort;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.api.v1.VolumeAttachment;
import dev.ordinal.client.api.ApiObjects;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.api.Times;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Server-side printing: the {@code meta.k8s.io/v1 Table} that {@code kubectl get} shows, with the columns
 * and cell formats Kubernetes' own printers use (pkg/printers/internalversion). Cells are preformatted
 * strings or integers; columns of priority 1 appear only with {@code -o wide}. Pure: the time is given.
 */
final class Tables {
    record Column(String name, String type, String format, int priority, String description) {
    }

    private record Printer(List<Column> columns, Function<Object, List<java.lang.Object>> cells) {
    }

    private Tables() {
    }

    /** A Table of {@code objects}; {@code includeObject} is None, Metadata (default) or Object. */
    static ObjectNode table(Kind kind, List<Object> objects, String resourceVersion, String continueToken,
            String includeObject, Instant now) {
        Printer printer = printer(kind, now);
        ObjectNode table = KubeJson.NODES.objectNode();
        table.put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
        ObjectNode metadata = table.putObject("metadata");
        if (resourceVersion != null && !resourceVersion.isEmpty()) {
            metadata.put("resourceVersion", resourceVersion);
        }
        if (continueToken != null && !continueToken.isEmpty()) {
            metadata.put("continue", continueToken);
        }
        ArrayNode columns = table.putArray("columnDefinitions");
        for (Column c : printer.columns()) {
            columns.addObject().put("name", c.name()).put("type", c.type()).put("format", c.format())
                    .put("description", c.description()).put("priority", c.priority());
        }
        ArrayNode rows = table.putArray("rows");
        for (Object object : objects) {
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            for (java.lang.Object cell : printer.cells().apply(object)) {
                if (cell instanceof Number n) {
                    cells.add(n.longValue());
                } else {
                    cells.add(String.valueOf(cell));
                }
            }
            if ("Object".equals(includeObject)) {
                row.set("object", KubeJson.toJson(object));
            } else if (!"None".equals(includeObject)) {
                ObjectNode partial = row.putObject("object");
                partial.put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
                JsonNode meta = KubeJson.toJson(object).get("metadata");
                partial.set("metadata", meta == null ? KubeJson.NODES.objectNode() : meta);
            }
        }
        return table;
    }

    private static Column col(String name, String description) {
        return new Column(name, "string", "", 0, description);
    }

    private static Column wide(String name, String description) {
        return new Column(name, "string", "", 1, description);
    }

    private static Column nameColumn() {
        return new Column("Name", "string", "name", 0, "Name must be unique within a namespace.");
    }

    private static Column ageColumn() {
        return col("Age", "CreationTimestamp is a timestamp representing the server time when this object was created.");
    }

    private static Printer printer(Kind kind, Instant now) {
        Function<Object, String> age = o -> age(ApiObjects.meta(o).getCreationTimestamp(), now);
        Function<Object, String> name = o -> ApiObjects.meta(o).getName();
        return switch (kind) {
            case POD -> new Printer(List.of(nameColumn(), col("Ready", "The aggregate readiness state of this pod for accepting traffic."),
                    col("Status", "The aggregate status of the containers in this pod."),
                    col("Restarts", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
                    ageColumn(), wide("IP", "IP address assigned to the pod"), wide("Node", "Name of the node this pod is assigned to"),
                    wide("Nominated Node", "Name of the node where the pod is nominated to run"),
                    wide("Readiness Gates", "Readiness gates of the pod")),
                    o -> podCells(o.getPod(), age.apply(o), now));
            case STATEFUL_SET -> new Printer(List.of(nameColumn(), col("Ready", "Number of the pod with ready state"), ageColumn(),
                    wide("Containers", "Names of each container in the template."),
                    wide("Images", "Images referenced by each container in the template.")),
                    o -> {
                        StatefulSet s = o.getStatefulSet();
                        int replicas = s.getSpec().hasReplicas() ? s.getSpec().getReplicas() : 1;
                        var containers = s.getSpec().getTemplate().getSpec().getContainersList();
                        return List.of(name.apply(o), s.getStatus().getReadyReplicas() + "/" + replicas, age.apply(o),
                                containers.stream().map(c -> c.getName()).collect(Collectors.joining(",")),
                                containers.stream().map(c -> c.getImage()).collect(Collectors.joining(",")));
                    });
            case PERSISTENT_VOLUME_CLAIM -> new Printer(List.of(nameColumn(), col("Status", "The phase of the claim"),
                    col("Volume", "The volume bound to the claim"), col("Capacity", "The capacity of the bound volume"),
                    col("Access Modes", "The access modes of the bound volume"), col("StorageClass", "The storage class of the claim"),
                    col("VolumeAttributesClass", "The volume attributes class of the claim"), ageColumn(),
                    wide("VolumeMode", "The volume mode of the claim")),
                    o -> {
                        PersistentVolumeClaim c = o.getPersistentVolumeClaim();
                        boolean bound = !c.getSpec().getVolumeName().isEmpty();
                        return List.of(name.apply(o), c.getStatus().getPhase(), c.getSpec().getVolumeName(),
                                bound ? c.getStatus().getCapacityOrDefault("storage", "") : "",
                                bound ? accessModes(c.getStatus().getAccessModesList()) : "",
                                c.getSpec().getStorageClassName(), "<unset>", age.apply(o),
                                c.getSpec().hasVolumeMode() ? c.getSpec().getVolumeMode() : "Filesystem");
                    });
            case PERSISTENT_VOLUME -> new Printer(List.of(nameColumn(), col("Capacity", "The capacity of the volume"),
                    col("Access Modes", "The access modes of the volume"), col("Reclaim Policy", "What happens to the volume when released"),
                    col("Status", "The phase of the volume"), col("Claim", "The claim bound to the volume"),
                    col("StorageClass", "The storage class of the volume"), col("VolumeAttributesClass", "The volume attributes class"),
                    col("Reason", "Why the volume is in this phase"), ageColumn(), wide("VolumeMode", "The volume mode")),
                    o -> {
                        PersistentVolume v = o.getPersistentVolume();
                        String claim = v.getSpec().hasClaimRef()
                                ? v.getSpec().getClaimRef().getNamespace() + "/" + v.getSpec().getClaimRef().getName() : "";
                        return List.of(name.apply(o), v.getSpec().getCapacityOrDefault("storage", ""),
                                accessModes(v.getSpec().getAccessModesList()), v.getSpec().getPersistentVolumeReclaimPolicy(),
                                v.getStatus().getPhase(), claim, v.getSpec().getStorageClassName(), "<unset>",
                                v.getStatus().getReason(), age.apply(o),
                                v.getSpec().hasVolumeMode() ? v.getSpec().getVolumeMode() : "Filesystem");
                    });
            case SERVICE -> new Printer(List.of(nameColumn(), col("Type", "The type of the service"),
                    col("Cluster-IP", "The cluster IP of the service"), col("External-IP", "The external IPs of the service"),
                    col("Port(s)", "The ports of the service"), ageColumn(), wide("Selector", "The selector of the service")),
                    o -> {
                        Service s = o.getService();
                        return List.of(name.apply(o), s.getSpec().getType().isEmpty() ? "ClusterIP" : s.getSpec().getType(),
                                orNone(s.getSpec().getClusterIp()), "<none>", servicePorts(s.getSpec().getPortsList()),
                                age.apply(o), labels(s.getSpec().getSelectorMap()));
                    });
            case ENDPOINTS -> new Printer(List.of(nameColumn(), col("Endpoints", "Endpoints of the service"), ageColumn()),
                    o -> List.of(name.apply(o), endpoints(o.getEndpoints().getSubsetsList()), age.apply(o)));
            case NODE -> new Printer(List.of(nameColumn(), col("Status", "The status of the node"), col("Roles", "The roles of the node"),
                    ageColumn(), col("Version", "Kubelet Version reported by the node."),
                    wide("Internal-IP", "List of internal IPs for the node."), wide("External-IP", "List of external IPs for the node."),
                    wide("OS-Image", "OS image reported by the node."), wide("Kernel-Version", "Kernel version reported by the node."),
                    wide("Container-Runtime", "Container runtime and version reported by the node.")),
                    o -> {
                        Node n = o.getNode();
                        return List.of(name.apply(o), nodeStatus(n), nodeRoles(n), age.apply(o), n.getStatus().getNodeInfo().getKubeletVersion(),
                                address(n, "InternalIP"), address(n, "ExternalIP"), orUnknown(n.getStatus().getNodeInfo().getOsImage()),
                                orUnknown(n.getStatus().getNodeInfo().getKernelVersion()),
                                orUnknown(n.getStatus().getNodeInfo().getContainerRuntimeVersion()));
                    });
            case EVENT -> new Printer(List.of(col("Last Seen", "Time when last this event was observed"),
                    col("Type", "Type of this event (Normal, Warning)"), col("Reason", "Why the action was taken"),
                    col("Object", "The object that this event is about"), col("Message", "A human-readable description of the status of this operation"),
                    wide("Subobject", "The subcomponent of the object"), wide("Source", "The component reporting this event"),
                    wide("First Seen", "Time when this event was first observed"), wide("Count", "The number of times this event has occurred"),
                    wide("Name", "Name of the event")),
                    o -> {
                        Event e = o.getEvent();
                        Timestamp last = e.hasLastTimestamp() ? e.getLastTimestamp() : e.hasEventTime() ? e.getEventTime()
                                : ApiObjects.meta(o).getCreationTimestamp();
                        Timestamp first = e.hasFirstTimestamp() ? e.getFirstTimestamp() : last;
                        String source = e.getSource().getComponent().isEmpty() ? e.getReportingComponent() : e.getSource().getComponent();
                        if (!e.getSource().getHost().isEmpty()) {
                            source += ", " + e.getSource().getHost();
                        }
                        return List.of(age(last, now), e.getType(), e.getReason(),
                                e.getInvolvedObject().getKind().toLowerCase(java.util.Locale.ROOT) + "/" + e.getInvolvedObject().getName(),
                                e.getMessage().strip(), e.getInvolvedObject().getFieldPath(), source, age(first, now),
                                Math.max(1, e.getCount()), name.apply(o));
                    });
            case CONTROLLER_REVISION -> new Printer(List.of(nameColumn(), col("Controller", "Controller of the object"),
                    new Column("Revision", "integer", "", 0, "Revision of the ControllerRevision"), ageColumn()),
                    o -> {
                        ControllerRevision r = o.getControllerRevision();
                        String controller = ApiObjects.meta(o).getOwnerReferencesList().stream()
                                .filter(ref -> ref.hasController() && ref.getController()).findFirst()
                                .map(Tables::ownerName).orElse("<none>");
                        return List.of(name.apply(o), controller, r.getRevision(), age.apply(o));
                    });
            case LEASE -> new Printer(List.of(nameColumn(), col("Holder", "The holder of the lease"), ageColumn()),
                    o -> {
                        Lease l = o.getLease();
                        return List.of(name.apply(o), l.getSpec().getHolderIdentity(), age.apply(o));
                    });
            case NAMESPACE -> new Printer(List.of(nameColumn(), col("Status", "The status of the namespace"), ageColumn()),
                    o -> List.of(name.apply(o), o.getNamespace().getStatus().getPhase(), age.apply(o)));
            case STORAGE_CLASS -> new Printer(List.of(nameColumn(), col("Provisioner", "Indicates the type of the provisioner"),
                    col("ReclaimPolicy", "Indicates the type of the reclaim policy"),
                    col("VolumeBindingMode", "Indicates the mode of the volume binding"),
                    col("AllowVolumeExpansion", "Indicates whether the storage class allows volume expansion"), ageColumn()),
                    o -> {
                        StorageClass s = o.getStorageClass();
                        String n = name.apply(o);
                        if ("true".equals(ApiObjects.meta(o).getAnnotationsOrDefault("storageclass.kubernetes.io/is-default-class", ""))) {
                            n += " (default)";
                        }
                        return List.of(n, s.getProvisioner(), s.hasReclaimPolicy() ? s.getReclaimPolicy() : "Delete",
                                s.hasVolumeBindingMode() ? s.getVolumeBindingMode() : "Immediate",
                                String.valueOf(s.hasAllowVolumeExpansion() && s.getAllowVolumeExpansion()), age.apply(o));
                    });
            case VOLUME_ATTACHMENT -> new Printer(List.of(nameColumn(), col("Attacher", "Name of the attacher"),
                    col("PV", "Name of the persistent volume"), col("Node", "Name of the node"),
                    col("Attached", "Whether the volume is attached"), ageColumn()),
                    o -> {
                        VolumeAttachment v = o.getVolumeAttachment();
                        return List.of(name.apply(o), v.getSpec().getAttacher(), v.getSpec().getSource().getPersistentVolumeName(),
                                v.getSpec().getNodeName(), String.valueOf(v.getStatus().getAttached()), age.apply(o));
                    });
        };
    }

    private static List<java.lang.Object> podCells(Pod pod, String age, Instant now) {
        int total = pod.getSpec().getContainersCount();
        int ready = 0;
        int restarts = 0;
        Instant lastRestart = null;
        String reason = pod.getStatus().getReason().isEmpty() ? pod.getStatus().getPhase() : pod.getStatus().getReason();
        for (ContainerStatus c : pod.getStatus().getContainerStatusesList()) {
            restarts += c.getRestartCount();
            if (c.getLastState().hasTerminated() && c.getLastState().getTerminated().hasFinishedAt()) {
                Instant finished = Times.instant(c.getLastState().getTerminated().getFinishedAt());
                if (lastRestart == null || finished.isAfter(lastRestart)) {
                    lastRestart = finished;
                }
            }
            if (c.getState().hasWaiting() && !c.getState().getWaiting().getReason().isEmpty()) {
                reason = c.getState().getWaiting().getReason();
            } else if (c.getState().hasTerminated() && !c.getState().getTerminated().getReason().isEmpty()) {
                reason = c.getState().getTerminated().getReason();
            } else if (c.getReady() && c.getState().hasRunning()) {
                ready++;
            }
        }
        if (reason.isEmpty()) {
            reason = "Pending";
        }
        if (pod.getMetadata().hasDeletionTimestamp() && !"NodeLost".equals(pod.getStatus().getReason())) {
            reason = "Terminating";
        }
        // As Kubernetes' printer: "2 (5m10s ago)" once a container has a last termination, a string cell.
        String restartCell = restarts != 0 && lastRestart != null
                ? restarts + " (" + humanDuration(Duration.between(lastRestart, now)) + " ago)" : Integer.toString(restarts);
        return List.of(pod.getMetadata().getName(), ready + "/" + total, reason, restartCell, age,
                orNone(pod.getStatus().getPodIp()), orNone(pod.getSpec().getNodeName()),
                orNone(pod.getStatus().getNominatedNodeName()), "<none>");
    }

    private static String ownerName(OwnerReference ref) {
        String group = ref.getApiVersion().contains("/") ? ref.getApiVersion().substring(0, ref.getApiVersion().indexOf('/')) : "";
        String kind = ref.getKind().toLowerCase(java.util.Locale.ROOT);
        return (group.isEmpty() ? kind : kind + "." + group) + "/" + ref.getName();
    }

    static String accessModes(List<String> modes) {
        List<String> out = new ArrayList<>();
        for (String m : modes) {
            out.add(switch (m) {
                case "ReadWriteOnce" -> "RWO";
                case "ReadOnlyMany" -> "ROX";
                case "ReadWriteMany" -> "RWX";
                case "ReadWriteOncePod" -> "RWOP";
                default -> m;
            });
        }
        return String.join(",", out);
    }

    private static String servicePorts(List<ServicePort> ports) {
        if (ports.isEmpty()) {
            return "<none>";
        }
        return ports.stream().map(p -> p.getPort() + (p.getNodePort() > 0 ? ":" + p.getNodePort() : "") + "/"
                + (p.getProtocol().isEmpty() ? "TCP" : p.getProtocol())).collect(Collectors.joining(","));
    }

    private static String endpoints(List<EndpointSubset> subsets) {
        List<String> list = new ArrayList<>();
        for (EndpointSubset s : subsets) {
            for (EndpointAddress a : s.getAddressesList()) {
                if (s.getPortsCount() == 0) {
                    list.add(a.getIp());
                }
                for (EndpointPort p : s.getPortsList()) {
                    list.add(a.getIp() + ":" + p.getPort());
                }
            }
        }
        if (list.isEmpty()) {
            return "<none>";
        }
        String shown = String.join(",", list.subList(0, Math.min(3, list.size())));
        return list.size() > 3 ? shown + " + " + (list.size() - 3) + " more..." : shown;
    }

    private static String nodeStatus(Node node) {
        String status = "Unknown";
        for (NodeCondition c : node.getStatus().getConditionsList()) {
            if (c.getType().equals("Ready")) {
                status = "True".equals(c.getStatus()) ? "Ready" : "NotReady";
            }
        }
        if (node.getSpec().getUnschedulable()) {
            status += ",SchedulingDisabled";
        }
        return status;
    }

    private static String nodeRoles(Node node) {
        List<String> roles = new ArrayList<>();
        node.getMetadata().getLabelsMap().keySet().stream().sorted().forEach(k -> {
            if (k.startsWith("node-role.kubernetes.io/")) {
                roles.add(k.substring("node-role.kubernetes.io/".length()));
            }
        });
        return roles.isEmpty() ? "<none>" : String.join(",", roles);
    }

    private static String address(Node node, String type) {
        return node.getStatus().getAddressesList().stream().filter(a -> a.getType().equals(type))
                .map(NodeAddress::getAddress).findFirst().orElse("<none>");
    }

    private static String labels(Map<String, String> labels) {
        if (labels.isEmpty()) {
            return "<none>";
        }
        return new TreeMap<>(labels).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }

    private static String orNone(String value) {
        return value == null || value.isEmpty() ? "<none>" : value;
    }

    private static String orUnknown(String value) {
        return value == null || value.isEmpty() ? "<unknown>" : value;
    }

    static String age(Timestamp since, Instant now) {
        if (since == null || (since.getSeconds() == 0 && since.getNanos() == 0)) {
            return "<unknown>";
        }
        return humanDuration(Duration.between(Times.instant(since), now));
    }

    /** Kubernetes' apimachinery duration.HumanDuration: "7s", "5m10s", "3h", "2d4h". */
    static String humanDuration(Duration d) {
        long seconds = d.getSeconds();
        if (seconds < -1) {
            return "<invalid>";
        } else if (seconds < 0) {
            return "0s";
        } else if (seconds < 60 * 2) {
            return seconds + "s";
        }
        long minutes = seconds / 60;
        if (minutes < 10) {
            long s = seconds % 60;
            return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
        } else if (minutes < 60 * 3) {
            return minutes + "m";
        }
        long hours = minutes / 60;
        if (hours < 8) {
            long m = minutes % 60;
            return m == 0 ? hours + "h" : hours + "h" + m + "m";
        } else if (hours < 48) {
            return hours + "h";
        } else if (hours < 24 * 8) {
            long h = hours % 24;
            return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
        } else if (hours < 24 * 365 * 2) {
            return hours / 24 + "d";
        } else if (hours < 24 * 365 * 8) {
            long dy = (hours / 24) % 365;
            return dy == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + dy + "d";
        }
        return hours / 24 / 365 + "y";
    }

    static ObjectMeta metaOf(Object o) {
        return ApiObjects.meta(o);
    }
}

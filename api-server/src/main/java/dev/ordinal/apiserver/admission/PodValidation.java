package dev.ordinal.apiserver.admission;

import dev.ordinal.api.v1.Affinity;
import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.ContainerPort;
import dev.ordinal.api.v1.ContainerStatus;
import dev.ordinal.api.v1.EnvVar;
import dev.ordinal.api.v1.EnvVarSource;
import dev.ordinal.api.v1.HTTPGetAction;
import dev.ordinal.api.v1.NodeSelector;
import dev.ordinal.api.v1.NodeSelectorRequirement;
import dev.ordinal.api.v1.NodeSelectorTerm;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodAffinityTerm;
import dev.ordinal.api.v1.PodCondition;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.PodStatus;
import dev.ordinal.api.v1.PodTemplateSpec;
import dev.ordinal.api.v1.PreferredSchedulingTerm;
import dev.ordinal.api.v1.Probe;
import dev.ordinal.api.v1.ResourceRequirements;
import dev.ordinal.api.v1.Toleration;
import dev.ordinal.api.v1.TopologySpreadConstraint;
import dev.ordinal.api.v1.Volume;
import dev.ordinal.api.v1.VolumeMount;
import dev.ordinal.api.v1.WeightedPodAffinityTerm;
import dev.ordinal.client.api.Quantity;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** Validation of Pods and pod templates (pkg/apis/core/validation, the parts Ordinal's API carries). */
final class PodValidation {
    static final List<String> RESTART_POLICIES = List.of("Always", "OnFailure", "Never");
    static final List<String> DNS_POLICIES = List.of("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None");
    static final List<String> PULL_POLICIES = List.of("Always", "IfNotPresent", "Never");
    static final List<String> TERMINATION_MESSAGE_POLICIES = List.of("File", "FallbackToLogsOnError");
    static final List<String> TAINT_EFFECTS = List.of("NoSchedule", "PreferNoSchedule", "NoExecute");
    static final List<String> POD_PHASES = List.of("Pending", "Running", "Succeeded", "Failed", "Unknown");
    static final List<String> HOST_PATH_TYPES =
            List.of("", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice");
    static final List<String> ENV_FIELD_PATHS = List.of("metadata.name", "metadata.namespace", "metadata.uid",
            "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs");
    static final List<String> ENV_RESOURCES = List.of("limits.cpu", "limits.memory", "limits.ephemeral-storage",
            "requests.cpu", "requests.memory", "requests.ephemeral-storage");
    static final String MUTABLE_POD_FIELDS = "pod updates may not change fields other than `spec.containers[*].image`,"
            + " `spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to"
            + " existing tolerations), `spec.terminationGracePeriodSeconds` (only while the pod is being deleted)"
            + " and `spec.nodeName` (only to bind an unscheduled pod)";

    private static final Pattern ENV_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");
    private static final String ENV_NAME_RULE = "a valid environment variable name must consist of alphabetic"
            + " characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name', or"
            + " 'MY_ENV.NAME', or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";
    private static final Pattern LABEL_OR_ANNOTATION_REF = Pattern.compile("metadata\\.(labels|annotations)\\['(.+)'\\]");
    private static final Set<String> STANDARD_CONTAINER_RESOURCES = Set.of("cpu", "memory", "ephemeral-storage");

    private PodValidation() {
    }

    // ------------------------------------------------------------------ create

    static void validatePod(Pod pod, FieldErrors errs) {
        FieldPath spec = FieldPath.root("spec");
        validatePodSpec(pod.getSpec(), spec, Set.of(), errs);
        if (!pod.getSpec().getNodeName().isEmpty()) {
            FieldRules.dns1123Subdomain(spec.child("nodeName"), pod.getSpec().getNodeName(), errs);
        }
        validateStatus(pod.getStatus(), FieldPath.root("status"), errs);
    }

    /** A pod template's metadata (labels, annotations) and its spec validated as a Pod's. */
    static void validateTemplate(PodTemplateSpec template, FieldPath path, Set<String> extraVolumes, FieldErrors errs) {
        ObjectMeta meta = template.getMetadata();
        FieldRules.labels(path.child("metadata").child("labels"), meta.getLabelsMap(), errs);
        MetadataValidation.annotations(path.child("metadata").child("annotations"), meta.getAnnotationsMap(), errs);
        MetadataValidation.finalizers(path.child("metadata").child("finalizers"), meta.getFinalizersList(), errs);
        validatePodSpec(template.getSpec(), path.child("spec"), extraVolumes, errs);
        if (!template.getSpec().getNodeName().isEmpty()) {
            FieldRules.dns1123Subdomain(path.child("spec").child("nodeName"), template.getSpec().getNodeName(), errs);
        }
    }

    /**
     * Validates a pod spec. {@code extraVolumes} are volume names that will exist though the spec does
     * not list them (a StatefulSet's claim templates become volumes of its pods).
     */
    static void validatePodSpec(PodSpec spec, FieldPath path, Set<String> extraVolumes, FieldErrors errs) {
        Set<String> volumes = validateVolumes(spec.getVolumesList(), path.child("volumes"), errs);
        volumes.addAll(extraVolumes);
        if (spec.getContainersCount() == 0) {
            errs.required(path.child("containers"), "must have at least one container");
        }
        Set<String> containerNames = new HashSet<>();
        Map<String, String> hostPorts = new HashMap<>();
        validateContainers(spec.getInitContainersList(), path.child("initContainers"), volumes, containerNames, hostPorts, true, errs);
        validateContainers(spec.getContainersList(), path.child("containers"), volumes, containerNames, hostPorts, false, errs);
        FieldRules.oneOf(path.child("restartPolicy"), spec.getRestartPolicy(), RESTART_POLICIES, errs);
        FieldRules.oneOf(path.child("dnsPolicy"), spec.getDnsPolicy(), DNS_POLICIES, errs);
        if (spec.hasTerminationGracePeriodSeconds()) {
            FieldRules.nonNegative(path.child("terminationGracePeriodSeconds"), spec.getTerminationGracePeriodSeconds(), errs);
        }
        if (spec.hasActiveDeadlineSeconds() && spec.getActiveDeadlineSeconds() < 1) {
            errs.invalid(path.child("activeDeadlineSeconds"), spec.getActiveDeadlineSeconds(), "must be between 1 and 2147483647, inclusive");
        }
        FieldRules.labels(path.child("nodeSelector"), spec.getNodeSelectorMap(), errs);
        if (!spec.getServiceAccountName().isEmpty()) {
            FieldRules.dns1123Subdomain(path.child("serviceAccountName"), spec.getServiceAccountName(), errs);
        }
        if (!spec.getHostname().isEmpty()) {
            FieldRules.dns1123Label(path.child("hostname"), spec.getHostname(), errs);
        }
        if (!spec.getSubdomain().isEmpty()) {
            FieldRules.dns1123Label(path.child("subdomain"), spec.getSubdomain(), errs);
        }
        if (!spec.getSchedulerName().isEmpty()) {
            FieldRules.dns1123Subdomain(path.child("schedulerName"), spec.getSchedulerName(), errs);
        }
        if (!spec.getPriorityClassName().isEmpty()) {
            FieldRules.dns1123Subdomain(path.child("priorityClassName"), spec.getPriorityClassName(), errs);
        }
        validateTolerations(spec.getTolerationsList(), path.child("tolerations"), errs);
        if (spec.hasAffinity()) {
            validateAffinity(spec.getAffinity(), path.child("affinity"), errs);
        }
        validateTopologySpread(spec.getTopologySpreadConstraintsList(), path.child("topologySpreadConstraints"), errs);
    }

    private static Set<String> validateVolumes(List<Volume> volumes, FieldPath path, FieldErrors errs) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < volumes.size(); i++) {
            Volume v = volumes.get(i);
            FieldPath p = path.index(i);
            FieldRules.uniqueDns1123Label(p.child("name"), v.getName(), names, errs);
            int sources = 0;
            if (v.hasPersistentVolumeClaim()) {
                sources++;
                if (v.getPersistentVolumeClaim().getClaimName().isEmpty()) {
                    errs.required(p.child("persistentVolumeClaim").child("claimName"));
                }
            }
            if (v.hasEmptyDir()) {
                sources++;
                FieldRules.optionalOneOf(p.child("emptyDir").child("medium"), v.getEmptyDir().getMedium(),
                        List.of("", "Memory", "HugePages"), errs);
                if (!v.getEmptyDir().getSizeLimit().isEmpty()) {
                    FieldRules.nonNegativeQuantity(p.child("emptyDir").child("sizeLimit"), v.getEmptyDir().getSizeLimit(), errs);
                }
            }
            if (v.hasHostPath()) {
                sources++;
                FieldPath hp = p.child("hostPath");
                if (v.getHostPath().getPath().isEmpty()) {
                    errs.required(hp.child("path"));
                }
                FieldRules.optionalOneOf(hp.child("type"), v.getHostPath().getType(), HOST_PATH_TYPES, errs);
            }
            if (sources == 0) {
                errs.required(p, "must specify a volume type");
            } else if (sources > 1) {
                errs.forbidden(p, "may not specify more than 1 volume type");
            }
        }
        return names;
    }

    private static void validateContainers(List<Container> containers, FieldPath path, Set<String> volumes,
            Set<String> containerNames, Map<String, String> hostPorts, boolean init, FieldErrors errs) {
        for (int i = 0; i < containers.size(); i++) {
            Container c = containers.get(i);
            FieldPath p = path.index(i);
            FieldRules.uniqueDns1123Label(p.child("name"), c.getName(), containerNames, errs);
            if (c.getImage().isBlank()) {
                errs.required(p.child("image"));
            } else if (!c.getImage().equals(c.getImage().strip())) {
                errs.invalid(p.child("image"), c.getImage(), "must not have leading or trailing whitespace");
            }
            FieldRules.oneOf(p.child("imagePullPolicy"), c.getImagePullPolicy(), PULL_POLICIES, errs);
            FieldRules.oneOf(p.child("terminationMessagePolicy"), c.getTerminationMessagePolicy(), TERMINATION_MESSAGE_POLICIES, errs);
            validatePorts(c.getPortsList(), p.child("ports"), hostPorts, errs);
            validateEnv(c.getEnvList(), p.child("env"), errs);
            if (c.hasResources()) {
                validateResources(c.getResources(), p.child("resources"), errs);
            }
            validateVolumeMounts(c.getVolumeMountsList(), p.child("volumeMounts"), volumes, errs);
            if (init) {
                // Kubernetes: init containers run to completion, so probes make no sense on them.
                if (c.hasLivenessProbe()) {
                    errs.forbidden(p.child("livenessProbe"), "may not be set for init containers");
                }
                if (c.hasReadinessProbe()) {
                    errs.forbidden(p.child("readinessProbe"), "may not be set for init containers");
                }
                if (c.hasStartupProbe()) {
                    errs.forbidden(p.child("startupProbe"), "may not be set for init containers");
                }
            } else {
                if (c.hasLivenessProbe()) {
                    validateProbe(c.getLivenessProbe(), p.child("livenessProbe"), true, errs);
                }
                if (c.hasReadinessProbe()) {
                    validateProbe(c.getReadinessProbe(), p.child("readinessProbe"), false, errs);
                    if (c.getReadinessProbe().hasTerminationGracePeriodSeconds()) {
                        errs.invalid(p.child("readinessProbe").child("terminationGracePeriodSeconds"),
                                c.getReadinessProbe().getTerminationGracePeriodSeconds(), "must not be set for readinessProbes");
                    }
                }
                if (c.hasStartupProbe()) {
                    validateProbe(c.getStartupProbe(), p.child("startupProbe"), true, errs);
                }
            }
        }
    }

    private static void validatePorts(List<ContainerPort> ports, FieldPath path, Map<String, String> hostPorts, FieldErrors errs) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            ContainerPort port = ports.get(i);
            FieldPath p = path.index(i);
            if (!port.getName().isEmpty()) {
                FieldRules.ianaServiceName(p.child("name"), port.getName(), errs);
                if (!names.add(port.getName())) {
                    errs.duplicate(p.child("name"), port.getName());
                }
            }
            if (port.getContainerPort() == 0) {
                errs.required(p.child("containerPort"));
            } else {
                FieldRules.port(p.child("containerPort"), port.getContainerPort(), errs);
            }
            if (port.getHostPort() < 0 || port.getHostPort() > 65535) {
                errs.invalid(p.child("hostPort"), port.getHostPort(), FieldRules.HOST_PORT_RANGE);
            } else if (port.getHostPort() > 0) {
                String key = port.getHostPort() + "/" + port.getProtocol() + "/" + port.getHostIp();
                if (hostPorts.putIfAbsent(key, p.toString()) != null) {
                    errs.duplicate(p.child("hostPort"), port.getHostPort() + "/" + port.getProtocol());
                }
            }
            FieldRules.oneOf(p.child("protocol"), port.getProtocol(), FieldRules.PROTOCOLS, errs);
            if (!port.getHostIp().isEmpty()) {
                FieldRules.ip(p.child("hostIP"), port.getHostIp(), errs);
            }
        }
    }

    private static void validateEnv(List<EnvVar> env, FieldPath path, FieldErrors errs) {
        for (int i = 0; i < env.size(); i++) {
            EnvVar e = env.get(i);
            FieldPath p = path.index(i);
            if (e.getName().isEmpty()) {
                errs.required(p.child("name"));
            } else if (!ENV_NAME.matcher(e.getName()).matches()) {
                errs.invalid(p.child("name"), e.getName(), ENV_NAME_RULE);
            }
            if (e.hasValueFrom()) {
                validateEnvSource(e, p.child("valueFrom"), errs);
            }
        }
    }

    private static void validateEnvSource(EnvVar e, FieldPath path, FieldErrors errs) {
        EnvVarSource from = e.getValueFrom();
        int sources = (from.hasFieldRef() ? 1 : 0) + (from.hasResourceFieldRef() ? 1 : 0);
        if (sources == 0) {
            errs.invalid(path, "", "must specify one of: `fieldRef` or `resourceFieldRef`");
        } else if (sources > 1) {
            errs.invalid(path, "", "may not have more than one field specified at a time");
        }
        if (!e.getValue().isEmpty() && sources > 0) {
            errs.invalid(path, "", "may not be specified when `value` is not empty");
        }
        if (from.hasFieldRef()) {
            FieldPath fp = path.child("fieldRef");
            String fieldPath = from.getFieldRef().getFieldPath();
            if (!from.getFieldRef().getApiVersion().isEmpty() && !from.getFieldRef().getApiVersion().equals("v1")) {
                errs.notSupported(fp.child("apiVersion"), from.getFieldRef().getApiVersion(), List.of("v1"));
            }
            if (fieldPath.isEmpty()) {
                errs.required(fp.child("fieldPath"));
            } else {
                var m = LABEL_OR_ANNOTATION_REF.matcher(fieldPath);
                if (m.matches()) {
                    FieldRules.qualifiedName(fp.child("fieldPath"), m.group(2), errs);
                } else if (!ENV_FIELD_PATHS.contains(fieldPath)) {
                    errs.notSupported(fp.child("fieldPath"), fieldPath, concat(ENV_FIELD_PATHS,
                            List.of("metadata.labels['<KEY>']", "metadata.annotations['<KEY>']")));
                }
            }
        }
        if (from.hasResourceFieldRef()) {
            FieldPath rp = path.child("resourceFieldRef");
            String resource = from.getResourceFieldRef().getResource();
            if (resource.isEmpty()) {
                errs.required(rp.child("resource"));
            } else if (!ENV_RESOURCES.contains(resource)) {
                errs.notSupported(rp.child("resource"), resource, ENV_RESOURCES);
            }
            if (!from.getResourceFieldRef().getDivisor().isEmpty()) {
                Quantity d = FieldRules.quantity(rp.child("divisor"), from.getResourceFieldRef().getDivisor(), errs);
                if (d != null && d.signum() <= 0) {
                    errs.invalid(rp.child("divisor"), from.getResourceFieldRef().getDivisor(), FieldRules.POSITIVE);
                }
            }
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Container resources: known names, well-formed non-negative quantities, requests within limits. */
    static void validateResources(ResourceRequirements r, FieldPath path, FieldErrors errs) {
        Map<String, Quantity> limits = new TreeMap<>();
        new TreeMap<>(r.getLimitsMap()).forEach((name, value) -> {
            FieldPath p = path.child("limits").key(name);
            resourceName(p, name, errs);
            Quantity q = FieldRules.nonNegativeQuantity(p, value, errs);
            if (q != null) {
                limits.put(name, q);
            }
        });
        new TreeMap<>(r.getRequestsMap()).forEach((name, value) -> {
            FieldPath p = path.child("requests").key(name);
            resourceName(p, name, errs);
            Quantity q = FieldRules.nonNegativeQuantity(p, value, errs);
            Quantity limit = limits.get(name);
            if (q != null && limit != null && q.compareTo(limit) > 0) {
                errs.invalid(p, value, "must be less than or equal to " + name + " limit of " + limit);
            }
        });
    }

    private static void resourceName(FieldPath path, String name, FieldErrors errs) {
        if (!dev.ordinal.client.api.Names.isQualifiedName(name)) {
            errs.invalid(path, name, FieldRules.QUALIFIED_NAME_RULE);
        } else if (!name.contains("/") && !STANDARD_CONTAINER_RESOURCES.contains(name) && !name.startsWith("hugepages-")) {
            errs.invalid(path, name, "must be a standard resource for containers (cpu, memory, ephemeral-storage,"
                    + " hugepages-<size>) or an extended resource with a domain prefix (example.com/gpu)");
        }
    }

    private static void validateVolumeMounts(List<VolumeMount> mounts, FieldPath path, Set<String> volumes, FieldErrors errs) {
        Set<String> paths = new HashSet<>();
        for (int i = 0; i < mounts.size(); i++) {
            VolumeMount m = mounts.get(i);
            FieldPath p = path.index(i);
            if (m.getName().isEmpty()) {
                errs.required(p.child("name"));
            } else if (!volumes.contains(m.getName())) {
                errs.notFound(p.child("name"), m.getName());
            }
            if (m.getMountPath().isEmpty()) {
                errs.required(p.child("mountPath"));
            } else {
                if (!m.getMountPath().startsWith("/")) {
                    errs.invalid(p.child("mountPath"), m.getMountPath(), "must be an absolute path");
                }
                if (!paths.add(m.getMountPath())) {
                    errs.invalid(p.child("mountPath"), m.getMountPath(), "must be unique");
                }
            }
            String sub = m.getSubPath();
            if (!sub.isEmpty()) {
                if (sub.startsWith("/")) {
                    errs.invalid(p.child("subPath"), sub, "must be a relative path");
                }
                for (String part : sub.split("/")) {
                    if (part.equals("..")) {
                        errs.invalid(p.child("subPath"), sub, "must not contain '..'");
                        break;
                    }
                }
            }
        }
    }

    private static void validateProbe(Probe probe, FieldPath path, boolean successMustBeOne, FieldErrors errs) {
        int handlers = (probe.hasExec() ? 1 : 0) + (probe.hasHttpGet() ? 1 : 0) + (probe.hasTcpSocket() ? 1 : 0);
        if (handlers == 0) {
            errs.required(path, "must specify a handler type");
        } else if (handlers > 1) {
            errs.forbidden(path, "may not specify more than 1 handler type");
        }
        if (probe.hasExec() && probe.getExec().getCommandCount() == 0) {
            errs.required(path.child("exec").child("command"));
        }
        if (probe.hasHttpGet()) {
            HTTPGetAction get = probe.getHttpGet();
            FieldPath hp = path.child("httpGet");
            FieldRules.portNumberOrName(hp.child("port"), get.getPort(), errs);
            FieldRules.oneOf(hp.child("scheme"), get.getScheme(), List.of("HTTP", "HTTPS"), errs);
            if (!get.getPath().isEmpty() && !get.getPath().startsWith("/")) {
                errs.invalid(hp.child("path"), get.getPath(), "must be an absolute path");
            }
            for (int i = 0; i < get.getHttpHeadersCount(); i++) {
                String header = get.getHttpHeaders(i).getName();
                if (!header.matches("[-A-Za-z0-9!#$%&'*+.^_`|~]+")) {
                    errs.invalid(hp.child("httpHeaders").index(i).child("name"), header,
                            "a valid HTTP header must consist of alphanumeric characters or '-'");
                }
            }
        }
        if (probe.hasTcpSocket()) {
            FieldRules.portNumberOrName(path.child("tcpSocket").child("port"), probe.getTcpSocket().getPort(), errs);
        }
        FieldRules.nonNegative(path.child("initialDelaySeconds"), probe.getInitialDelaySeconds(), errs);
        atLeastOne(path.child("timeoutSeconds"), probe.getTimeoutSeconds(), errs);
        atLeastOne(path.child("periodSeconds"), probe.getPeriodSeconds(), errs);
        atLeastOne(path.child("successThreshold"), probe.getSuccessThreshold(), errs);
        atLeastOne(path.child("failureThreshold"), probe.getFailureThreshold(), errs);
        if (successMustBeOne && probe.getSuccessThreshold() > 1) {
            errs.invalid(path.child("successThreshold"), probe.getSuccessThreshold(), "must be 1");
        }
        if (probe.hasTerminationGracePeriodSeconds() && probe.getTerminationGracePeriodSeconds() < 1) {
            errs.invalid(path.child("terminationGracePeriodSeconds"), probe.getTerminationGracePeriodSeconds(), FieldRules.POSITIVE);
        }
    }

    private static void atLeastOne(FieldPath path, long value, FieldErrors errs) {
        if (value < 1) {
            errs.invalid(path, value, "must be greater than or equal to 1");
        }
    }

    private static void validateTolerations(List<Toleration> tolerations, FieldPath path, FieldErrors errs) {
        for (int i = 0; i < tolerations.size(); i++) {
            Toleration t = tolerations.get(i);
            FieldPath p = path.index(i);
            if (!t.getKey().isEmpty()) {
                FieldRules.qualifiedName(p.child("key"), t.getKey(), errs);
            }
            String op = t.getOperator().isEmpty() ? "Equal" : t.getOperator();
            if (t.getKey().isEmpty() && !op.equals("Exists")) {
                errs.invalid(p.child("operator"), t.getOperator(), "operator must be Exists when `key` is empty, which means \"match all values and all keys\"");
            }
            switch (op) {
                case "Equal" -> FieldRules.labelValue(p.child("value"), t.getValue(), errs);
                case "Exists" -> {
                    if (!t.getValue().isEmpty()) {
                        errs.invalid(p.child("operator"), t.getOperator(), "value must be empty when `operator` is 'Exists'");
                    }
                }
                default -> errs.notSupported(p.child("operator"), t.getOperator(), List.of("Equal", "Exists"));
            }
            FieldRules.optionalOneOf(p.child("effect"), t.getEffect(), TAINT_EFFECTS, errs);
            if (t.hasTolerationSeconds() && !t.getEffect().equals("NoExecute")) {
                errs.invalid(p.child("effect"), t.getEffect(), "effect must be 'NoExecute' when `tolerationSeconds` is set");
            }
        }
    }

    private static void validateAffinity(Affinity affinity, FieldPath path, FieldErrors errs) {
        if (affinity.hasNodeAffinity()) {
            FieldPath np = path.child("nodeAffinity");
            var na = affinity.getNodeAffinity();
            if (na.hasRequiredDuringSchedulingIgnoredDuringExecution()) {
                validateNodeSelector(na.getRequiredDuringSchedulingIgnoredDuringExecution(),
                        np.child("requiredDuringSchedulingIgnoredDuringExecution"), errs);
            }
            List<PreferredSchedulingTerm> preferred = na.getPreferredDuringSchedulingIgnoredDuringExecutionList();
            for (int i = 0; i < preferred.size(); i++) {
                FieldPath p = np.child("preferredDuringSchedulingIgnoredDuringExecution").index(i);
                weight(p.child("weight"), preferred.get(i).getWeight(), errs);
                validateNodeSelectorTerm(preferred.get(i).getPreference(), p.child("preference"), errs);
            }
        }
        if (affinity.hasPodAffinity()) {
            FieldPath pp = path.child("podAffinity");
            podAffinityTerms(affinity.getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecutionList(),
                    affinity.getPodAffinity().getPreferredDuringSchedulingIgnoredDuringExecutionList(), pp, errs);
        }
        if (affinity.hasPodAntiAffinity()) {
            FieldPath pp = path.child("podAntiAffinity");
            podAffinityTerms(affinity.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecutionList(),
                    affinity.getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecutionList(), pp, errs);
        }
    }

    private static void podAffinityTerms(List<PodAffinityTerm> required, List<WeightedPodAffinityTerm> preferred,
            FieldPath path, FieldErrors errs) {
        for (int i = 0; i < required.size(); i++) {
            podAffinityTerm(required.get(i), path.child("requiredDuringSchedulingIgnoredDuringExecution").index(i), errs);
        }
        for (int i = 0; i < preferred.size(); i++) {
            FieldPath p = path.child("preferredDuringSchedulingIgnoredDuringExecution").index(i);
            weight(p.child("weight"), preferred.get(i).getWeight(), errs);
            podAffinityTerm(preferred.get(i).getPodAffinityTerm(), p.child("podAffinityTerm"), errs);
        }
    }

    private static void podAffinityTerm(PodAffinityTerm term, FieldPath path, FieldErrors errs) {
        if (term.getTopologyKey().isEmpty()) {
            errs.required(path.child("topologyKey"), "can not be empty");
        } else {
            FieldRules.qualifiedName(path.child("topologyKey"), term.getTopologyKey(), errs);
        }
        if (term.hasLabelSelector()) {
            FieldRules.labelSelector(path.child("labelSelector"), term.getLabelSelector(), errs);
        }
        if (term.hasNamespaceSelector()) {
            FieldRules.labelSelector(path.child("namespaceSelector"), term.getNamespaceSelector(), errs);
        }
        for (int i = 0; i < term.getNamespacesCount(); i++) {
            FieldRules.dns1123Label(path.child("namespaces").index(i), term.getNamespaces(i), errs);
        }
    }

    private static void weight(FieldPath path, int weight, FieldErrors errs) {
        if (weight < 1 || weight > 100) {
            errs.invalid(path, weight, "must be in the range 1-100");
        }
    }

    /** A node selector (node affinity, PV node affinity): at least one term, valid requirements. */
    static void validateNodeSelector(NodeSelector selector, FieldPath path, FieldErrors errs) {
        if (selector.getNodeSelectorTermsCount() == 0) {
            errs.required(path.child("nodeSelectorTerms"), "must have at least one node selector term");
        }
        for (int i = 0; i < selector.getNodeSelectorTermsCount(); i++) {
            validateNodeSelectorTerm(selector.getNodeSelectorTerms(i), path.child("nodeSelectorTerms").index(i), errs);
        }
    }

    private static void validateNodeSelectorTerm(NodeSelectorTerm term, FieldPath path, FieldErrors errs) {
        for (int i = 0; i < term.getMatchExpressionsCount(); i++) {
            NodeSelectorRequirement r = term.getMatchExpressions(i);
            FieldRules.requirement(path.child("matchExpressions").index(i), r.getKey(), r.getOperator(), r.getValuesList(), true, errs);
        }
        for (int i = 0; i < term.getMatchFieldsCount(); i++) {
            NodeSelectorRequirement r = term.getMatchFields(i);
            FieldPath p = path.child("matchFields").index(i);
            if (!r.getKey().equals("metadata.name")) {
                errs.notSupported(p.child("key"), r.getKey(), List.of("metadata.name"));
            }
            if (!r.getOperator().equals("In") && !r.getOperator().equals("NotIn")) {
                errs.notSupported(p.child("operator"), r.getOperator(), List.of("In", "NotIn"));
            }
            if (r.getValuesCount() != 1) {
                errs.required(p.child("values"), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector");
            }
        }
    }

    private static void validateTopologySpread(List<TopologySpreadConstraint> constraints, FieldPath path, FieldErrors errs) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < constraints.size(); i++) {
            TopologySpreadConstraint c = constraints.get(i);
            FieldPath p = path.index(i);
            if (c.getMaxSkew() < 1) {
                errs.invalid(p.child("maxSkew"), c.getMaxSkew(), FieldRules.POSITIVE);
            }
            if (c.getTopologyKey().isEmpty()) {
                errs.required(p.child("topologyKey"), "can not be empty");
            } else {
                FieldRules.qualifiedName(p.child("topologyKey"), c.getTopologyKey(), errs);
            }
            FieldRules.oneOf(p.child("whenUnsatisfiable"), c.getWhenUnsatisfiable(), List.of("DoNotSchedule", "ScheduleAnyway"), errs);
            if (c.hasMinDomains()) {
                if (c.getMinDomains() < 1) {
                    errs.invalid(p.child("minDomains"), c.getMinDomains(), FieldRules.POSITIVE);
                } else if (!c.getWhenUnsatisfiable().equals("DoNotSchedule")) {
                    errs.invalid(p.child("minDomains"), c.getMinDomains(), "can only use minDomains if whenUnsatisfiable=DoNotSchedule");
                }
            }
            if (c.hasLabelSelector()) {
                FieldRules.labelSelector(p.child("labelSelector"), c.getLabelSelector(), errs);
            }
            if (!seen.add(c.getTopologyKey() + "/" + c.getWhenUnsatisfiable())) {
                errs.duplicate(p, "{" + c.getTopologyKey() + ", " + c.getWhenUnsatisfiable() + "}");
            }
        }
    }

    // ------------------------------------------------------------------ update

    /**
     * Pod spec updates: only images, activeDeadlineSeconds, added tolerations, the grace period while
     * deleting, and a first nodeName (binding) may change; anything else is one Forbidden on {@code spec}.
     */
    static void validateUpdate(Pod updated, Pod old, FieldErrors errs) {
        PodSpec newSpec = updated.getSpec();
        PodSpec oldSpec = old.getSpec();
        FieldPath spec = FieldPath.root("spec");
        PodSpec.Builder allowed = oldSpec.toBuilder();
        // Images may change on containers that are still the same containers.
        if (newSpec.getContainersCount() == oldSpec.getContainersCount()) {
            for (int i = 0; i < newSpec.getContainersCount(); i++) {
                allowed.setContainers(i, allowed.getContainers(i).toBuilder().setImage(newSpec.getContainers(i).getImage()));
            }
        }
        if (newSpec.getInitContainersCount() == oldSpec.getInitContainersCount()) {
            for (int i = 0; i < newSpec.getInitContainersCount(); i++) {
                allowed.setInitContainers(i, allowed.getInitContainers(i).toBuilder().setImage(newSpec.getInitContainers(i).getImage()));
            }
        }
        if (oldSpec.hasActiveDeadlineSeconds()) {
            if (!newSpec.hasActiveDeadlineSeconds()) {
                errs.invalid(spec.child("activeDeadlineSeconds"), "null", "must not update from a positive integer to nil value");
            } else if (newSpec.getActiveDeadlineSeconds() > oldSpec.getActiveDeadlineSeconds()) {
                errs.invalid(spec.child("activeDeadlineSeconds"), newSpec.getActiveDeadlineSeconds(),
                        "must be less than or equal to previous value");
            }
        }
        if (newSpec.hasActiveDeadlineSeconds()) {
            allowed.setActiveDeadlineSeconds(newSpec.getActiveDeadlineSeconds());
        } else {
            allowed.clearActiveDeadlineSeconds();
        }
        List<Toleration> newTolerations = newSpec.getTolerationsList();
        for (int i = 0; i < oldSpec.getTolerationsCount(); i++) {
            if (!containsToleration(newTolerations, oldSpec.getTolerations(i))) {
                errs.forbidden(spec.child("tolerations"), "existing toleration can not be modified except its tolerationSeconds");
                break;
            }
        }
        allowed.clearTolerations().addAllTolerations(newTolerations);
        if (updated.getMetadata().hasDeletionTimestamp() || old.getMetadata().hasDeletionTimestamp()) {
            if (newSpec.hasTerminationGracePeriodSeconds()) {
                allowed.setTerminationGracePeriodSeconds(newSpec.getTerminationGracePeriodSeconds());
            }
        }
        if (oldSpec.getNodeName().isEmpty()) {
            allowed.setNodeName(newSpec.getNodeName());
        } else if (!newSpec.getNodeName().equals(oldSpec.getNodeName())) {
            errs.forbidden(spec.child("nodeName"), "may not be changed once the pod is bound to a node");
            allowed.setNodeName(newSpec.getNodeName());
        }
        if (!allowed.build().equals(newSpec)) {
            errs.forbidden(spec, MUTABLE_POD_FIELDS);
        }
    }

    /** An old toleration is kept if present unchanged, or with a lower tolerationSeconds. */
    private static boolean containsToleration(List<Toleration> tolerations, Toleration old) {
        for (Toleration t : tolerations) {
            if (t.equals(old)) {
                return true;
            }
            Toleration withoutSeconds = t.toBuilder().clearTolerationSeconds().build();
            if (withoutSeconds.equals(old.toBuilder().clearTolerationSeconds().build())
                    && old.hasTolerationSeconds() && t.hasTolerationSeconds()
                    && t.getTolerationSeconds() <= old.getTolerationSeconds()) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ status

    static void validateStatus(PodStatus status, FieldPath path, FieldErrors errs) {
        FieldRules.optionalOneOf(path.child("phase"), status.getPhase(), POD_PHASES, errs);
        List<PodCondition> conditions = status.getConditionsList();
        for (int i = 0; i < conditions.size(); i++) {
            FieldPath p = path.child("conditions").index(i);
            if (conditions.get(i).getType().isEmpty()) {
                errs.required(p.child("type"));
            }
            FieldRules.conditionStatus(p.child("status"), conditions.get(i).getStatus(), errs);
        }
        if (!status.getPodIp().isEmpty()) {
            FieldRules.ip(path.child("podIP"), status.getPodIp(), errs);
        }
        if (!status.getHostIp().isEmpty()) {
            FieldRules.ip(path.child("hostIP"), status.getHostIp(), errs);
        }
        for (int i = 0; i < status.getPodIpsCount(); i++) {
            FieldRules.ip(path.child("podIPs").index(i).child("ip"), status.getPodIps(i).getIp(), errs);
        }
        if (status.getPodIpsCount() > 0 && !status.getPodIps(0).getIp().equals(status.getPodIp())) {
            errs.invalid(path.child("podIPs").index(0).child("ip"), status.getPodIps(0).getIp(), "must match status.podIP");
        }
        containerStatuses(status.getContainerStatusesList(), path.child("containerStatuses"), errs);
        containerStatuses(status.getInitContainerStatusesList(), path.child("initContainerStatuses"), errs);
    }

    private static void containerStatuses(List<ContainerStatus> statuses, FieldPath path, FieldErrors errs) {
        for (int i = 0; i < statuses.size(); i++) {
            ContainerStatus s = statuses.get(i);
            if (s.getName().isEmpty()) {
                errs.required(path.index(i).child("name"));
            }
            FieldRules.nonNegative(path.index(i).child("restartCount"), s.getRestartCount(), errs);
        }
    }

    /** A pod that reached Succeeded or Failed stays there: Kubernetes forbids leaving a terminal phase. */
    static void validateStatusTransition(PodStatus updated, PodStatus old, FieldErrors errs) {
        String from = old.getPhase();
        if ((from.equals("Succeeded") || from.equals("Failed")) && !updated.getPhase().equals(from)) {
            errs.forbidden(FieldPath.root("status").child("phase"),
                    "cannot transition from terminal phase " + from + " to " + (updated.getPhase().isEmpty() ? "\"\"" : updated.getPhase()));
        }
    }
}

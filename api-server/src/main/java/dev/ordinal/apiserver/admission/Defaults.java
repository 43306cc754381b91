package dev.ordinal.apiserver.admission;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.ContainerPort;
import dev.ordinal.api.v1.EmptyDirVolumeSource;
import dev.ordinal.api.v1.Endpoints;
import dev.ordinal.api.v1.EndpointPort;
import dev.ordinal.api.v1.EndpointSubset;
import dev.ordinal.api.v1.EnvVar;
import dev.ordinal.api.v1.IntOrString;
import dev.ordinal.api.v1.Namespace;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.PersistentVolumeClaimSpec;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.PodTemplateSpec;
import dev.ordinal.api.v1.Probe;
import dev.ordinal.api.v1.ResourceRequirements;
import dev.ordinal.api.v1.RollingUpdateStatefulSetStrategy;
import dev.ordinal.api.v1.Service;
import dev.ordinal.api.v1.ServicePort;
import dev.ordinal.api.v1.ServiceSpec;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.api.v1.StatefulSetPersistentVolumeClaimRetentionPolicy;
import dev.ordinal.api.v1.StatefulSetSpec;
import dev.ordinal.api.v1.StatefulSetUpdateStrategy;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.api.v1.Volume;

/**
 * Kubernetes' defaulting (pkg/apis/{core,apps}/v1/defaults.go) for every kind: fills fields a user
 * left unset so the stored object says what the system will do. Pure and idempotent; applied on
 * create and on every update, so re-applying a manifest never looks like a change of an immutable field.
 */
final class Defaults {
    static final int DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
    static final String DEFAULT_SCHEDULER_NAME = "default-scheduler";
    static final String DEFAULT_TERMINATION_MESSAGE_PATH = "/dev/termination-log";

    private Defaults() {
    }

    // ------------------------------------------------------------------ core/v1

    static Pod pod(Pod pod) {
        return pod.toBuilder().setSpec(podSpec(pod.getSpec())).build();
    }

    static PodTemplateSpec podTemplate(PodTemplateSpec template) {
        return template.toBuilder().setSpec(podSpec(template.getSpec())).build();
    }

    static PodSpec podSpec(PodSpec spec) {
        PodSpec.Builder b = spec.toBuilder();
        if (b.getRestartPolicy().isEmpty()) {
            b.setRestartPolicy("Always");
        }
        if (!b.hasTerminationGracePeriodSeconds()) {
            b.setTerminationGracePeriodSeconds(DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS);
        }
        if (b.getDnsPolicy().isEmpty()) {
            b.setDnsPolicy("ClusterFirst");
        }
        if (b.getSchedulerName().isEmpty()) {
            b.setSchedulerName(DEFAULT_SCHEDULER_NAME);
        }
        for (int i = 0; i < b.getContainersCount(); i++) {
            b.setContainers(i, container(b.getContainers(i)));
        }
        for (int i = 0; i < b.getInitContainersCount(); i++) {
            b.setInitContainers(i, container(b.getInitContainers(i)));
        }
        for (int i = 0; i < b.getVolumesCount(); i++) {
            Volume v = b.getVolumes(i);
            // Kubernetes: a volume naming no source is an emptyDir.
            if (!v.hasPersistentVolumeClaim() && !v.hasEmptyDir() && !v.hasHostPath()) {
                b.setVolumes(i, v.toBuilder().setEmptyDir(EmptyDirVolumeSource.getDefaultInstance()));
            }
        }
        return b.build();
    }

    static Container container(Container c) {
        Container.Builder b = c.toBuilder();
        if (b.getImagePullPolicy().isEmpty()) {
            b.setImagePullPolicy("IfNotPresent");
        }
        if (b.getTerminationMessagePath().isEmpty()) {
            b.setTerminationMessagePath(DEFAULT_TERMINATION_MESSAGE_PATH);
        }
        if (b.getTerminationMessagePolicy().isEmpty()) {
            b.setTerminationMessagePolicy("File");
        }
        for (int i = 0; i < b.getPortsCount(); i++) {
            ContainerPort p = b.getPorts(i);
            if (p.getProtocol().isEmpty()) {
                b.setPorts(i, p.toBuilder().setProtocol("TCP"));
            }
        }
        for (int i = 0; i < b.getEnvCount(); i++) {
            EnvVar e = b.getEnv(i);
            if (e.hasValueFrom() && e.getValueFrom().hasFieldRef() && e.getValueFrom().getFieldRef().getApiVersion().isEmpty()) {
                EnvVar.Builder eb = e.toBuilder();
                eb.getValueFromBuilder().getFieldRefBuilder().setApiVersion("v1");
                b.setEnv(i, eb);
            }
        }
        if (b.hasResources()) {
            b.setResources(requestsDefaultToLimits(b.getResources()));
        }
        if (b.hasLivenessProbe()) {
            b.setLivenessProbe(probe(b.getLivenessProbe()));
        }
        if (b.hasReadinessProbe()) {
            b.setReadinessProbe(probe(b.getReadinessProbe()));
        }
        if (b.hasStartupProbe()) {
            b.setStartupProbe(probe(b.getStartupProbe()));
        }
        return b.build();
    }

    /** Kubernetes: a resource with a limit but no request requests its limit. */
    private static ResourceRequirements requestsDefaultToLimits(ResourceRequirements r) {
        ResourceRequirements.Builder b = r.toBuilder();
        r.getLimitsMap().forEach((name, limit) -> {
            if (!r.containsRequests(name)) {
                b.putRequests(name, limit);
            }
        });
        return b.build();
    }

    static Probe probe(Probe probe) {
        Probe.Builder b = probe.toBuilder();
        if (b.getTimeoutSeconds() == 0) {
            b.setTimeoutSeconds(1);
        }
        if (b.getPeriodSeconds() == 0) {
            b.setPeriodSeconds(10);
        }
        if (b.getSuccessThreshold() == 0) {
            b.setSuccessThreshold(1);
        }
        if (b.getFailureThreshold() == 0) {
            b.setFailureThreshold(3);
        }
        if (b.hasHttpGet()) {
            if (b.getHttpGet().getPath().isEmpty()) {
                b.getHttpGetBuilder().setPath("/");
            }
            if (b.getHttpGet().getScheme().isEmpty()) {
                b.getHttpGetBuilder().setScheme("HTTP");
            }
        }
        return b.build();
    }

    static Service service(Service service) {
        ServiceSpec.Builder b = service.getSpec().toBuilder();
        if (b.getType().isEmpty()) {
            b.setType("ClusterIP");
        }
        if (b.getSessionAffinity().isEmpty()) {
            b.setSessionAffinity("None");
        }
        if (b.getClusterIpsCount() == 0 && !b.getClusterIp().isEmpty()) {
            b.addClusterIps(b.getClusterIp());
        }
        for (int i = 0; i < b.getPortsCount(); i++) {
            ServicePort.Builder p = b.getPorts(i).toBuilder();
            if (p.getProtocol().isEmpty()) {
                p.setProtocol("TCP");
            }
            if (!p.hasTargetPort() || p.getTargetPort().getValueCase() == IntOrString.ValueCase.VALUE_NOT_SET
                    || (p.getTargetPort().getValueCase() == IntOrString.ValueCase.INT_VAL && p.getTargetPort().getIntVal() == 0)
                    || (p.getTargetPort().getValueCase() == IntOrString.ValueCase.STR_VAL && p.getTargetPort().getStrVal().isEmpty())) {
                p.setTargetPort(IntOrString.newBuilder().setIntVal(p.getPort()));
            }
            b.setPorts(i, p);
        }
        return service.toBuilder().setSpec(b).build();
    }

    static Endpoints endpoints(Endpoints endpoints) {
        Endpoints.Builder b = endpoints.toBuilder();
        for (int i = 0; i < b.getSubsetsCount(); i++) {
            EndpointSubset.Builder s = b.getSubsets(i).toBuilder();
            for (int j = 0; j < s.getPortsCount(); j++) {
                EndpointPort port = s.getPorts(j);
                if (port.getProtocol().isEmpty()) {
                    s.setPorts(j, port.toBuilder().setProtocol("TCP"));
                }
            }
            b.setSubsets(i, s);
        }
        return b.build();
    }

    static PersistentVolumeClaim persistentVolumeClaim(PersistentVolumeClaim pvc) {
        return pvc.toBuilder().setSpec(persistentVolumeClaimSpec(pvc.getSpec())).build();
    }

    static PersistentVolumeClaimSpec persistentVolumeClaimSpec(PersistentVolumeClaimSpec spec) {
        return spec.hasVolumeMode() ? spec : spec.toBuilder().setVolumeMode("Filesystem").build();
    }

    static PersistentVolume persistentVolume(PersistentVolume pv) {
        PersistentVolume.Builder b = pv.toBuilder();
        if (b.getSpec().getPersistentVolumeReclaimPolicy().isEmpty()) {
            b.getSpecBuilder().setPersistentVolumeReclaimPolicy("Retain");
        }
        if (!b.getSpec().hasVolumeMode()) {
            b.getSpecBuilder().setVolumeMode("Filesystem");
        }
        return b.build();
    }

    static StorageClass storageClass(StorageClass sc) {
        StorageClass.Builder b = sc.toBuilder();
        if (!b.hasReclaimPolicy()) {
            b.setReclaimPolicy("Delete");
        }
        if (!b.hasVolumeBindingMode()) {
            b.setVolumeBindingMode("Immediate");
        }
        return b.build();
    }

    /** A new namespace is Active. */
    static Namespace namespaceOnCreate(Namespace ns) {
        if (!ns.getStatus().getPhase().isEmpty()) {
            return ns;
        }
        Namespace.Builder b = ns.toBuilder();
        b.getStatusBuilder().setPhase("Active");
        return b.build();
    }

    // ------------------------------------------------------------------ apps/v1

    static StatefulSet statefulSet(StatefulSet set) {
        StatefulSetSpec.Builder b = set.getSpec().toBuilder();
        if (!b.hasReplicas()) {
            b.setReplicas(1);
        }
        if (b.getPodManagementPolicy().isEmpty()) {
            b.setPodManagementPolicy("OrderedReady");
        }
        StatefulSetUpdateStrategy.Builder strategy = b.getUpdateStrategy().toBuilder();
        if (strategy.getType().isEmpty()) {
            strategy.setType("RollingUpdate");
            if (!strategy.hasRollingUpdate()) {
                strategy.setRollingUpdate(RollingUpdateStatefulSetStrategy.getDefaultInstance());
            }
        }
        // An explicit RollingUpdate without rollingUpdate stays nil (spec §1.1, consequence in §3.4).
        if (strategy.getType().equals("RollingUpdate") && strategy.hasRollingUpdate()) {
            RollingUpdateStatefulSetStrategy.Builder ru = strategy.getRollingUpdate().toBuilder();
            if (!ru.hasPartition()) {
                ru.setPartition(0);
            }
            if (!ru.hasMaxUnavailable() || ru.getMaxUnavailable().getValueCase() == IntOrString.ValueCase.VALUE_NOT_SET) {
                ru.setMaxUnavailable(IntOrString.newBuilder().setIntVal(1));
            }
            strategy.setRollingUpdate(ru);
        }
        b.setUpdateStrategy(strategy);
        if (!b.hasRevisionHistoryLimit()) {
            b.setRevisionHistoryLimit(10);
        }
        StatefulSetPersistentVolumeClaimRetentionPolicy.Builder retention =
                b.getPersistentVolumeClaimRetentionPolicy().toBuilder();
        if (retention.getWhenDeleted().isEmpty()) {
            retention.setWhenDeleted("Retain");
        }
        if (retention.getWhenScaled().isEmpty()) {
            retention.setWhenScaled("Retain");
        }
        b.setPersistentVolumeClaimRetentionPolicy(retention);
        b.setTemplate(podTemplate(b.getTemplate()));
        for (int i = 0; i < b.getVolumeClaimTemplatesCount(); i++) {
            b.setVolumeClaimTemplates(i, persistentVolumeClaim(b.getVolumeClaimTemplates(i)));
        }
        return set.toBuilder().setSpec(b).build();
    }
}

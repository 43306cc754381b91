package dev.ordinal.controllermanager;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.ControllerRevision;
import dev.ordinal.api.v1.LabelSelector;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.OwnerReference;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.PersistentVolumeClaimSpec;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.PodTemplateSpec;
import dev.ordinal.api.v1.ResourceRequirements;
import dev.ordinal.api.v1.RevisionData;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.api.v1.StatefulSetSpec;

/** Objects the real api-server accepts, for the integration tests. */
public final class ApiFixtures {
    private ApiFixtures() {
    }

    public static StatefulSet statefulSet(String ns, String name) {
        return StatefulSet.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace(ns).setName(name))
                .setSpec(StatefulSetSpec.newBuilder().setReplicas(0).setServiceName("nginx")
                        .setSelector(LabelSelector.newBuilder().putMatchLabels("app", name))
                        .setTemplate(PodTemplateSpec.newBuilder()
                                .setMetadata(ObjectMeta.newBuilder().putLabels("app", name))
                                .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("app").setImage("nginx")))))
                .build();
    }

    public static ControllerRevision revision(String ns, String name, OwnerReference owner) {
        return ControllerRevision.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace(ns).setName(name).addOwnerReferences(owner))
                .setData(RevisionData.getDefaultInstance()).setRevision(1).build();
    }

    public static PersistentVolumeClaim claim(String ns, String name, OwnerReference... owners) {
        return PersistentVolumeClaim.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace(ns).setName(name).addAllOwnerReferences(java.util.List.of(owners)))
                .setSpec(PersistentVolumeClaimSpec.newBuilder().addAccessModes("ReadWriteOnce")
                        .setResources(ResourceRequirements.newBuilder().putRequests("storage", "1Gi")))
                .build();
    }
}

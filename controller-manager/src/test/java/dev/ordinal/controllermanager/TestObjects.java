package dev.ordinal.controllermanager;

import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.OwnerReference;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodCondition;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.PodStatus;
import dev.ordinal.api.v1.Service;
import dev.ordinal.api.v1.ServicePort;
import dev.ordinal.api.v1.ServiceSpec;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.IntOrString;
import java.util.Map;

/** Plain objects for the controllers' tests, shaped as users and the StatefulSet controller write them. */
public final class TestObjects {
    private TestObjects() {
    }

    public static Service headlessService(String ns, String name, Map<String, String> selector) {
        return Service.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace(ns).setName(name))
                .setSpec(ServiceSpec.newBuilder().setClusterIp("None").putAllSelector(selector)
                        .addPorts(ServicePort.newBuilder().setName("web").setPort(80).setProtocol("TCP")
                                .setTargetPort(IntOrString.newBuilder().setIntVal(8080))))
                .build();
    }

    /** A pod of a StatefulSet {@code set} governed by service {@code subdomain}, not yet scheduled. */
    public static Pod pod(String ns, String name, Map<String, String> labels, String subdomain) {
        return Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace(ns).setName(name).putAllLabels(labels))
                .setSpec(PodSpec.newBuilder().setHostname(name).setSubdomain(subdomain)
                        .addContainers(Container.newBuilder().setName("app").setImage("nginx")))
                .build();
    }

    /** The pod as its node agent reports it: bound, running, with an IP, Ready or not. */
    public static Pod running(Pod pod, String node, String ip, boolean ready) {
        return pod.toBuilder().setSpec(pod.getSpec().toBuilder().setNodeName(node))
                .setStatus(PodStatus.newBuilder().setPhase("Running").setPodIp(ip).setHostIp("127.0.0.1")
                        .addConditions(PodCondition.newBuilder().setType("Ready").setStatus(ready ? "True" : "False")))
                .build();
    }

    public static Pod withUid(Pod pod, String uid) {
        return pod.toBuilder().setMetadata(pod.getMetadata().toBuilder().setUid(uid)).build();
    }

    public static OwnerReference ownerRef(StatefulSet set, boolean block) {
        return OwnerReference.newBuilder().setApiVersion("apps/v1").setKind("StatefulSet")
                .setName(set.getMetadata().getName()).setUid(set.getMetadata().getUid())
                .setController(true).setBlockOwnerDeletion(block).build();
    }

    public static ObjectMeta meta(String ns, String name, String uid) {
        return ObjectMeta.newBuilder().setNamespace(ns).setName(name).setUid(uid).build();
    }
}

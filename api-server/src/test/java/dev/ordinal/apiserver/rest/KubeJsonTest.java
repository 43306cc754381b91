package dev.ordinal.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ordinal.api.v1.ContainerPort;
import dev.ordinal.api.v1.ControllerRevision;
import dev.ordinal.api.v1.HTTPGetAction;
import dev.ordinal.api.v1.IntOrString;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.PodTemplateSpec;
import dev.ordinal.api.v1.RevisionData;
import dev.ordinal.api.v1.RevisionSpec;
import dev.ordinal.api.v1.Service;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.Kind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

import static dev.ordinal.apiserver.rest.PatchesTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Kubernetes' JSON spelling of the proto objects, both ways. */
class KubeJsonTest {
    @Test
    void zeroScalarsKubernetesAlwaysWritesArePresent() {
        Object pod = Object.newBuilder().setPod(dev.ordinal.api.v1.Pod.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName("web-0").setNamespace("default"))
                .setStatus(dev.ordinal.api.v1.PodStatus.newBuilder().addContainerStatuses(dev.ordinal.api.v1.ContainerStatus.newBuilder()
                        .setName("web").setLastState(dev.ordinal.api.v1.ContainerState.newBuilder()
                                .setTerminated(dev.ordinal.api.v1.ContainerStateTerminated.newBuilder().setReason("Completed")))))).build();
        JsonNode status = KubeJson.toJson(pod).at("/status/containerStatuses/0");
        assertThat(status.get("ready").isBoolean()).isTrue();
        assertThat(status.get("ready").asBoolean()).isFalse();
        assertThat(status.get("restartCount").isInt()).isTrue();
        assertThat(status.get("restartCount").asInt()).isZero();
        assertThat(status.get("imageID").asText()).isEmpty();
        assertThat(status.at("/lastState/terminated/exitCode").isInt()).isTrue();
        // fields Kubernetes omits when empty stay omitted
        assertThat(status.has("containerID")).isFalse();
        assertThat(status.has("started")).isFalse();

        Object sts = Object.newBuilder().setStatefulSet(dev.ordinal.api.v1.StatefulSet.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName("web")).setStatus(dev.ordinal.api.v1.StatefulSetStatus.newBuilder()
                        .setObservedGeneration(1))).build();
        assertThat(KubeJson.toJson(sts).at("/status/replicas").isInt()).isTrue();
        assertThat(KubeJson.toJson(sts).at("/status/readyReplicas").isMissingNode()).isTrue();
    }

    @Test
    void int64FieldsAreNumbersAndIntOrStringIsBare() {
        Object svc = Object.newBuilder().setService(Service.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName("nginx").setNamespace("default").setGeneration(7))
                .setSpec(dev.ordinal.api.v1.ServiceSpec.newBuilder().setClusterIp("None")
                        .addPorts(dev.ordinal.api.v1.ServicePort.newBuilder().setPort(80)
                                .setTargetPort(IntOrString.newBuilder().setStrVal("web")))
                        .addPorts(dev.ordinal.api.v1.ServicePort.newBuilder().setPort(81)
                                .setTargetPort(IntOrString.newBuilder().setIntVal(8081))))).build();
        JsonNode out = KubeJson.toJson(svc);
        assertThat(out.get("apiVersion").asText()).isEqualTo("v1");
        assertThat(out.get("kind").asText()).isEqualTo("Service");
        assertThat(out.at("/metadata/generation").isIntegralNumber()).isTrue();
        assertThat(out.at("/spec/clusterIP").asText()).isEqualTo("None");
        assertThat(out.at("/spec/ports/0/targetPort").asText()).isEqualTo("web");
        assertThat(out.at("/spec/ports/1/targetPort").isInt()).isTrue();

        Object back = KubeJson.fromJson(Kind.SERVICE, out, new ArrayList<>());
        assertThat(back.getService().getSpec().getPorts(1).getTargetPort().getIntVal()).isEqualTo(8081);
        assertThat(back.getService().getMetadata().getGeneration()).isEqualTo(7);
    }

    @Test
    void unknownFieldsAreReportedWithTheirPathAndDropped() {
        List<String> unknown = new ArrayList<>();
        Object pod = KubeJson.fromJson(Kind.POD, json("""
                {'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','managedFields':[{}],'creationTimestamp':null},
                 'spec':{'foo':1,'containers':[{'name':'c','image':'i','securityContext':{},
                   'readinessProbe':{'httpGet':{'port':8080,'path':'/'}}}]}}"""), unknown);
        assertThat(unknown).containsExactly("spec.foo", "spec.containers[0].securityContext");
        HTTPGetAction get = pod.getPod().getSpec().getContainers(0).getReadinessProbe().getHttpGet();
        assertThat(get.getPort().getIntVal()).isEqualTo(8080);
    }

    @Test
    void malformedValuesAreABadRequestNamingTheField() {
        assertThatThrownBy(() -> KubeJson.fromJson(Kind.SERVICE, json("{'spec':{'ports':[{'targetPort':[1]}]}}"), new ArrayList<>()))
                .isInstanceOf(ApiException.class).hasMessageContaining("spec.ports[0].targetPort");
        assertThatThrownBy(() -> KubeJson.fromJson(Kind.POD, json("{'spec':{'containers':'x'}}"), new ArrayList<>()))
                .isInstanceOf(ApiException.class).hasMessageContaining("cannot decode Pod");
    }

    @Test
    void revisionDataIsTheRawPatchWithSortedKeys() {
        Object revision = Object.newBuilder().setControllerRevision(ControllerRevision.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName("web-1").setNamespace("default"))
                .setRevision(3)
                .setData(RevisionData.newBuilder().setSpec(RevisionSpec.newBuilder().setTemplate(PodTemplateSpec.newBuilder()
                        .setMetadata(ObjectMeta.newBuilder().putLabels("app", "nginx"))
                        .setSpec(dev.ordinal.api.v1.PodSpec.newBuilder().setRestartPolicy("Always")
                                .addContainers(dev.ordinal.api.v1.Container.newBuilder().setName("nginx").setImage("nginx:1")
                                        .addPorts(ContainerPort.newBuilder().setContainerPort(80).setProtocol("TCP")))))))).build();
        JsonNode out = KubeJson.toJson(revision);
        assertThat(out.get("revision").isIntegralNumber()).isTrue();
        assertThat(out.get("data").toString()).isEqualTo("{\"spec\":{\"template\":{\"$patch\":\"replace\","
                + "\"metadata\":{\"creationTimestamp\":null,\"labels\":{\"app\":\"nginx\"}},"
                + "\"spec\":{\"containers\":[{\"image\":\"nginx:1\",\"name\":\"nginx\",\"ports\":[{\"containerPort\":80,\"protocol\":\"TCP\"}]}],"
                + "\"restartPolicy\":\"Always\"}}}}");
        Object back = KubeJson.fromJson(Kind.CONTROLLER_REVISION, out, new ArrayList<>());
        assertThat(back.getControllerRevision().getData()).isEqualTo(revision.getControllerRevision().getData());
    }
}

package dev.ordinal.e2e;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.ContainerPort;
import dev.ordinal.api.v1.EnvVar;
import dev.ordinal.api.v1.EnvVarSource;
import dev.ordinal.api.v1.HTTPGetAction;
import dev.ordinal.api.v1.IntOrString;
import dev.ordinal.api.v1.LabelSelector;
import dev.ordinal.api.v1.ObjectFieldSelector;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.PodTemplateSpec;
import dev.ordinal.api.v1.Probe;
import dev.ordinal.api.v1.Service;
import dev.ordinal.api.v1.ServicePort;
import dev.ordinal.api.v1.ServiceSpec;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.api.v1.StatefulSetSpec;
import dev.ordinal.api.v1.Volume;
import dev.ordinal.api.v1.VolumeMount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;

/**
 * The web example of {@code deploy/examples/web.yaml} as gRPC objects: a headless Service and a
 * StatefulSet whose pods run the example's own python3 HTTP service (its source is read from the
 * manifest, so the tests run what a user applies). Each pod answers with its identity and stores
 * what it is PUT under {@code DATA_DIR}.
 */
final class WebExample {
    static final String NAMESPACE = "default";
    static final int PORT = 8080;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private WebExample() {
    }

    /** The python3 program of the example's container ({@code args[0]}). */
    static String serverSource() {
        Path manifest = ComposeFile.checkoutRoot().resolve("deploy/examples/web.yaml");
        try {
            for (Object doc : new Yaml().loadAll(Files.readString(manifest))) {
                Map<String, Object> m = ComposeFile.map(doc);
                if ("StatefulSet".equals(m.get("kind"))) {
                    Map<String, Object> pod = ComposeFile.map(ComposeFile.map(ComposeFile.map(m.get("spec")).get("template")).get("spec"));
                    Map<String, Object> container = ComposeFile.map(((List<?>) pod.get("containers")).get(0));
                    return String.valueOf(((List<?>) container.get("args")).get(0));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new AssertionError("no StatefulSet in " + manifest);
    }

    static Service service(String name) {
        return Service.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace(NAMESPACE).putLabels("app", name))
                .setSpec(ServiceSpec.newBuilder().setClusterIp("None").putSelector("app", name)
                        .addPorts(ServicePort.newBuilder().setName("http").setPort(PORT)))
                .build();
    }

    /**
     * A StatefulSet of the example's server. With {@code claims} its data lives in a claim per pod
     * ({@code data-<pod>}, 1Gi ReadWriteOnce on the default class, mounted at {@code /data}) that
     * follows the pod's identity; otherwise in an emptyDir.
     */
    static StatefulSet statefulSet(String name, int replicas, boolean claims) {
        Container.Builder c = Container.newBuilder().setName("web").setImage("python:3-slim")
                .addCommand("python3").addCommand("-u").addCommand("-c").addArgs(serverSource())
                .addEnv(fieldRef("POD_NAME", "metadata.name"))
                .addEnv(fieldRef("POD_IP", "status.podIP"))
                .addEnv(EnvVar.newBuilder().setName("DATA_DIR").setValue("/data"))
                .addVolumeMounts(VolumeMount.newBuilder().setName("data").setMountPath("/data"))
                .addPorts(ContainerPort.newBuilder().setName("http").setContainerPort(PORT))
                .setReadinessProbe(Probe.newBuilder().setPeriodSeconds(1)
                        .setHttpGet(HTTPGetAction.newBuilder().setPath("/healthz").setPort(IntOrString.newBuilder().setIntVal(PORT))));
        PodSpec.Builder pod = PodSpec.newBuilder().setTerminationGracePeriodSeconds(5);
        if (!claims) {
            pod.addVolumes(Volume.newBuilder().setName("data").setEmptyDir(dev.ordinal.api.v1.EmptyDirVolumeSource.getDefaultInstance()));
        }
        pod.addContainers(c);
        StatefulSetSpec.Builder spec = StatefulSetSpec.newBuilder().setReplicas(replicas).setServiceName(name)
                        .setSelector(LabelSelector.newBuilder().putMatchLabels("app", name))
                        .setTemplate(PodTemplateSpec.newBuilder()
                                .setMetadata(ObjectMeta.newBuilder().putLabels("app", name))
                                .setSpec(pod));
        if (claims) {
            spec.addVolumeClaimTemplates(dev.ordinal.api.v1.PersistentVolumeClaim.newBuilder()
                    .setMetadata(ObjectMeta.newBuilder().setName("data"))
                    .setSpec(dev.ordinal.api.v1.PersistentVolumeClaimSpec.newBuilder().addAccessModes("ReadWriteOnce")
                            .setResources(dev.ordinal.api.v1.ResourceRequirements.newBuilder().putRequests("storage", "1Gi"))));
        }
        return StatefulSet.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace(NAMESPACE))
                .setSpec(spec)
                .build();
    }

    private static EnvVar fieldRef(String name, String path) {
        return EnvVar.newBuilder().setName(name)
                .setValueFrom(EnvVarSource.newBuilder().setFieldRef(ObjectFieldSelector.newBuilder().setFieldPath(path))).build();
    }

    /** An HTTP call to a pod of the example; status and body. */
    record Reply(int status, String body) {
    }

    static Reply get(String ip, String path) throws IOException, InterruptedException {
        return call(HttpRequest.newBuilder(URI.create("http://" + ip + ":" + PORT + path)).GET());
    }

    static Reply put(String ip, String path, String value) throws IOException, InterruptedException {
        return call(HttpRequest.newBuilder(URI.create("http://" + ip + ":" + PORT + path)).PUT(HttpRequest.BodyPublishers.ofString(value)));
    }

    private static Reply call(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(request.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body());
    }
}

package dev.ordinal.nodeagent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.EnvVar;
import dev.ordinal.api.v1.EnvVarSource;
import dev.ordinal.api.v1.ObjectFieldSelector;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Environment and command lines built as the kubelet builds them. */
class ContainerEnvTest {
    static EnvVar ref(String name, String path) {
        return EnvVar.newBuilder().setName(name).setValueFrom(EnvVarSource.newBuilder()
                .setFieldRef(ObjectFieldSelector.newBuilder().setFieldPath(path))).build();
    }

    static EnvVar var(String name, String value) {
        return EnvVar.newBuilder().setName(name).setValue(value).build();
    }

    final Pod pod = Pod.newBuilder()
            .setMetadata(ObjectMeta.newBuilder().setName("web-1").setNamespace("shop").setUid("u-1").putLabels("app", "web"))
            .setSpec(PodSpec.newBuilder().setNodeName("node-a").setHostname("custom-host"))
            .build();

    @Test
    void expansionFollowsKubernetesRules() {
        Map<String, String> m = Map.of("A", "1", "B", "two");
        assertThat(ContainerEnv.expand("$(A)-$(B)", m::get)).isEqualTo("1-two");
        assertThat(ContainerEnv.expand("$$(A)", m::get)).isEqualTo("$(A)");
        assertThat(ContainerEnv.expand("$(MISSING)", m::get)).isEqualTo("$(MISSING)");
        assertThat(ContainerEnv.expand("$(A", m::get)).isEqualTo("$(A");
        assertThat(ContainerEnv.expand("$A $", m::get)).isEqualTo("$A $");
        assertThat(ContainerEnv.expand("$$$$", m::get)).isEqualTo("$$");
    }

    @Test
    void fieldRefsAndEarlierVariablesResolveInOrder() {
        Container c = Container.newBuilder().setName("main")
                .addEnv(var("LATER", "$(NAME)"))
                .addEnv(ref("NAME", "metadata.name"))
                .addEnv(ref("NS", "metadata.namespace"))
                .addEnv(ref("NODE", "spec.nodeName"))
                .addEnv(ref("IP", "status.podIP"))
                .addEnv(ref("HOST_IP", "status.hostIP"))
                .addEnv(ref("APP", "metadata.labels['app']"))
                .addEnv(var("URL", "http://$(IP):8080/$(NS)/$(NAME)"))
                .addCommand("echo").addArgs("$(URL)").addArgs("$$(URL)")
                .build();
        Map<String, String> env = ContainerEnv.environment(pod, c, "127.64.1.7", "127.0.0.1");
        assertThat(env).containsEntry("HOSTNAME", "custom-host")
                .containsEntry("LATER", "$(NAME)") // defined before NAME: left as written
                .containsEntry("NAME", "web-1").containsEntry("NS", "shop").containsEntry("NODE", "node-a")
                .containsEntry("IP", "127.64.1.7").containsEntry("HOST_IP", "127.0.0.1").containsEntry("APP", "web")
                .containsEntry("URL", "http://127.64.1.7:8080/shop/web-1");
        assertThat(ContainerEnv.commandLine(c, env)).containsExactly("echo", "http://127.64.1.7:8080/shop/web-1", "$(URL)");
    }

    @Test
    void hostnameIsThePodNameWithoutSpecHostname() {
        Pod plain = pod.toBuilder().setSpec(pod.getSpec().toBuilder().clearHostname()).build();
        assertThat(ContainerEnv.hostname(plain)).isEqualTo("web-1");
    }
}

package dev.ordinal.nodeagent;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.EnvVar;
import dev.ordinal.api.v1.Pod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container's environment and command line as the kubelet builds them: {@code env} entries in
 * order, {@code valueFrom.fieldRef} resolved against the pod, {@code $(VAR)} references expanded
 * from the entries before them, {@code $$} an escaped {@code $}, an unknown reference left as
 * written; then {@code command} and {@code args} expanded with the whole environment. Pure.
 */
public final class ContainerEnv {
    private static final Pattern LABEL_REF = Pattern.compile("metadata\\.(labels|annotations)\\['(.+)'\\]");

    private ContainerEnv() {
    }

    /**
     * The environment of {@code container} in {@code pod} (whose status.podIP and status.hostIP may
     * not be written yet, hence passed in), with {@code HOSTNAME} set to the pod's hostname.
     */
    public static Map<String, String> environment(Pod pod, Container container, String podIp, String hostIp) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOSTNAME", hostname(pod));
        for (EnvVar v : container.getEnvList()) {
            String value;
            if (v.hasValueFrom() && v.getValueFrom().hasFieldRef()) {
                value = fieldRef(pod, v.getValueFrom().getFieldRef().getFieldPath(), podIp, hostIp);
            } else if (v.hasValueFrom() && v.getValueFrom().hasResourceFieldRef()) {
                String resource = v.getValueFrom().getResourceFieldRef().getResource();
                String[] parts = resource.split("\\.", 2);
                Map<String, String> source = parts[0].equals("limits")
                        ? container.getResources().getLimitsMap() : container.getResources().getRequestsMap();
                value = parts.length == 2 ? source.getOrDefault(parts[1], "0") : "";
            } else {
                value = expand(v.getValue(), env::get);
            }
            env.put(v.getName(), value);
        }
        return env;
    }

    /** {@code command} followed by {@code args}, each expanded with {@code env}. */
    public static List<String> commandLine(Container container, Map<String, String> env) {
        List<String> argv = new ArrayList<>();
        for (String s : container.getCommandList()) {
            argv.add(expand(s, env::get));
        }
        for (String s : container.getArgsList()) {
            argv.add(expand(s, env::get));
        }
        return argv;
    }

    /** The pod's hostname: spec.hostname, else its name, cut to 63 characters as the kubelet does. */
    public static String hostname(Pod pod) {
        String h = pod.getSpec().getHostname().isEmpty() ? pod.getMetadata().getName() : pod.getSpec().getHostname();
        if (h.length() > 63) {
            h = h.substring(0, 63);
            while (h.endsWith("-") || h.endsWith(".")) {
                h = h.substring(0, h.length() - 1);
            }
        }
        return h;
    }

    static String fieldRef(Pod pod, String path, String podIp, String hostIp) {
        switch (path) {
            case "metadata.name":
                return pod.getMetadata().getName();
            case "metadata.namespace":
                return pod.getMetadata().getNamespace();
            case "metadata.uid":
                return pod.getMetadata().getUid();
            case "spec.nodeName":
                return pod.getSpec().getNodeName();
            case "spec.serviceAccountName":
                return pod.getSpec().getServiceAccountName();
            case "status.podIP":
            case "status.podIPs":
                return podIp;
            case "status.hostIP":
            case "status.hostIPs":
                return hostIp;
            default:
                Matcher m = LABEL_REF.matcher(path);
                if (m.matches()) {
                    Map<String, String> source = m.group(1).equals("labels")
                            ? pod.getMetadata().getLabelsMap() : pod.getMetadata().getAnnotationsMap();
                    return source.getOrDefault(m.group(2), "");
                }
                return "";
        }
    }

    /** Kubernetes' {@code $(VAR)} expansion (third_party/forked/golang/expansion). */
    public static String expand(String input, Function<String, String> mapping) {
        StringBuilder out = new StringBuilder(input.length());
        int i = 0;
        while (i < input.length()) {
            char c = input.charAt(i);
            if (c == '$' && i + 1 < input.length()) {
                char next = input.charAt(i + 1);
                if (next == '$') {
                    out.append('$');
                    i += 2;
                    continue;
                }
                if (next == '(') {
                    int close = input.indexOf(')', i + 2);
                    if (close > i + 2) {
                        String name = input.substring(i + 2, close);
                        String value = mapping.apply(name);
                        out.append(value != null ? value : "$(" + name + ")");
                        i = close + 1;
                        continue;
                    }
                }
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }
}

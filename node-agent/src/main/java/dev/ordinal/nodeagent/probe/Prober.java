package dev.ordinal.nodeagent.probe;

import dev.ordinal.api.v1.HTTPGetAction;
import dev.ordinal.api.v1.HTTPHeader;
import dev.ordinal.api.v1.IntOrString;
import dev.ordinal.api.v1.Probe;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs exec, httpGet and tcpSocket probes as the kubelet does: an HTTP status in [200, 400) is a
 * success, a TCP connect that completes is a success, an exec command that exits 0 is a success;
 * anything slower than timeoutSeconds fails.
 */
public final class Prober {
    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /**
     * @param execPrefix what runs an exec probe's command inside the container (e.g. nsenter into its
     *                   namespaces); empty to run it on the host
     */
    public ProbeResult run(Probe probe, String podIp, Map<String, String> env, Map<String, Integer> namedPorts,
            List<String> execPrefix) {
        Duration timeout = Duration.ofSeconds(probe.getTimeoutSeconds() > 0 ? probe.getTimeoutSeconds() : 1);
        try {
            if (probe.hasHttpGet()) {
                return httpGet(probe.getHttpGet(), podIp, namedPorts, timeout);
            }
            if (probe.hasTcpSocket()) {
                String host = probe.getTcpSocket().getHost().isEmpty() ? podIp : probe.getTcpSocket().getHost();
                int port = port(probe.getTcpSocket().getPort(), namedPorts);
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
                    return ProbeResult.ok();
                }
            }
            if (probe.hasExec()) {
                return exec(probe.getExec().getCommandList(), env, execPrefix, timeout);
            }
            return ProbeResult.failed("probe has no handler (exec, httpGet or tcpSocket)");
        } catch (IOException e) {
            return ProbeResult.failed(e.getClass().getSimpleName() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ProbeResult.failed("interrupted");
        } catch (IllegalArgumentException e) {
            return ProbeResult.failed(e.getMessage());
        }
    }

    private ProbeResult httpGet(HTTPGetAction get, String podIp, Map<String, Integer> namedPorts, Duration timeout)
            throws IOException, InterruptedException {
        String host = get.getHost().isEmpty() ? podIp : get.getHost();
        String scheme = get.getScheme().isEmpty() ? "http" : get.getScheme().toLowerCase();
        String path = get.getPath().isEmpty() ? "/" : get.getPath().startsWith("/") ? get.getPath() : "/" + get.getPath();
        URI uri = URI.create(scheme + "://" + host + ":" + port(get.getPort(), namedPorts) + path);
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(timeout).GET().header("User-Agent", "ordinal-probe/1.0");
        for (HTTPHeader h : get.getHttpHeadersList()) {
            req.header(h.getName(), h.getValue());
        }
        try {
            HttpResponse<Void> resp = http.send(req.build(), HttpResponse.BodyHandlers.discarding());
            int code = resp.statusCode();
            return code >= 200 && code < 400 ? ProbeResult.ok()
                    : ProbeResult.failed("HTTP probe failed with statuscode: " + code);
        } catch (java.net.http.HttpTimeoutException e) {
            return ProbeResult.failed("Get \"" + uri + "\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
        }
    }

    private static ProbeResult exec(List<String> command, Map<String, String> env, List<String> prefix, Duration timeout)
            throws IOException, InterruptedException {
        if (command.isEmpty()) {
            return ProbeResult.failed("exec probe has no command");
        }
        List<String> argv = new java.util.ArrayList<>(prefix);
        argv.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.environment().putIfAbsent("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = new byte[0];
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            return ProbeResult.failed("command " + command + " timed out after " + timeout.toSeconds() + "s");
        }
        out = p.getInputStream().readNBytes(1024);
        return p.exitValue() == 0 ? ProbeResult.ok()
                : ProbeResult.failed("command " + command + " exited with " + p.exitValue() + ": " + new String(out).trim());
    }

    static int port(IntOrString port, Map<String, Integer> namedPorts) {
        if (port.getValueCase() == IntOrString.ValueCase.INT_VAL) {
            return port.getIntVal();
        }
        Integer p = namedPorts.get(port.getStrVal());
        if (p == null) {
            try {
                return Integer.parseInt(port.getStrVal());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("no container port named \"" + port.getStrVal() + "\"");
            }
        }
        return p;
    }
}

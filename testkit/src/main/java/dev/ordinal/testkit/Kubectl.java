package dev.ordinal.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code kubectl} binary run against an Ordinal api-server, as a user types it: a
 * kubeconfig of its own (namespace {@code default}, no credentials), a discovery cache per kubectl
 * version (discovery is cached for hours, and versions must not read each other's). The versioned
 * binaries {@code kubectl.1.27} … {@code kubectl.1.33} are looked up in the directory of the system
 * property {@code ordinal.kubectl.dir}, else {@code /usr/lib/google-cloud-sdk/bin}.
 */
public final class Kubectl {
    public static final Path DIR = Path.of(System.getProperty("ordinal.kubectl.dir", "/usr/lib/google-cloud-sdk/bin"));
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);

    private final Path work;
    private final String version;

    /** What one command printed and how it ended. */
    public record Result(int exit, String out, String err) {
        public String all() {
            return out + err;
        }
    }

    private Kubectl(Path work, String version) {
        this.work = work;
        this.version = version;
    }

    /** kubectl {@code version} (for example "1.32") talking to {@code http://127.0.0.1:<apiServerPort>}, working in {@code work}. */
    public static Kubectl of(int apiServerPort, Path work, String version) throws IOException {
        Files.createDirectories(work);
        Files.writeString(work.resolve("kubeconfig"), kubeconfig(apiServerPort));
        return new Kubectl(work, version);
    }

    /** The same kubeconfig with another kubectl version, with its own discovery cache. */
    public Kubectl version(String otherVersion) {
        return new Kubectl(work, otherVersion);
    }

    /** A kubeconfig for an api-server on the loopback address, namespace default, no credentials. */
    public static String kubeconfig(int apiServerPort) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: ordinal
                  cluster:
                    server: http://127.0.0.1:%d
                contexts:
                - name: ordinal
                  context:
                    cluster: ordinal
                    user: ordinal
                    namespace: default
                current-context: ordinal
                users:
                - name: ordinal
                  user: {}
                """.formatted(apiServerPort);
    }

    public static Path binary(String version) {
        return DIR.resolve("kubectl." + version);
    }

    public Path work() {
        return work;
    }

    public Path kubeconfigFile() {
        return work.resolve("kubeconfig");
    }

    /** A process for {@code kubectl args…}, not started (for {@code -w} and {@code -f}, which do not end by themselves). */
    public ProcessBuilder command(String... args) {
        List<String> command = new ArrayList<>();
        command.add(binary(version).toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile());
        pb.environment().put("KUBECONFIG", kubeconfigFile().toString());
        pb.environment().put("KUBECACHEDIR", work.resolve("cache-" + version).toString());
        return pb;
    }

    /** Runs {@code kubectl args…} to its end (at most two minutes) and returns what it printed. */
    public Result run(String... args) {
        try {
            Process process = command(args).start();
            process.getOutputStream().close();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish within " + COMMAND_TIMEOUT);
            }
            return new Result(process.exitValue(), out.get(), err.get());
        } catch (IOException e) {
            throw new IllegalStateException("cannot run kubectl " + String.join(" ", args) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running kubectl " + String.join(" ", args), e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("cannot read kubectl's output", e);
        }
    }

    /** Runs {@code kubectl args…} and fails with its output unless it exits 0. */
    public Result ok(String... args) {
        Result r = run(args);
        if (r.exit() != 0) {
            throw new AssertionError("kubectl " + String.join(" ", args) + " exited " + r.exit() + ":\n" + r.all());
        }
        return r;
    }

    private static String read(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}

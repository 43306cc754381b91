package dev.ordinal.nodeagent.runtime;

import dev.ordinal.api.v1.Probe;
import dev.ordinal.nodeagent.probe.ProbeResult;
import dev.ordinal.nodeagent.probe.Prober;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Runs each container instance as a real host process in its own process group, under a
 * supervisor ({@code shim.py}) that outlives the agent, writes the exit status, and kills the
 * group when the agent's heartbeat goes stale (see docs/node-agent.md). As root (or with
 * {@code namespaces=true}) the process runs in private mount and UTS namespaces ({@code unshare}),
 * where its volumes are bind-mounted at their mountPath and the hostname is the pod's.
 *
 * <p>On disk, under {@code <state-dir>/pods/<uid>/}: {@code pod.json} (namespace and name) and per
 * container {@code <container>/current.json} (the latest instance and its supervisor) plus, per
 * instance n, {@code n.json} (the supervisor's spec), {@code n.log} (stdout and stderr),
 * {@code n.pid} (the process group) and {@code n.exit} (how it ended). A restarted agent re-adopts
 * from these files.
 */
public final class ProcessRuntime implements PodRuntime {
    private static final Logger LOG = Logger.getLogger(ProcessRuntime.class);

    private final Path stateDir;
    private final Path heartbeat;
    private final Path eventsFile;
    private final Path shim;
    private final String python;
    private final boolean namespaces;
    private final double fenceAfterSeconds;
    private final Prober prober = new Prober();

    private record Instance(String podUid, String container, int instance, Instant startedAt, long shimPid,
            Instant shimStart, Path dir) implements ContainerInstance {
        @Override
        public String containerId() {
            return "process://" + podUid + "/" + container + "/" + instance;
        }

        Path file(String suffix) {
            return dir.resolve(instance + suffix);
        }
    }

    public ProcessRuntime(Path stateDir, Path heartbeat, Path eventsFile, String python, boolean namespaces,
            double fenceAfterSeconds) {
        this.stateDir = stateDir;
        this.heartbeat = heartbeat;
        this.eventsFile = eventsFile;
        this.python = python;
        this.namespaces = namespaces;
        this.fenceAfterSeconds = fenceAfterSeconds;
        try {
            Files.createDirectories(stateDir.resolve("pods"));
            this.shim = stateDir.resolve("shim.py");
            try (InputStream in = ProcessRuntime.class.getResourceAsStream("/dev/ordinal/nodeagent/shim.py")) {
                Path tmp = stateDir.resolve("shim.py.tmp");
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, shim, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the state directory " + stateDir, e);
        }
    }

    /**
     * Whether private namespaces can be used: util-linux {@code unshare} and {@code nsenter} on the
     * PATH, and either root or unprivileged user namespaces (an ordinary user then gets a private
     * root, see {@link #argv}).
     */
    public static boolean namespacesAvailable() {
        if (!onPath("unshare") || !onPath("nsenter")) {
            return false;
        }
        return ROOT || USER_NAMESPACES.get();
    }

    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    /** Whether this user may create a user namespace with a mount namespace (tried once). */
    private static final java.util.function.Supplier<Boolean> USER_NAMESPACES = new java.util.function.Supplier<>() {
        private volatile Boolean answer;

        @Override
        public Boolean get() {
            if (answer == null) {
                try {
                    Process p = new ProcessBuilder("unshare", "--user", "--map-root-user", "--mount", "true")
                            .redirectErrorStream(true).start();
                    p.getInputStream().readAllBytes();
                    answer = p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0;
                } catch (IOException e) {
                    answer = false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    answer = false;
                }
            }
            return answer;
        }
    };

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    public boolean namespaces() {
        return namespaces;
    }

    @Override
    public boolean real() {
        return true;
    }

    @Override
    public ContainerInstance start(ContainerLaunch l) throws ContainerStartException {
        if (l.argv().isEmpty()) {
            throw new ContainerStartException("CreateContainerError", "container " + l.container()
                    + " has no command: the process runtime runs commands, not images; set command (and args)");
        }
        Path podDir = stateDir.resolve("pods").resolve(l.podUid());
        Path dir = podDir.resolve(l.container());
        try {
            Files.createDirectories(dir);
            Path podFile = podDir.resolve("pod.json");
            if (!Files.exists(podFile)) {
                writeAtomic(podFile, new JsonObject().put("namespace", l.namespace()).put("name", l.podName())
                        .put("uid", l.podUid()).encode());
            }
            int n = l.instance();
            Instance pending = new Instance(l.podUid(), l.container(), n, Instant.now(), 0, null, dir);
            Map<String, String> env = new HashMap<>(l.env());
            env.putIfAbsent("PATH", System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
            JsonObject spec = new JsonObject()
                    .put("argv", new JsonArray(argv(l, dir)))
                    .put("env", new JsonObject(new HashMap<>(env)))
                    .put("cwd", l.workingDir())
                    .put("log", pending.file(".log").toString())
                    .put("pidFile", pending.file(".pid").toString())
                    .put("exitFile", pending.file(".exit").toString())
                    .put("heartbeat", heartbeat.toString())
                    .put("fenceAfterSeconds", fenceAfterSeconds)
                    .put("events", eventsFile.toString())
                    .put("identity", l.identity())
                    .put("uid", l.podUid())
                    .put("node", l.node())
                    .put("instance", n);
            Files.deleteIfExists(pending.file(".exit"));
            Files.deleteIfExists(pending.file(".pid"));
            writeAtomic(pending.file(".json"), spec.encodePrettily());
            ProcessBuilder pb = new ProcessBuilder(python, shim.toString(), pending.file(".json").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("shim.log").toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p = pb.start();
            Instant shimStart = p.info().startInstant().orElse(Instant.now());
            Instance started = new Instance(l.podUid(), l.container(), n, Instant.now(), p.pid(), shimStart, dir);
            writeAtomic(dir.resolve("current.json"), new JsonObject().put("instance", n).put("shimPid", p.pid())
                    .put("shimStart", shimStart.toEpochMilli()).put("startedAt", started.startedAt.toEpochMilli()).encode());
            return started;
        } catch (IOException e) {
            throw new ContainerStartException("RunContainerError", "cannot start the supervisor of container "
                    + l.container() + " (" + python + " " + shim + "): " + e.getMessage());
        }
    }

    private List<String> argv(ContainerLaunch l, Path dir) throws IOException {
        if (!namespaces) {
            return l.argv();
        }
        if (!ROOT) {
            return userNamespaceArgv(l, dir);
        }
        StringBuilder script = new StringBuilder("set -e\n");
        script.append("hostname ").append(quote(l.hostname())).append('\n');
        for (ContainerLaunch.Mount m : l.mounts()) {
            script.append("mkdir -p ").append(quote(m.target())).append('\n');
            script.append("mount --bind ").append(quote(m.source().toString())).append(' ').append(quote(m.target())).append('\n');
            if (m.readOnly()) {
                script.append("mount -o remount,bind,ro ").append(quote(m.target())).append('\n');
            }
        }
        script.append("exec \"$@\"\n");
        List<String> argv = new ArrayList<>(List.of("unshare", "--mount", "--uts", "--propagation", "private", "--",
                "/bin/sh", "-c", script.toString(), "ordinal-setup"));
        argv.addAll(l.argv());
        return argv;
    }

    /**
     * As an ordinary user the host's directories cannot take new mount points (a mountPath such as
     * {@code /data}), so the container gets a private root instead: in a user namespace (its root is
     * this user) with private mount and UTS namespaces, a tmpfs at {@code <container dir>/root} takes
     * every top-level directory of the host (recursive bind mounts, symlinks as they are) and the
     * volumes at their mountPaths, and the command runs chrooted there, in the directory it was given.
     * A mountPath inside one of the host's own directories must already exist there.
     */
    private static List<String> userNamespaceArgv(ContainerLaunch l, Path dir) throws IOException {
        Path root = Files.createDirectories(dir.resolve("root"));
        StringBuilder script = new StringBuilder("set -e\n");
        script.append("hostname ").append(quote(l.hostname())).append('\n');
        script.append("R=").append(quote(root.toString())).append('\n');
        script.append("mount -t tmpfs -o mode=755 ordinal-root \"$R\"\n");
        script.append("for d in /*; do n=\"${d#/}\"; if [ -L \"$d\" ]; then ln -s \"$(readlink \"$d\")\" \"$R/$n\"; ")
                .append("elif [ -d \"$d\" ]; then mkdir \"$R/$n\"; mount --rbind \"$d\" \"$R/$n\"; fi; done\n");
        for (ContainerLaunch.Mount m : l.mounts()) {
            script.append("mkdir -p \"$R\"").append(quote(m.target())).append('\n');
            script.append("mount --bind ").append(quote(m.source().toString())).append(" \"$R\"").append(quote(m.target())).append('\n');
            if (m.readOnly()) {
                script.append("mount -o remount,bind,ro \"$R\"").append(quote(m.target())).append('\n');
            }
        }
        script.append("wd=\"$PWD\"\n");
        script.append("exec chroot \"$R\" /bin/sh -c 'cd \"$0\" 2>/dev/null || cd /; exec \"$@\"' \"$wd\" \"$@\"\n");
        List<String> argv = new ArrayList<>(List.of("unshare", "--user", "--map-root-user", "--mount", "--uts",
                "--propagation", "private", "--", "/bin/sh", "-c", script.toString(), "ordinal-setup"));
        argv.addAll(l.argv());
        return argv;
    }

    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    @Override
    public InstanceState inspect(ContainerInstance ci) {
        Instance i = (Instance) ci;
        Optional<InstanceState.Exited> exited = readExit(i);
        if (exited.isPresent()) {
            return exited.get();
        }
        if (shimAlive(i)) {
            // Running once the supervisor has started the process and recorded its group.
            return Files.exists(i.file(".pid")) ? new InstanceState.Running(i.startedAt()) : new InstanceState.Creating();
        }
        exited = readExit(i);
        if (exited.isPresent()) {
            return exited.get();
        }
        // The supervisor died without a word (killed with SIGKILL): nothing watches the process any more.
        readPgid(i).ifPresent(pgid -> signal(pgid, "KILL"));
        return new InstanceState.Exited(137, 9, "SupervisorLost", "the container's supervisor disappeared; its process group was killed",
                i.startedAt(), Instant.now());
    }

    private Optional<InstanceState.Exited> readExit(Instance i) {
        Path f = i.file(".exit");
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            JsonObject j = new JsonObject(Files.readString(f));
            long startedAt = j.getLong("startedAt", i.startedAt().toEpochMilli());
            return Optional.of(new InstanceState.Exited(j.getInteger("exitCode", 0), j.getInteger("signal", 0),
                    j.getString("reason", "Error"), j.getString("message", ""), Instant.ofEpochMilli(startedAt),
                    Instant.ofEpochMilli(j.getLong("finishedAt", System.currentTimeMillis()))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static boolean shimAlive(Instance i) {
        return ProcessHandle.of(i.shimPid())
                .filter(ProcessHandle::isAlive)
                .filter(h -> i.shimStart() == null || h.info().startInstant()
                        .map(s -> Math.abs(s.toEpochMilli() - i.shimStart().toEpochMilli()) < 2000).orElse(true))
                .isPresent();
    }

    private Optional<Long> readPgid(Instance i) {
        try {
            return Optional.of(Long.parseLong(Files.readString(i.file(".pid")).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public void terminate(ContainerInstance ci) {
        signalGroup((Instance) ci, "TERM");
    }

    @Override
    public void kill(ContainerInstance ci) {
        signalGroup((Instance) ci, "KILL");
    }

    private void signalGroup(Instance i, String signal) {
        Optional<Long> pgid = readPgid(i);
        if (pgid.isEmpty() && shimAlive(i)) {
            // The supervisor is between spawning and recording the group; give it a moment.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (pgid.isEmpty() && System.nanoTime() < deadline && readExit(i).isEmpty()) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                pgid = readPgid(i);
            }
        }
        pgid.ifPresent(g -> signal(g, signal));
    }

    private static void signal(long pgid, String signal) {
        try {
            Process p = new ProcessBuilder("kill", "-s", signal, "--", "-" + pgid).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            LOG.warnf("cannot send SIG%s to process group %d: %s", signal, pgid, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public ProbeResult probe(ContainerInstance ci, Probe probe, String podIp, Map<String, String> env) {
        Instance i = (Instance) ci;
        List<String> prefix = List.of();
        if (namespaces && probe.hasExec()) {
            Optional<Long> pid = readPgid(i);
            if (pid.isEmpty()) {
                return ProbeResult.failed("container process not started yet");
            }
            prefix = ROOT ? List.of("nsenter", "-t", String.valueOf(pid.get()), "-m", "-u", "--")
                    : List.of("nsenter", "-t", String.valueOf(pid.get()), "-U", "-m", "-u", "-r", "-w", "--preserve-credentials", "--");
        }
        return prober.run(probe, podIp, env, Map.of(), prefix);
    }

    @Override
    public Map<String, String> recoverablePods() {
        Map<String, String> pods = new HashMap<>();
        try (Stream<Path> dirs = Files.list(stateDir.resolve("pods"))) {
            dirs.forEach(d -> {
                try {
                    JsonObject j = new JsonObject(Files.readString(d.resolve("pod.json")));
                    pods.put(d.getFileName().toString(), j.getString("namespace") + "/" + j.getString("name"));
                } catch (IOException | RuntimeException e) {
                    pods.put(d.getFileName().toString(), "");
                }
            });
        } catch (IOException e) {
            LOG.warnf("cannot list %s: %s", stateDir.resolve("pods"), e.getMessage());
        }
        return pods;
    }

    @Override
    public List<RecoveredContainer> recover(String podUid) {
        List<RecoveredContainer> found = new ArrayList<>();
        Path podDir = stateDir.resolve("pods").resolve(podUid);
        if (!Files.isDirectory(podDir)) {
            return found;
        }
        try (Stream<Path> dirs = Files.list(podDir)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                Path current = dir.resolve("current.json");
                if (!Files.exists(current)) {
                    continue;
                }
                JsonObject j = new JsonObject(Files.readString(current));
                int n = j.getInteger("instance");
                Instance i = new Instance(podUid, dir.getFileName().toString(), n,
                        Instant.ofEpochMilli(j.getLong("startedAt")), j.getLong("shimPid"),
                        Instant.ofEpochMilli(j.getLong("shimStart")), dir);
                found.add(new RecoveredContainer(i, n));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warnf("cannot read the state of pod %s under %s: %s", podUid, podDir, e.getMessage());
        }
        return found;
    }

    /** Kills whatever a previous agent left running for a pod, without needing its handles. */
    public void killLeftovers(String podUid) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (RecoveredContainer c : recover(podUid)) {
            Instance i = (Instance) c.instance();
            // A supervisor may still be starting its process: keep killing the group until the supervisor
            // has seen it die (and recorded it), so nothing of the pod outlives this call.
            while (shimAlive(i) && System.nanoTime() < deadline) {
                readPgid(i).ifPresent(g -> signal(g, "KILL"));
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public void forget(String podUid) {
        Path podDir = stateDir.resolve("pods").resolve(podUid);
        if (!Files.exists(podDir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(podDir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // a volume still mounted somewhere stays; logged below
                }
            });
        } catch (IOException e) {
            LOG.warnf("cannot remove %s: %s", podDir, e.getMessage());
        }
    }

    @Override
    public Optional<Path> logFile(String podUid, String container, int instance) {
        Path f = stateDir.resolve("pods").resolve(podUid).resolve(container).resolve(instance + ".log");
        return Files.exists(f) ? Optional.of(f) : Optional.empty();
    }

    @Override
    public void close() {
        // Supervisors and their processes outlive the agent on purpose: a restarted agent re-adopts them.
    }

    private static void writeAtomic(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}

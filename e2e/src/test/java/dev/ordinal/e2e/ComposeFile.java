package dev.ordinal.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code deploy/docker-compose.yml} as docker-compose itself resolves it ({@code docker-compose config}:
 * merge keys, interpolation and defaults applied), plus the Dockerfile its Ordinal services are built
 * from. Without docker-compose on the machine the file is read directly (snakeyaml resolves the
 * merge keys the same way); {@link #validate()} then says docker-compose is missing.
 */
final class ComposeFile {
    static final List<String> MODULES = List.of("api-server", "controller-manager", "scheduler", "node-agent", "dns");

    final Path root;
    final Path file;
    final Map<String, Service> services = new LinkedHashMap<>();
    final Dockerfile dockerfile;

    record Port(int number, String protocol) {
        static Port parse(Object raw) {
            String s = String.valueOf(raw);
            int slash = s.indexOf('/');
            return new Port(Integer.parseInt(slash < 0 ? s : s.substring(0, slash)), slash < 0 ? "tcp" : s.substring(slash + 1));
        }
    }

    /** One service of the file. */
    record Service(String name, Map<String, Object> raw) {
        Optional<String> image() {
            return Optional.ofNullable((String) raw.get("image"));
        }

        boolean isPostgres() {
            return image().map(i -> i.startsWith("postgres:") || i.equals("postgres")).orElse(false);
        }

        /** The Ordinal module this service is built from ({@code build.args.MODULE}), if any. */
        Optional<String> module() {
            return Optional.ofNullable(map(map(raw.get("build")).get("args")).get("MODULE")).map(String::valueOf);
        }

        Optional<String> dockerfile() {
            return Optional.ofNullable(map(raw.get("build")).get("dockerfile")).map(String::valueOf);
        }

        /** ORDINAL_NODE_AGENT_ for node-agent. */
        String prefix() {
            return "ORDINAL_" + module().orElseThrow().toUpperCase(Locale.ROOT).replace('-', '_') + "_";
        }

        Map<String, String> environment() {
            Object env = raw.get("environment");
            Map<String, String> out = new LinkedHashMap<>();
            if (env instanceof Map<?, ?> m) {
                m.forEach((k, v) -> out.put(String.valueOf(k), v == null ? "" : String.valueOf(v)));
            } else if (env instanceof List<?> l) {
                for (Object o : l) {
                    String s = String.valueOf(o);
                    int eq = s.indexOf('=');
                    out.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? "" : s.substring(eq + 1));
                }
            }
            return out;
        }

        List<Port> exposed() {
            Object e = raw.get("expose");
            List<Port> out = new ArrayList<>();
            if (e instanceof List<?> l) {
                l.forEach(p -> out.add(Port.parse(p)));
            }
            return out;
        }

        boolean exposes(int port) {
            return exposed().stream().anyMatch(p -> p.number() == port);
        }

        /** depends_on: service → condition ({@code service_started} for the short list form). */
        Map<String, String> dependsOn() {
            Object d = raw.get("depends_on");
            Map<String, String> out = new LinkedHashMap<>();
            if (d instanceof List<?> l) {
                l.forEach(s -> out.put(String.valueOf(s), "service_started"));
            } else if (d instanceof Map<?, ?> m) {
                m.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(map(v).getOrDefault("condition", "service_started"))));
            }
            return out;
        }

        /** The health check's {@code test} as a command line (CMD form), empty when there is none. */
        List<String> healthcheck() {
            Object test = map(raw.get("healthcheck")).get("test");
            List<String> out = new ArrayList<>();
            if (test instanceof List<?> l) {
                l.forEach(o -> out.add(String.valueOf(o)));
            } else if (test instanceof String s) {
                out.add("CMD-SHELL");
                out.add(s);
            }
            return out;
        }

        /** Fixed addresses on the compose networks ({@code networks.<net>.ipv4_address}). */
        List<String> fixedAddresses() {
            List<String> out = new ArrayList<>();
            if (raw.get("networks") instanceof Map<?, ?> nets) {
                nets.values().forEach(n -> Optional.ofNullable(map(n).get("ipv4_address")).map(String::valueOf).ifPresent(out::add));
            }
            return out;
        }

        List<String> list(String key) {
            Object v = raw.get(key);
            List<String> out = new ArrayList<>();
            if (v instanceof List<?> l) {
                l.forEach(o -> out.add(String.valueOf(o)));
            } else if (v instanceof String s) {
                out.addAll(List.of(s.trim().split("\\s+")));
            }
            return out;
        }
    }

    /** The parts of a Dockerfile that decide what runs: COPY, ENV, WORKDIR and ENTRYPOINT/CMD (exec form). */
    record Dockerfile(Path path, Map<String, String> copies, Map<String, String> env, String workdir, List<String> entrypoint,
            List<String> cmd) {
        static Dockerfile parse(Path path) throws IOException {
            String text = Files.readString(path).replaceAll("\\\\\\n", " ");
            Map<String, String> copies = new LinkedHashMap<>();
            Map<String, String> env = new LinkedHashMap<>();
            String workdir = "/";
            List<String> entrypoint = List.of();
            List<String> cmd = List.of();
            for (String line : text.split("\n")) {
                String l = line.strip();
                if (l.startsWith("#") || l.isEmpty()) {
                    continue;
                }
                String[] parts = l.split("\\s+", 2);
                String rest = parts.length > 1 ? parts[1].strip() : "";
                switch (parts[0].toUpperCase(Locale.ROOT)) {
                    case "COPY" -> {
                        String[] args = rest.split("\\s+");
                        copies.put(args[args.length - 1], args[0]);
                    }
                    case "ENV" -> {
                        Matcher m = Pattern.compile("(\\w+)=(\\S*)").matcher(rest);
                        while (m.find()) {
                            env.put(m.group(1), m.group(2));
                        }
                    }
                    case "WORKDIR" -> workdir = rest;
                    case "ENTRYPOINT" -> entrypoint = execForm(path, "ENTRYPOINT", rest);
                    case "CMD" -> cmd = execForm(path, "CMD", rest);
                    default -> {
                    }
                }
            }
            return new Dockerfile(path, copies, env, workdir, entrypoint, cmd);
        }

        private static List<String> execForm(Path path, String instruction, String rest) {
            if (!rest.startsWith("[")) {
                throw new AssertionError(path + ": " + instruction + " must use the exec (JSON array) form, not a shell line: " + rest);
            }
            List<String> out = new ArrayList<>();
            Matcher m = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(rest);
            while (m.find()) {
                out.add(m.group(1));
            }
            return out;
        }
    }

    private ComposeFile(Path root, Map<String, Object> doc) throws IOException {
        this.root = root;
        this.file = root.resolve("deploy/docker-compose.yml");
        map(doc.get("services")).forEach((name, raw) -> services.put(String.valueOf(name), new Service(String.valueOf(name), map(raw))));
        this.dockerfile = Dockerfile.parse(root.resolve("deploy/docker/Dockerfile.jvm"));
    }

    /** The checkout's root: the first directory above the working directory holding deploy/docker-compose.yml. */
    static Path checkoutRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("deploy/docker-compose.yml"))) {
                return dir;
            }
        }
        throw new AssertionError("no deploy/docker-compose.yml above " + Path.of("").toAbsolutePath());
    }

    static ComposeFile load() throws IOException, InterruptedException {
        Path root = checkoutRoot();
        Path file = root.resolve("deploy/docker-compose.yml");
        String text = dockerCompose(root, "config").filter(r -> r.exit() == 0).map(Result::output).orElse(Files.readString(file));
        return parse(root, text);
    }

    /** The compose file given as text (merge keys resolved, no interpolation). */
    static ComposeFile parse(Path root, String text) throws IOException {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Map<String, Object> doc = new Yaml(options).load(text);
        return new ComposeFile(root, doc);
    }

    record Result(int exit, String output) {
    }

    /** Runs docker-compose on the file; empty when docker-compose is not installed. */
    static Optional<Result> dockerCompose(Path root, String... args) throws IOException, InterruptedException {
        if (!onPath("docker-compose")) {
            return Optional.empty();
        }
        List<String> command = new ArrayList<>(List.of("docker-compose", "-f", root.resolve("deploy/docker-compose.yml").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("docker-compose " + String.join(" ", args) + " did not finish within 60 s");
        }
        return Optional.of(new Result(p.exitValue(), out));
    }

    static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    List<Service> ordinalServices() {
        return services.values().stream().filter(s -> s.module().isPresent()).toList();
    }

    List<Service> ofModule(String module) {
        return services.values().stream().filter(s -> s.module().filter(module::equals).isPresent()).toList();
    }

    Optional<Service> postgres() {
        return services.values().stream().filter(Service::isPostgres).findFirst();
    }

    /**
     * What the file gets wrong, one sentence each naming the service and the key: the wiring that would
     * make a service start but not work in containers (listening on loopback only, the wrong api-server,
     * a health check on a port it does not serve, a misspelt setting that silently falls back to its
     * default, a start order without health conditions).
     */
    List<String> problems() throws IOException {
        List<String> p = new ArrayList<>();
        java.util.Set<String> known = knownEnvironmentVariables();
        Optional<Service> pg = postgres();
        if (pg.isEmpty()) {
            p.add("no PostgreSQL service (image postgres:<version>) for the api-server's KUBE_DB_URL");
        }
        for (String module : MODULES) {
            int count = ofModule(module).size();
            if (module.equals("node-agent") ? count < 3 : count != 1) {
                p.add("expected " + (module.equals("node-agent") ? "at least three services" : "exactly one service")
                        + " built with MODULE=" + module + ", found " + count);
            }
        }
        if (!p.isEmpty()) {
            return p;
        }
        Service api = ofModule("api-server").get(0);
        String apiPort = api.environment().get("ORDINAL_API_SERVER_HTTP_PORT");
        for (Service s : ordinalServices()) {
            String n = s.name();
            String prefix = s.prefix();
            Map<String, String> env = s.environment();
            if (!s.dockerfile().map(d -> root.resolve(d).normalize().equals(dockerfile.path().normalize())).orElse(false)) {
                p.add(n + ": build.dockerfile is " + s.dockerfile().orElse("unset") + ", expected deploy/docker/Dockerfile.jvm");
            }
            for (String key : env.keySet()) {
                if (key.startsWith("ORDINAL_") && !key.startsWith(prefix)) {
                    p.add(n + ": " + key + " is not a setting of " + s.module().get() + " (its keys start with " + prefix + ")");
                } else if (key.startsWith("ORDINAL_") && !known.contains(key)) {
                    p.add(n + ": " + key + " is not a known setting (not in docs/configuration.md); a misspelt key is ignored and its default used");
                }
            }
            String host = env.getOrDefault(prefix + "HOST", dockerfile.env().get(prefix + "HOST"));
            if (!"0.0.0.0".equals(host)) {
                p.add(n + ": " + prefix + "HOST is " + host + ", must be 0.0.0.0 (otherwise it listens on its container's loopback only)");
            }
            String port = env.get(prefix + "HTTP_PORT");
            if (port == null) {
                p.add(n + ": " + prefix + "HTTP_PORT is not set; the health check and the expose list must name the port it serves");
            } else {
                if (!s.exposes(Integer.parseInt(port))) {
                    p.add(n + ": serves HTTP on " + port + " (" + prefix + "HTTP_PORT) but does not list it under expose");
                }
                List<String> check = s.healthcheck();
                String url = "http://localhost:" + port + "/q/health/ready";
                if (check.isEmpty() || !check.get(0).equals("CMD") || !check.contains(url)) {
                    p.add(n + ": healthcheck.test must be [\"CMD\", \"curl\", …, \"" + url + "\"], is " + check);
                }
            }
            if (s != api) {
                String target = env.get(prefix + "API_SERVER");
                String expected = api.name() + ":" + apiPort;
                if (!expected.equals(target)) {
                    p.add(n + ": " + prefix + "API_SERVER is " + target + ", must be " + expected + " (the api-server service and its port)");
                }
                if (!"service_healthy".equals(s.dependsOn().get(api.name()))) {
                    p.add(n + ": depends_on must name " + api.name() + " with condition: service_healthy, is " + s.dependsOn());
                }
            }
        }
        if (pg.isPresent()) {
            Service db = pg.get();
            String url = api.environment().get("KUBE_DB_URL");
            Matcher m = url == null ? null : Pattern.compile("postgresql://([^:@/]+)(?::([^@/]*))?@([^:/]+)(?::(\\d+))?/(\\w+)").matcher(url);
            if (m == null || !m.matches()) {
                p.add(api.name() + ": KUBE_DB_URL is " + url + ", must be postgresql://user:password@" + db.name() + ":5432/database");
            } else {
                Map<String, String> dbEnv = db.environment();
                if (!m.group(3).equals(db.name())) {
                    p.add(api.name() + ": KUBE_DB_URL names host " + m.group(3) + ", the PostgreSQL service is " + db.name());
                }
                int dbPort = m.group(4) == null ? 5432 : Integer.parseInt(m.group(4));
                if (!db.exposes(dbPort)) {
                    p.add(db.name() + ": does not list " + dbPort + " (the port of the api-server's KUBE_DB_URL) under expose");
                }
                check(p, api.name() + ": KUBE_DB_URL user", m.group(1), db.name() + "'s POSTGRES_USER", dbEnv.get("POSTGRES_USER"));
                check(p, api.name() + ": KUBE_DB_URL password", m.group(2), db.name() + "'s POSTGRES_PASSWORD", dbEnv.get("POSTGRES_PASSWORD"));
                check(p, api.name() + ": KUBE_DB_URL database", m.group(5), db.name() + "'s POSTGRES_DB", dbEnv.get("POSTGRES_DB"));
            }
            if (!"service_healthy".equals(api.dependsOn().get(db.name()))) {
                p.add(api.name() + ": depends_on must name " + db.name() + " with condition: service_healthy, is " + api.dependsOn());
            }
            if (db.healthcheck().isEmpty()) {
                p.add(db.name() + ": has no healthcheck, so service_healthy can never hold");
            }
        }
        java.util.Set<String> nodeNames = new java.util.HashSet<>();
        for (Service s : ofModule("node-agent")) {
            Map<String, String> env = s.environment();
            String node = env.get("ORDINAL_NODE_AGENT_NODE_NAME");
            if (node == null || !nodeNames.add(node)) {
                p.add(s.name() + ": ORDINAL_NODE_AGENT_NODE_NAME must be set and differ between node agents, is " + node);
            }
            String address = env.get("ORDINAL_NODE_AGENT_ADDRESS");
            if (address == null || !s.fixedAddresses().contains(address)) {
                p.add(s.name() + ": ORDINAL_NODE_AGENT_ADDRESS is " + address + ", must be its fixed ipv4_address on the compose network "
                        + s.fixedAddresses() + " (the api-server dials it for kubectl logs)");
            }
            if (env.get("ORDINAL_NODE_AGENT_STATE_DIR") == null) {
                p.add(s.name() + ": ORDINAL_NODE_AGENT_STATE_DIR is not set; its default is relative to the working directory");
            }
        }
        for (Service dns : ofModule("dns")) {
            String listen = dns.environment().getOrDefault("ORDINAL_DNS_LISTEN", "127.0.0.1:10053");
            int port = Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
            if (!listen.startsWith("0.0.0.0:")) {
                p.add(dns.name() + ": ORDINAL_DNS_LISTEN is " + listen + ", must be 0.0.0.0:<port> to answer outside its container");
            }
            for (String proto : List.of("udp", "tcp")) {
                if (dns.exposed().stream().noneMatch(e -> e.number() == port && e.protocol().equals(proto))) {
                    p.add(dns.name() + ": answers DNS on " + port + "/" + proto + " but does not list " + port + "/" + proto + " under expose");
                }
            }
        }
        return p;
    }

    private static void check(List<String> p, String what, String value, String otherWhat, String other) {
        if (!java.util.Objects.equals(value, other)) {
            p.add(what + " is " + value + " but " + otherWhat + " is " + other);
        }
    }

    /** Every ORDINAL_* variable docs/configuration.md names, and those derived from its ordinal.* keys. */
    java.util.Set<String> knownEnvironmentVariables() throws IOException {
        String doc = Files.readString(root.resolve("docs/configuration.md"));
        java.util.Set<String> out = new java.util.HashSet<>();
        Matcher env = Pattern.compile("ORDINAL_[A-Z0-9_]+").matcher(doc);
        while (env.find()) {
            out.add(env.group());
        }
        Matcher key = Pattern.compile("`(ordinal\\.[a-z0-9.-]+)`").matcher(doc);
        while (key.find()) {
            out.add(key.group(1).toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }
}

package dev.ordinal.apiserver.embedded;

import dev.ordinal.apiserver.ApiServerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * A private PostgreSQL server for one machine: its data under a directory of ours, listening on 127.0.0.1 only,
 * run as an unprivileged user when we are root, and reused when a server from the same directory is already up.
 *
 * <p>Not thread-safe for concurrent start/stop; {@link #close()} is idempotent.
 */
public final class EmbeddedPostgres implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EmbeddedPostgres.class);

    public static final String HOST = "127.0.0.1";
    /** The superuser created by initdb; trusted on loopback, so no password. */
    public static final String SUPERUSER = "ordinal";
    /** The database the api-server uses; created when missing. */
    public static final String DATABASE = "ordinal";

    private static final String SERVER_LOG = "server.log";
    /** Held by the process responsible for stopping the server; see {@link #close()}. */
    private static final String OWNER_LOCK = "ordinal-owner.lock";
    private static final int PORT_ATTEMPTS = 3;

    /** How to run the embedded server; {@link #from} reads them from the api-server configuration. */
    /**
     * {@code avoidPorts}: ports a free port is never picked from, such as the HTTP port the api-server is about
     * to bind in the same process (free when PostgreSQL picks, taken a second later).
     */
    public record Settings(Path dataDir, int port, Optional<Path> binDir, boolean fsync, boolean useBundledBinaries,
            String osUser, Duration startTimeout, Set<Integer> avoidPorts) {

        /** Defaults for a data directory: any free port, installed binaries, fsync on. */
        public static Settings forDirectory(Path dataDir) {
            return new Settings(dataDir, 0, Optional.empty(), true, false, "ordinal", Duration.ofSeconds(60), Set.of());
        }

        public static Settings from(ApiServerConfig.EmbeddedDb config) {
            return new Settings(Path.of(config.dir()), config.port(), config.binDir().map(Path::of), config.fsync(),
                    config.useBundledBinaries(), config.osUser(), Duration.ofSeconds(60), Set.of());
        }

        public Settings withPort(int port) {
            return new Settings(dataDir, port, binDir, fsync, useBundledBinaries, osUser, startTimeout, avoidPorts);
        }

        /** fsync off trades crash safety for speed: for tests only. */
        public Settings withFsync(boolean fsync) {
            return new Settings(dataDir, port, binDir, fsync, useBundledBinaries, osUser, startTimeout, avoidPorts);
        }

        public Settings withBundledBinaries(boolean useBundledBinaries) {
            return new Settings(dataDir, port, binDir, fsync, useBundledBinaries, osUser, startTimeout, avoidPorts);
        }

        public Settings withAvoidPorts(Set<Integer> avoidPorts) {
            return new Settings(dataDir, port, binDir, fsync, useBundledBinaries, osUser, startTimeout, Set.copyOf(avoidPorts));
        }
    }

    private final Settings settings;
    private final Path dataDir;
    private final ServerAccount account;
    private final PostgresBinaries binaries;
    private int port;
    private boolean reused;
    private boolean running;
    private FileChannel ownerLockChannel;
    private FileLock ownerLock;

    private EmbeddedPostgres(Settings settings) {
        this.settings = settings;
        this.dataDir = settings.dataDir().toAbsolutePath().normalize();
        this.account = ServerAccount.choose(settings.osUser());
        this.binaries = PostgresBinaries.locate(settings.binDir(), settings.useBundledBinaries(), dataDir.getParent());
        this.port = settings.port();
    }

    /**
     * Starts the server for {@code settings.dataDir()} (creating the cluster if the directory is empty), or reuses
     * the one already running from that directory, and makes sure the {@value #DATABASE} database exists.
     */
    public static EmbeddedPostgres start(Settings settings) {
        EmbeddedPostgres postgres = new EmbeddedPostgres(settings);
        try {
            postgres.account.prepareDirectory(postgres.dataDir);
            postgres.initIfEmpty();
            postgres.takeOwnershipIfFree();
            postgres.startOrReuse();
            postgres.createDatabaseIfMissing();
            return postgres;
        } catch (RuntimeException e) {
            postgres.close();
            throw e;
        }
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    public PostgresBinaries binaries() {
        return binaries;
    }

    /** The account PostgreSQL runs as. */
    public String osUser() {
        return account.name();
    }

    /** True when a server already running from the same directory was found and used. */
    public boolean reused() {
        return reused;
    }

    /** True when this instance will stop the server on {@link #close()}. */
    public boolean ownsServer() {
        return ownerLock != null;
    }

    /** The URL of the {@value #DATABASE} database, as {@code PgConnectOptions.fromUri} and Quarkus read it. */
    public String url() {
        return url(DATABASE);
    }

    public String url(String database) {
        return "postgresql://" + SUPERUSER + "@" + HOST + ":" + port + "/" + database;
    }

    public PgConnectOptions connectOptions(String database) {
        return new PgConnectOptions().setHost(HOST).setPort(port).setUser(SUPERUSER).setDatabase(database);
    }

    /** Stops the server (fast mode: open transactions are rolled back, committed data is safe). */
    public void stop() {
        if (!Files.exists(dataDir.resolve("postmaster.pid"))) {
            running = false;
            return;
        }
        Commands.runOrFail(account.command(List.of(binaries.program("pg_ctl").toString(), "stop", "-D", dataDir.toString(),
                "-m", "fast", "-w", "-t", String.valueOf(settings.startTimeout().toSeconds()))), dataDir,
                settings.startTimeout().plusSeconds(10), "cannot stop the embedded PostgreSQL in " + dataDir);
        running = false;
        LOG.infof("stopped the embedded PostgreSQL in %s", dataDir);
    }

    /** Starts the server again after {@link #stop()}, on the same port. */
    public void restart() {
        startServer(port);
        waitUntilAccepting();
    }

    /** Whether a server process is running from the data directory. */
    public boolean isRunning() {
        return runningPostmasterPort().isPresent();
    }

    /**
     * Stops the server if this instance is responsible for it: it started it, or adopted one left running by a
     * process that is gone. A server that another live process started and still uses is left running.
     */
    @Override
    public void close() {
        try {
            if (ownsServer() && running) {
                stop();
            }
        } finally {
            releaseOwnership();
        }
    }

    /** Lets go of the server without stopping it, as a crashed api-server would: for tests of adoption. */
    void releaseWithoutStopping() {
        releaseOwnership();
    }

    private void initIfEmpty() {
        if (Files.exists(dataDir.resolve("PG_VERSION"))) {
            return;
        }
        try (Stream<Path> entries = Files.list(dataDir)) {
            if (entries.findAny().isPresent()) {
                throw new EmbeddedPostgresException(dataDir + " is neither empty nor a PostgreSQL data directory; point "
                        + "ordinal.api-server.embedded-db.dir (env ORDINAL_API_SERVER_EMBEDDED_DB_DIR) elsewhere or empty it");
            }
        } catch (IOException e) {
            throw new EmbeddedPostgresException("cannot list " + dataDir + ": " + e.getMessage(), e);
        }
        List<String> initdb = new ArrayList<>(List.of(binaries.program("initdb").toString(), "-D", dataDir.toString(),
                "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C"));
        if (!settings.fsync()) {
            initdb.add("--no-sync");
        }
        LOG.infof("creating a PostgreSQL cluster in %s (binaries from %s, run as %s)", dataDir, binaries.origin(),
                account.name());
        Commands.runOrFail(account.command(initdb), dataDir, Duration.ofMinutes(2),
                "initdb failed for " + dataDir);
    }

    private void startOrReuse() {
        Optional<Integer> runningPort = runningPostmasterPort();
        if (runningPort.isPresent()) {
            port = runningPort.get();
            reused = true;
            running = true;
            if (settings.port() != 0 && settings.port() != port) {
                LOG.warnf("the PostgreSQL already running from %s listens on port %d, not the configured %d", dataDir, port,
                        settings.port());
            }
            LOG.infof("reusing the PostgreSQL already running from %s on port %d%s", dataDir, port,
                    ownsServer() ? "" : " (another process started it; it is left running on exit)");
            waitUntilAccepting();
            return;
        }
        for (int attempt = 1; ; attempt++) {
            int candidate = settings.port() != 0 ? settings.port() : freePort(settings.avoidPorts());
            try {
                startServer(candidate);
                break;
            } catch (EmbeddedPostgresException e) {
                // A free port picked by us can be taken by someone else before PostgreSQL binds it.
                boolean portTaken = e.getMessage().contains("could not bind") || e.getMessage().contains("Address already in use");
                if (settings.port() != 0 || !portTaken || attempt == PORT_ATTEMPTS) {
                    throw e;
                }
            }
        }
        waitUntilAccepting();
    }

    private void startServer(int serverPort) {
        List<String> options = new ArrayList<>(List.of("-p", String.valueOf(serverPort), "-c", "listen_addresses=" + HOST,
                // Relative to the data directory, so the socket never lands in /var/run and the path stays short.
                "-c", "unix_socket_directories=."));
        if (!settings.fsync()) {
            options.addAll(List.of("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"));
        }
        Path log = dataDir.resolve(SERVER_LOG);
        List<String> pgCtlStart = new ArrayList<>();
        if (ServerAccount.onPath("setsid")) {
            // Its own session keeps a terminal's Ctrl-C away from PostgreSQL: we stop it after the api-server is done.
            pgCtlStart.addAll(List.of("setsid", "--wait"));
        }
        pgCtlStart.addAll(List.of(binaries.program("pg_ctl").toString(), "start", "-D", dataDir.toString(),
                "-l", log.toString(), "-w", "-t", String.valueOf(settings.startTimeout().toSeconds()),
                "-o", String.join(" ", options)));
        Commands.Result result = Commands.run(account.command(pgCtlStart), dataDir, settings.startTimeout().plusSeconds(10));
        if (!result.succeeded()) {
            throw new EmbeddedPostgresException("the embedded PostgreSQL in " + dataDir + " did not start on port "
                    + serverPort + ":\n" + Commands.tail(result.output(), 5) + "\nend of " + log + ":\n" + logTail(log));
        }
        port = serverPort;
        running = true;
        LOG.infof("started PostgreSQL on %s:%d (data %s, binaries from %s, run as %s)", HOST, serverPort, dataDir,
                binaries.origin(), account.name());
    }

    /** The port of the postmaster named by postmaster.pid, if that process is alive. */
    private Optional<Integer> runningPostmasterPort() {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            if (lines.size() < 4) {
                return Optional.empty();
            }
            long pid = Long.parseLong(lines.get(0).strip());
            boolean alive = ProcessHandle.of(pid).map(p -> p.isAlive()
                    && p.info().command().map(c -> c.endsWith("postgres")).orElse(true)).orElse(false);
            return alive ? Optional.of(Integer.parseInt(lines.get(3).strip())) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private void waitUntilAccepting() {
        Instant deadline = Instant.now().plus(settings.startTimeout());
        Exception last = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                withConnection("postgres", c -> c.query("SELECT 1").execute().mapEmpty());
                return;
            } catch (EmbeddedPostgresException e) {
                last = e;
            }
            try {
                Thread.sleep(100); // polling interval while PostgreSQL finishes starting up
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EmbeddedPostgresException("interrupted while waiting for PostgreSQL", e);
            }
        }
        throw new EmbeddedPostgresException("PostgreSQL from " + dataDir + " does not accept connections on " + HOST + ":"
                + port + " after " + settings.startTimeout().toSeconds() + "s (" + (last == null ? "" : last.getMessage())
                + ")\nend of " + dataDir.resolve(SERVER_LOG) + ":\n" + logTail(dataDir.resolve(SERVER_LOG)));
    }

    private void createDatabaseIfMissing() {
        withConnection("postgres", c -> c.preparedQuery("SELECT 1 FROM pg_database WHERE datname = $1")
                .execute(Tuple.of(DATABASE))
                .compose(rows -> rows.size() > 0 ? Future.succeededFuture()
                        : c.query("CREATE DATABASE " + DATABASE).execute().mapEmpty()));
    }

    private <T> T withConnection(String database, Function<PgConnection, Future<T>> work) {
        Vertx vertx = Vertx.vertx();
        try {
            return PgConnection.connect(vertx, connectOptions(database).setConnectTimeout(5000))
                    .compose(c -> work.apply(c).eventually(() -> c.close()))
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedPostgresException("interrupted while talking to PostgreSQL", e);
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new EmbeddedPostgresException("cannot use PostgreSQL on " + HOST + ":" + port + "/" + database + ": "
                    + cause.getMessage(), cause);
        } finally {
            vertx.close();
        }
    }

    private void takeOwnershipIfFree() {
        try {
            ownerLockChannel = FileChannel.open(dataDir.resolve(OWNER_LOCK), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            ownerLock = ownerLockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            ownerLock = null; // another EmbeddedPostgres in this JVM owns it
        } catch (IOException e) {
            throw new EmbeddedPostgresException("cannot lock " + dataDir.resolve(OWNER_LOCK) + ": " + e.getMessage(), e);
        }
        if (ownerLock == null) {
            closeQuietly(ownerLockChannel);
            ownerLockChannel = null;
        }
    }

    private void releaseOwnership() {
        try {
            if (ownerLock != null) {
                ownerLock.release();
            }
        } catch (IOException ignored) {
            // The lock goes with the channel anyway.
        } finally {
            ownerLock = null;
            closeQuietly(ownerLockChannel);
            ownerLockChannel = null;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Nothing to do: the lock is released when the process exits.
            }
        }
    }

    private static String logTail(Path log) {
        try {
            return Commands.tail(Files.readString(log, StandardCharsets.UTF_8), 15);
        } catch (IOException e) {
            return "(no server log: " + e.getMessage() + ")";
        }
    }

    /** A port free on {@link #HOST} now and not in {@code avoid}. */
    private static int freePort(Set<Integer> avoid) {
        // Sockets stay open while looking, so an avoided port is not handed out again at once.
        List<ServerSocket> held = new ArrayList<>();
        try {
            while (true) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST));
                held.add(socket);
                if (!avoid.contains(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            }
        } catch (IOException e) {
            throw new EmbeddedPostgresException("cannot find a free port on " + HOST + ": " + e.getMessage(), e);
        } finally {
            for (ServerSocket socket : held) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // only a probe
                }
            }
        }
    }
}

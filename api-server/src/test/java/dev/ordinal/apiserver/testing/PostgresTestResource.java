package dev.ordinal.apiserver.testing;

import dev.ordinal.apiserver.embedded.EmbeddedPostgres;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Gives each test run a fresh, private database: on the server named by KUBE_DB_URL when it is set
 * (CI may use the machine's PostgreSQL), otherwise on an embedded PostgreSQL started once per JVM in a
 * temporary directory (fsync off), and lets tests take that database away to see how the api-server copes.
 *
 * <p>Quarkus may load this class in more than one class loader, so what must be shared across them (the
 * embedded server's directory, the current test database) lives in system properties, not static fields.
 */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {
    /** System property: the data directory of the JVM's embedded test server, once started. */
    static final String EMBEDDED_DIR_PROPERTY = "ordinal.test.db.embedded-dir";
    /** System property: the database created by the most recent {@link #start()}. */
    static final String DATABASE_PROPERTY = "ordinal.test.db.name";

    private static EmbeddedPostgres embedded;
    private String database;

    @Override
    public Map<String, String> start() {
        PgConnectOptions admin = adminConnectOptions();
        database = createDatabase("ordinal_test_");
        System.setProperty(DATABASE_PROPERTY, database);
        PgConnectOptions test = new PgConnectOptions(admin).setDatabase(database);
        Map<String, String> config = new HashMap<>(Map.of("quarkus.datasource.reactive.url", url(test),
                "quarkus.datasource.username", test.getUser()));
        if (test.getPassword() != null && !test.getPassword().isEmpty()) {
            config.put("quarkus.datasource.password", test.getPassword());
        }
        return config;
    }

    @Override
    public void stop() {
        if (database == null) {
            return;
        }
        embeddedServer().filter(server -> !server.isRunning()).ifPresent(EmbeddedPostgres::restart);
        dropDatabase(database);
        System.clearProperty(DATABASE_PROPERTY);
        database = null;
    }

    /** Creates an empty database named {@code prefix} + a random suffix on the test server; returns its name. */
    public static String createDatabase(String prefix) {
        String name = prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        execute(adminConnectOptions(), "CREATE DATABASE " + name);
        return name;
    }

    /** Drops a database of the test server, closing its connections first. */
    public static void dropDatabase(String name) {
        execute(adminConnectOptions(), "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }

    /** The {@code postgresql://user@host:port/database} URL (KUBE_DB_URL's form) of a database of the test server. */
    public static String databaseUrl(String name) {
        return url(new PgConnectOptions(adminConnectOptions()).setDatabase(name));
    }

    /**
     * Superuser connection options for the server's maintenance database ({@code postgres} on the embedded
     * server, the KUBE_DB_URL database otherwise); starts the embedded server on first use.
     */
    public static synchronized PgConnectOptions adminConnectOptions() {
        String url = System.getenv("KUBE_DB_URL");
        if (url != null && !url.isBlank()) {
            return PgConnectOptions.fromUri(url);
        }
        return embeddedServerStartingIfNeeded().connectOptions("postgres");
    }

    /** Connection options for the database of the current test run. */
    public static PgConnectOptions testDatabaseConnectOptions() {
        return new PgConnectOptions(adminConnectOptions()).setDatabase(testDatabaseName());
    }

    public static String testDatabaseName() {
        String name = System.getProperty(DATABASE_PROPERTY);
        if (name == null) {
            throw new IllegalStateException("no test database: PostgresTestResource has not started");
        }
        return name;
    }

    /**
     * Takes the test database away: open connections are terminated and new ones are refused until
     * {@link #makeDatabaseReachable()}. Works on the embedded server and on KUBE_DB_URL's server alike.
     */
    public static void makeDatabaseUnreachable() {
        String name = testDatabaseName();
        execute(adminConnectOptions(), "ALTER DATABASE " + name + " ALLOW_CONNECTIONS false");
        execute(adminConnectOptions(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"
                + name + "' AND pid <> pg_backend_pid()");
    }

    public static void makeDatabaseReachable() {
        execute(adminConnectOptions(), "ALTER DATABASE " + testDatabaseName() + " ALLOW_CONNECTIONS true");
    }

    /** The embedded server when the tests use one (KUBE_DB_URL unset), for tests that stop and restart it. */
    public static synchronized Optional<EmbeddedPostgres> embeddedServer() {
        String url = System.getenv("KUBE_DB_URL");
        if (url != null && !url.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(embeddedServerStartingIfNeeded());
    }

    /** Stops the embedded server (fast shutdown); fails when the tests run on KUBE_DB_URL's server. */
    public static void stopServer() {
        embeddedServer().orElseThrow(() -> new IllegalStateException(
                "the tests use KUBE_DB_URL's server, which they must not stop; use makeDatabaseUnreachable()")).stop();
    }

    /** Starts the embedded server again after {@link #stopServer()}, on the same port. */
    public static void startServer() {
        embeddedServer().orElseThrow(() -> new IllegalStateException("the tests use KUBE_DB_URL's server")).restart();
    }

    private static EmbeddedPostgres embeddedServerStartingIfNeeded() {
        if (embedded != null) {
            return embedded;
        }
        String sharedDir = System.getProperty(EMBEDDED_DIR_PROPERTY);
        if (sharedDir != null) {
            // Another class loader of this JVM started it: reuse it (it stays owned by the starter).
            embedded = EmbeddedPostgres.start(EmbeddedPostgres.Settings.forDirectory(Path.of(sharedDir)).withFsync(false));
            return embedded;
        }
        Path root = temporaryRoot();
        Path dataDir = root.resolve("data");
        embedded = EmbeddedPostgres.start(EmbeddedPostgres.Settings.forDirectory(dataDir).withFsync(false));
        System.setProperty(EMBEDDED_DIR_PROPERTY, dataDir.toString());
        EmbeddedPostgres started = embedded;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            started.close();
            deleteTree(root);
        }, "embedded-test-postgres-stop"));
        return embedded;
    }

    private static Path temporaryRoot() {
        try {
            Path root = Files.createTempDirectory("ordinal-test-postgres-");
            // When the tests run as root, PostgreSQL runs as an unprivileged user who must be able to enter it.
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
            return root;
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a temporary directory for the test PostgreSQL", e);
        }
    }

    private static String url(PgConnectOptions options) {
        return "postgresql://" + options.getUser() + "@" + options.getHost() + ":" + options.getPort() + "/"
                + options.getDatabase();
    }

    private static void execute(PgConnectOptions target, String sql) {
        Vertx vertx = Vertx.vertx();
        try {
            PgConnection.connect(vertx, target)
                    .compose(c -> c.query(sql).execute().eventually(() -> c.close()))
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running '" + sql + "'", e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot run '" + sql + "' on " + target.getHost() + ":" + target.getPort(), e);
        } finally {
            vertx.close();
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A leftover temporary directory is harmless.
        }
    }
}

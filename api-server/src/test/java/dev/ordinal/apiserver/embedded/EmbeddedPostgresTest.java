package dev.ordinal.apiserver.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Row;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Starts real PostgreSQL servers the way the api-server does, as whichever user runs the tests (root in CI). */
class EmbeddedPostgresTest {
    private final List<EmbeddedPostgres> started = new ArrayList<>();
    private Path root;
    private Path dataDir;

    @BeforeEach
    void createRoot() throws IOException {
        root = Files.createTempDirectory("embedded-postgres-test-");
        // Traversable by the unprivileged user PostgreSQL runs as when the tests run as root.
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        dataDir = root.resolve("nested/postgres");
    }

    @AfterEach
    void stopServersAndDeleteRoot() throws IOException {
        for (EmbeddedPostgres postgres : started) {
            postgres.close();
        }
        started.forEach(p -> assertThat(p.isRunning()).as("server of %s stopped", p.dataDir()).isFalse());
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void startsAServerThatAcceptsConnectionsToTheOrdinalDatabaseAsANonRootUser() throws Exception {
        EmbeddedPostgres postgres = start(settings());

        assertThat(postgres.reused()).isFalse();
        assertThat(postgres.ownsServer()).isTrue();
        assertThat(query(postgres.connectOptions(EmbeddedPostgres.DATABASE), "SELECT current_database()"))
                .isEqualTo("ordinal");
        assertThat(query(postgres.connectOptions("postgres"), "SHOW listen_addresses")).isEqualTo("127.0.0.1");
        assertThat(query(postgres.connectOptions("postgres"), "SHOW fsync")).isEqualTo("off");
        assertThat(Files.exists(dataDir.resolve(".s.PGSQL." + postgres.port()))).as("unix socket in the data dir").isTrue();
        long postmasterUid = ((Number) Files.getAttribute(Path.of("/proc", pid(dataDir)), "unix:uid")).longValue();
        assertThat(postmasterUid).as("PostgreSQL never runs as root").isNotZero();
    }

    @Test
    void stopMakesTheServerUnreachableAndItsDataSurvivesTheNextStart() throws Exception {
        EmbeddedPostgres first = start(settings());
        execute(first.connectOptions("ordinal"), "CREATE TABLE kept (v text)");
        execute(first.connectOptions("ordinal"), "INSERT INTO kept VALUES ('still here')");
        PgConnectOptions firstAddress = first.connectOptions("ordinal");

        first.close();

        assertThat(first.isRunning()).isFalse();
        assertThatThrownBy(() -> query(firstAddress, "SELECT 1")).isInstanceOf(ExecutionException.class);
        EmbeddedPostgres second = start(settings());
        assertThat(second.reused()).isFalse();
        assertThat(query(second.connectOptions("ordinal"), "SELECT v FROM kept")).isEqualTo("still here");
    }

    @Test
    void aSecondUserOfTheSameDirectoryReusesTheRunningServerAndLeavesItRunning() throws Exception {
        EmbeddedPostgres owner = start(settings());
        EmbeddedPostgres sharer = start(settings().withPort(1)); // a different configured port is ignored on reuse

        assertThat(sharer.reused()).isTrue();
        assertThat(sharer.ownsServer()).isFalse();
        assertThat(sharer.port()).isEqualTo(owner.port());
        sharer.close();
        assertThat(query(owner.connectOptions("ordinal"), "SELECT 1")).isEqualTo("1");
    }

    @Test
    void aServerLeftRunningByACrashedProcessIsAdoptedAndStoppedByItsNewOwner() throws Exception {
        EmbeddedPostgres crashed = start(settings());
        crashed.releaseWithoutStopping();

        EmbeddedPostgres adopter = start(settings());

        assertThat(adopter.reused()).isTrue();
        assertThat(adopter.ownsServer()).isTrue();
        adopter.close();
        assertThat(adopter.isRunning()).isFalse();
    }

    @Test
    void theBundledBinariesStartAServerWhenForced() throws Exception {
        EmbeddedPostgres postgres = start(settings().withBundledBinaries(true));

        assertThat(postgres.binaries().origin()).isEqualTo("bundled " + PostgresBinaries.BUNDLED_VERSION);
        assertThat(postgres.binaries().binDir()).startsWith(root);
        assertThat(query(postgres.connectOptions("ordinal"), "SHOW server_version")).startsWith("15.10");
    }

    @Test
    void aDirectoryHoldingSomethingElseIsRefusedWithoutTouchingIt() throws IOException {
        Files.createDirectories(dataDir);
        Files.writeString(dataDir.resolve("notes.txt"), "mine");

        assertThatThrownBy(() -> start(settings()))
                .isInstanceOf(EmbeddedPostgresException.class)
                .hasMessageContaining(dataDir.toString())
                .hasMessageContaining("neither empty nor a PostgreSQL data directory");
        assertThat(Files.readString(dataDir.resolve("notes.txt"))).isEqualTo("mine");
    }

    @Test
    void asRootADirectoryTheServerUserCannotReachIsExplained() throws IOException {
        assumeTrue(((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue() == 0, "runs as root only");
        Path closed = root.resolve("closed");
        Files.createDirectories(closed);
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
        Path unreachable = closed.resolve("postgres");

        assertThatThrownBy(() -> start(EmbeddedPostgres.Settings.forDirectory(unreachable).withFsync(false)))
                .isInstanceOf(EmbeddedPostgresException.class)
                .hasMessageContaining("cannot reach " + unreachable)
                .hasMessageContaining("chmod o+x " + closed)
                .hasMessageContaining("ORDINAL_API_SERVER_EMBEDDED_DB_DIR");
    }

    private EmbeddedPostgres.Settings settings() {
        return EmbeddedPostgres.Settings.forDirectory(dataDir).withFsync(false);
    }

    private EmbeddedPostgres start(EmbeddedPostgres.Settings settings) {
        EmbeddedPostgres postgres = EmbeddedPostgres.start(settings);
        started.add(0, postgres); // closed newest first, so sharers let go before owners stop
        return postgres;
    }

    private static String pid(Path dataDir) throws IOException {
        return Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).strip();
    }

    static void execute(PgConnectOptions target, String sql) throws Exception {
        query(target, sql);
    }

    /** The first column of the first row, as text; fails with ExecutionException when the server is unreachable. */
    static String query(PgConnectOptions target, String sql) throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            return PgConnection.connect(vertx, new PgConnectOptions(target).setConnectTimeout(5000))
                    .compose(c -> c.query(sql).execute().eventually(() -> c.close()))
                    .map(rows -> {
                        if (rows.size() == 0) {
                            return null;
                        }
                        Row row = rows.iterator().next();
                        return row.size() == 0 || row.getValue(0) == null ? null : String.valueOf(row.getValue(0));
                    })
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } finally {
            vertx.close();
        }
    }
}

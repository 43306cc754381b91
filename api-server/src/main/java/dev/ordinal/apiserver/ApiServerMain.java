package dev.ordinal.apiserver;

import dev.ordinal.apiserver.embedded.EmbeddedPostgres;
import dev.ordinal.apiserver.embedded.EmbeddedPostgresException;
import io.quarkus.runtime.Application;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import io.smallrye.config.PropertiesConfigSourceLoader;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.vertx.pgclient.PgConnectOptions;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Starts the api-server: on the PostgreSQL named by {@code KUBE_DB_URL}, or else on a private embedded one that
 * is started first and stopped after the api-server has stopped.
 */
@QuarkusMain
public class ApiServerMain {
    private static final Logger LOG = Logger.getLogger(ApiServerMain.class);
    /** Environment variable (or system property) naming an external PostgreSQL: postgresql://[user[:password]@]host[:port]/db. */
    public static final String DB_URL_VARIABLE = "KUBE_DB_URL";

    private static final String EMBEDDED_DB_PREFIX = "ordinal.api-server.embedded-db";

    public static void main(String... args) {
        SmallRyeConfig config = configBeforeBoot();
        Optional<String> externalUrl = config.getOptionalValue(DB_URL_VARIABLE, String.class).filter(u -> !u.isBlank());
        if (externalUrl.isPresent()) {
            PgConnectOptions target = PgConnectOptions.fromUri(externalUrl.get());
            LOG.infof("database: PostgreSQL at %s:%d/%s as %s (from %s)", target.getHost(), target.getPort(),
                    target.getDatabase(), target.getUser(), DB_URL_VARIABLE);
            Quarkus.run(args);
            return;
        }
        EmbeddedPostgres postgres;
        try {
            // PostgreSQL starts first; its free port must not be the one Quarkus binds next.
            Set<Integer> ownPorts = config.getOptionalValue("quarkus.http.port", Integer.class).filter(p -> p > 0)
                    .map(Set::of).orElse(Set.of());
            postgres = EmbeddedPostgres.start(EmbeddedPostgres.Settings.from(
                    config.getConfigMapping(ApiServerConfig.EmbeddedDb.class, EMBEDDED_DB_PREFIX)).withAvoidPorts(ownPorts));
        } catch (EmbeddedPostgresException e) {
            // Before Quarkus.run the log manager only queues records (flushed once logging is configured
            // at boot), so a message logged here and followed by exit would never be seen.
            System.err.printf("ERROR [%s] cannot start the embedded PostgreSQL (set %s to use another one): %s%n",
                    ApiServerMain.class.getName(), DB_URL_VARIABLE, e.getMessage());
            System.exit(1);
            return;
        }
        LOG.infof("database: embedded PostgreSQL at %s (data in %s, run as %s)", postgres.url(), postgres.dataDir(),
                postgres.osUser());
        // System properties outrank application.properties, so the datasource follows the embedded server.
        System.setProperty("quarkus.datasource.reactive.url", postgres.url());
        System.setProperty("quarkus.datasource.username", EmbeddedPostgres.SUPERUSER);

        CountDownLatch quarkusStopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // Stop PostgreSQL only after Quarkus has stopped, so it closes its connections first. On a
            // signal, Quarkus stops from its own shutdown hook and Quarkus.run never returns to main,
            // so the application's state is watched too, not only the end of Quarkus.run.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            try {
                while (quarkusStopped.getCount() > 0 && quarkusRunning() && System.nanoTime() < deadline) {
                    quarkusStopped.await(20, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            postgres.close();
        }, "embedded-postgres-stop"));
        try {
            Quarkus.run(args);
        } finally {
            quarkusStopped.countDown();
        }
    }

    private static boolean quarkusRunning() {
        Application app = Application.currentApplication();
        return app == null || app.isStarted();
    }

    /**
     * The configuration as Quarkus will see it (system properties, environment, application.properties), read
     * before Quarkus boots because the database must be up by then.
     */
    static SmallRyeConfig configBeforeBoot() {
        ClassLoader classLoader = Thread.currentThread().getContextClassLoader();
        String profile = Optional.ofNullable(System.getProperty("quarkus.profile"))
                .or(() -> Optional.ofNullable(System.getenv("QUARKUS_PROFILE")))
                .orElse(LaunchMode.current().getDefaultProfile());
        return new SmallRyeConfigBuilder()
                .addDefaultInterceptors()
                .addDefaultSources()
                .withSources(PropertiesConfigSourceLoader.inClassPath("application.properties", 250, classLoader))
                .withSources(PropertiesConfigSourceLoader.inFileSystem("config/application.properties", 260, classLoader))
                .withProfile(profile)
                // Only the embedded-db group: the rest of ApiServerConfig may need converters only Quarkus registers.
                .withMapping(ApiServerConfig.EmbeddedDb.class, EMBEDDED_DB_PREFIX)
                .withValidateUnknown(false)
                .build();
    }
}

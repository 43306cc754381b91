package dev.ordinal.apiserver;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** All api-server settings, under {@code ordinal.api-server}; each overridable by environment variable. */
@ConfigMapping(prefix = "ordinal.api-server")
public interface ApiServerConfig {

    /** Storage and change-log settings. */
    Storage storage();

    /** Watch fan-out settings. */
    Watch watch();

    /** The private PostgreSQL started when KUBE_DB_URL is not set. */
    EmbeddedDb embeddedDb();

    interface Storage {
        /** Most writes committed in one transaction by the write batcher. */
        @WithDefault("256")
        int maxBatch();

        /** How long change-log entries are kept for watches resuming from an old resourceVersion. */
        @WithDefault("15m")
        Duration logRetention();

        /** Largest serialized object accepted (Kubernetes' etcd limit is 1.5 MiB). */
        @WithDefault("1572864")
        int maxObjectBytes();

        /** Group-commit transactions open at once per instance (they still commit one after another). */
        @WithDefault("8")
        int maxInFlightBatches();

        /** How often the change log is compacted (entries older than log-retention removed). */
        @WithDefault("1m")
        Duration compactionInterval();

        /** How long startup keeps retrying to reach the database before giving up. */
        @WithDefault("60s")
        Duration startupTimeout();

        /** Timeout of the readiness probe's query; readiness is DOWN when it is exceeded. */
        @WithDefault("2s")
        Duration readinessTimeout();
    }

    interface Watch {
        /** Events buffered per watcher before it is parked as slow. */
        @WithDefault("1024")
        int bufferPerWatcher();

        /** Interval of BOOKMARK progress events for watches that asked for them. */
        @WithDefault("5s")
        Duration bookmarkInterval();

        /**
         * Recent changes kept in memory for watches resuming from a resourceVersion; older starts
         * are read from the change_log table while it still retains them.
         */
        @WithDefault("10000")
        int ringSize();

        /** Safety-net poll of the change log, in case a NOTIFY wake-up was lost (e.g. during a reconnect). */
        @WithDefault("1s")
        Duration pollInterval();

        /** Most change-log rows the tail reads per query. */
        @WithDefault("1000")
        int tailBatch();

        /** Threads that move events from the cache to watchers (never blocked by a slow watcher). */
        @WithDefault("2")
        int fanOutThreads();
    }

    interface EmbeddedDb {
        /** Data directory of the embedded PostgreSQL. */
        @WithDefault(".cluster/postgres")
        String dir();

        /** Port of the embedded PostgreSQL on 127.0.0.1; 0 picks a free one. */
        @WithDefault("0")
        int port();

        /** Explicit PostgreSQL bin directory; otherwise searched on PATH and in /usr/lib/postgresql. */
        Optional<String> binDir();

        /** Use the PostgreSQL shipped inside the api-server even when one is installed (normally only the fallback). */
        @WithDefault("false")
        boolean useBundledBinaries();

        /** fsync of the embedded PostgreSQL; off loses committed data on a machine crash, so only tests turn it off. */
        @WithDefault("true")
        boolean fsync();

        /** The unprivileged user PostgreSQL runs as when the api-server runs as root (created when missing). */
        @WithDefault("ordinal")
        String osUser();
    }
}

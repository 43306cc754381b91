package dev.ordinal.apiserver.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The operating-system account the embedded PostgreSQL runs as: the current user, or, when the
 * api-server runs as root (which PostgreSQL refuses), an unprivileged system user.
 */
final class ServerAccount {
    private static final Logger LOG = Logger.getLogger(ServerAccount.class);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

    private final String name;
    private final long uid;
    private final long gid;
    private final boolean switchUser;

    private ServerAccount(String name, long uid, long gid, boolean switchUser) {
        this.name = name;
        this.uid = uid;
        this.gid = gid;
        this.switchUser = switchUser;
    }

    /** The current user, unless it is root: then {@code preferredUser}, created as a system user when missing. */
    static ServerAccount choose(String preferredUser) {
        long currentUid = currentUid();
        if (currentUid != 0) {
            return new ServerAccount(System.getProperty("user.name"), currentUid, -1, false);
        }
        if (lookupUid(preferredUser) < 0) {
            createSystemUser(preferredUser);
        }
        String user = preferredUser;
        if (lookupUid(user) < 0) {
            LOG.warnf("cannot create the system user '%s'; running the embedded PostgreSQL as 'nobody'", preferredUser);
            user = "nobody";
        }
        long uid = lookupUid(user);
        if (uid <= 0) {
            throw new EmbeddedPostgresException("PostgreSQL refuses to run as root and no unprivileged user is available: "
                    + "create one (useradd --system " + preferredUser + ") or run the api-server as an ordinary user");
        }
        long gid = Long.parseLong(Commands.runOrFail(List.of("id", "-g", user), null, COMMAND_TIMEOUT,
                "cannot find the group of user " + user).strip());
        return new ServerAccount(user, uid, gid, true);
    }

    String name() {
        return name;
    }

    /** True when commands are run through setpriv/runuser as another user (the api-server runs as root). */
    boolean switchesUser() {
        return switchUser;
    }

    /** The command line that runs {@code command} as this account. */
    List<String> command(List<String> command) {
        if (!switchUser) {
            return command;
        }
        List<String> wrapped = new ArrayList<>();
        if (onPath("setpriv")) {
            wrapped.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--init-groups", "--"));
        } else if (onPath("runuser")) {
            wrapped.addAll(List.of("runuser", "-u", name, "--"));
        } else {
            throw new EmbeddedPostgresException("running as root needs 'setpriv' or 'runuser' (package util-linux) to start "
                    + "PostgreSQL as user '" + name + "'; install util-linux or run the api-server as an ordinary user");
        }
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * Makes {@code dir} (created if missing) belong to this account, and checks that the account can reach it:
     * every directory above it must let the account through.
     */
    void prepareDirectory(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new EmbeddedPostgresException("cannot create the embedded PostgreSQL directory " + dir + ": " + e.getMessage()
                    + "; set ordinal.api-server.embedded-db.dir (env ORDINAL_API_SERVER_EMBEDDED_DB_DIR) to a writable directory", e);
        }
        if (!Files.isWritable(dir)) {
            throw new EmbeddedPostgresException("the embedded PostgreSQL directory " + dir + " is not writable by "
                    + System.getProperty("user.name") + "; set ordinal.api-server.embedded-db.dir "
                    + "(env ORDINAL_API_SERVER_EMBEDDED_DB_DIR) to a writable directory");
        }
        if (!switchUser) {
            return;
        }
        try {
            if (((Number) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue() != uid) {
                Commands.runOrFail(List.of("chown", "-R", uid + ":" + gid, dir.toString()), null, COMMAND_TIMEOUT,
                        "cannot give " + dir + " to user " + name);
            }
            for (Path ancestor = dir.getParent(); ancestor != null; ancestor = ancestor.getParent()) {
                if (!canTraverse(ancestor)) {
                    throw new EmbeddedPostgresException("PostgreSQL refuses to run as root, so it runs as user '" + name
                            + "', who cannot reach " + dir + " because " + ancestor + " is closed to it ("
                            + Files.getAttribute(ancestor, "posix:permissions") + "). Either set "
                            + "ordinal.api-server.embedded-db.dir (env ORDINAL_API_SERVER_EMBEDDED_DB_DIR) to a directory "
                            + "outside it (e.g. /var/lib/ordinal/postgres) or open it with 'chmod o+x " + ancestor + "'");
                }
            }
        } catch (IOException e) {
            throw new EmbeddedPostgresException("cannot inspect " + dir + ": " + e.getMessage(), e);
        }
    }

    private boolean canTraverse(Path directory) throws IOException {
        PosixFileAttributes attributes = Files.readAttributes(directory, PosixFileAttributes.class);
        Set<PosixFilePermission> permissions = attributes.permissions();
        long ownerUid = ((Number) Files.getAttribute(directory, "unix:uid")).longValue();
        long ownerGid = ((Number) Files.getAttribute(directory, "unix:gid")).longValue();
        if (ownerUid == uid) {
            return permissions.contains(PosixFilePermission.OWNER_EXECUTE);
        }
        if (ownerGid == gid && permissions.contains(PosixFilePermission.GROUP_EXECUTE)) {
            return true;
        }
        return permissions.contains(PosixFilePermission.OTHERS_EXECUTE);
    }

    private static long currentUid() {
        try {
            // /proc/self belongs to the effective user of this process.
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name")) ? 0 : 1000;
        }
    }

    private static long lookupUid(String user) {
        Commands.Result result = Commands.run(List.of("id", "-u", user), null, COMMAND_TIMEOUT);
        return result.succeeded() ? Long.parseLong(result.output().strip()) : -1;
    }

    private static void createSystemUser(String user) {
        if (!onPath("useradd")) {
            return;
        }
        Commands.Result result = Commands.run(List.of("useradd", "--system", "--user-group", "--no-create-home",
                "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", user), null, COMMAND_TIMEOUT);
        if (result.succeeded()) {
            LOG.infof("created system user '%s' to run the embedded PostgreSQL (it refuses to run as root)", user);
        } else {
            LOG.warnf("useradd %s failed: %s", user, result.output().strip());
        }
    }

    static boolean onPath(String program) {
        return findOnPath(program) != null;
    }

    static Path findOnPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        }
        for (String entry : path.split(":")) {
            if (entry.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(entry, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}

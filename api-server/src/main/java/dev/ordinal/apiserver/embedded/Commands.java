package dev.ordinal.apiserver.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the external commands the embedded PostgreSQL needs, with a deadline and their output kept for errors. */
final class Commands {

    /** What a finished command printed, with its exit code. */
    record Result(int exitCode, String output) {
        boolean succeeded() {
            return exitCode == 0;
        }
    }

    private Commands() {
    }

    static Result run(List<String> command, Path workingDir, Duration timeout) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        if (workingDir != null) {
            builder.directory(workingDir.toFile());
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new EmbeddedPostgresException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
        // Read the output on another thread so a chatty command cannot block on a full pipe.
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new EmbeddedPostgresException("'" + String.join(" ", command) + "' did not finish within "
                        + timeout.toSeconds() + "s");
            }
            return new Result(process.exitValue(), output.get(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new EmbeddedPostgresException("interrupted while running " + command.get(0), e);
        } catch (Exception e) {
            if (e instanceof EmbeddedPostgresException epe) {
                throw epe;
            }
            throw new EmbeddedPostgresException("cannot read the output of " + command.get(0), e);
        }
    }

    /** Runs a command that must succeed; on failure the exception carries what it printed. */
    static String runOrFail(List<String> command, Path workingDir, Duration timeout, String whatFailed) {
        Result result = run(command, workingDir, timeout);
        if (!result.succeeded()) {
            throw new EmbeddedPostgresException(whatFailed + " ('" + String.join(" ", command) + "' exited with "
                    + result.exitCode() + "):\n" + tail(result.output(), 20));
        }
        return result.output();
    }

    static String tail(String text, int lines) {
        String[] all = text.strip().split("\n");
        int from = Math.max(0, all.length - lines);
        return String.join("\n", List.of(all).subList(from, all.length));
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}

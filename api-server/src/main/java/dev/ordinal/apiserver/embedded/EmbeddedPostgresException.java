package dev.ordinal.apiserver.embedded;

/** The embedded PostgreSQL could not be set up or started; the message says what to do about it. */
public class EmbeddedPostgresException extends RuntimeException {

    public EmbeddedPostgresException(String message) {
        super(message);
    }

    public EmbeddedPostgresException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.ordinal.client;

/** An open watch stream; closing it cancels the call and ends with {@code onClose(null)}. */
public interface Watch extends AutoCloseable {
    @Override
    void close();
}

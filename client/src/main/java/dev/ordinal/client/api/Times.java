package dev.ordinal.client.api;

import com.google.protobuf.Timestamp;
import java.time.Instant;

/** Conversions between the API's protobuf timestamps and {@link Instant}, kept in one place. */
public final class Times {
    private Times() {
    }

    public static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    public static Instant instant(Timestamp timestamp) {
        return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
    }

    /** Orders timestamps by time (negative when {@code a} is earlier). */
    public static int compare(Timestamp a, Timestamp b) {
        int bySeconds = Long.compare(a.getSeconds(), b.getSeconds());
        return bySeconds != 0 ? bySeconds : Integer.compare(a.getNanos(), b.getNanos());
    }
}

package dev.ordinal.client.informer;

import dev.ordinal.client.time.Backoff;
import dev.ordinal.client.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * How an informer runs: the clock for backoff and resync, the backoff between failed lists and
 * watches (client-go's 800 ms doubling to 30 s by default), and the periodic resync period
 * ({@link Duration#ZERO}: off, the default; correctness must never depend on it).
 */
public record InformerOptions(Clock clock, Supplier<Backoff> backoff, Duration resyncPeriod) {
    public InformerOptions {
        Objects.requireNonNull(clock);
        Objects.requireNonNull(backoff);
        resyncPeriod = resyncPeriod == null ? Duration.ZERO : resyncPeriod;
    }

    public static InformerOptions defaults() {
        return new InformerOptions(Clock.system(), Backoff::reflectorDefault, Duration.ZERO);
    }

    public InformerOptions withClock(Clock c) {
        return new InformerOptions(c, backoff, resyncPeriod);
    }

    public InformerOptions withBackoff(Supplier<Backoff> b) {
        return new InformerOptions(clock, b, resyncPeriod);
    }

    public InformerOptions withResyncPeriod(Duration period) {
        return new InformerOptions(clock, backoff, period);
    }
}

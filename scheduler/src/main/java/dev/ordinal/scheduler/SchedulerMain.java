package dev.ordinal.scheduler;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/** Entry point of the scheduler service. */
@QuarkusMain
public class SchedulerMain {
    public static void main(String... args) {
        Quarkus.run(args);
    }
}

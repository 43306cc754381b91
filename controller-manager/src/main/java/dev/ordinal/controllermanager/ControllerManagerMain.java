package dev.ordinal.controllermanager;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/** Entry point of the controller-manager service. */
@QuarkusMain
public class ControllerManagerMain {
    public static void main(String... args) {
        Quarkus.run(args);
    }
}

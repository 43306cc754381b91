package dev.ordinal.dns;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/** Entry point of the dns service. */
@QuarkusMain
public class DnsMain {
    public static void main(String... args) {
        Quarkus.run(args);
    }
}

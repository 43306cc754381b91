package dev.ordinal.nodeagent;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/** Entry point of the node-agent service. */
@QuarkusMain
public class NodeAgentMain {
    public static void main(String... args) {
        Quarkus.run(args);
    }
}

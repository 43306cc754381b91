package dev.ordinal.controllermanager.volume;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.Optional;

/** Settings of the volume controllers, under {@code ordinal.controller-manager.storage} (docs/configuration.md). */
@ConfigMapping(prefix = "ordinal.controller-manager.storage")
public interface VolumeControllerConfig {
    /**
     * Directory under which the {@code ordinal.dev/shared} provisioner creates one directory per volume;
     * it must be reachable at the same path from every node. Default {@code <java.io.tmpdir>/ordinal-shared-volumes}.
     */
    Optional<String> sharedRoot();

    /** Worker threads syncing claims and volumes. */
    @WithDefault("2")
    int workers();

    default Path sharedRootPath() {
        return Path.of(sharedRoot().orElse(System.getProperty("java.io.tmpdir") + "/ordinal-shared-volumes"))
                .toAbsolutePath().normalize();
    }

    /** Settings for code that builds the controller without Quarkus (tests). */
    static VolumeControllerConfig of(Path sharedRoot) {
        return new VolumeControllerConfig() {
            @Override
            public Optional<String> sharedRoot() {
                return Optional.of(sharedRoot.toString());
            }

            @Override
            public int workers() {
                return 2;
            }
        };
    }
}

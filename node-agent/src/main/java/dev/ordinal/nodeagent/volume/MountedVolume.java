package dev.ordinal.nodeagent.volume;

import java.nio.file.Path;

/** A PersistentVolume set up on this node for a pod: which claim it serves and its host directory. */
public record MountedVolume(String volume, String namespace, String claim, Path dir) {
}

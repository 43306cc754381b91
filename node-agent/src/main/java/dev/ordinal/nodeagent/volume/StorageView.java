package dev.ordinal.nodeagent.volume;

import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.VolumeAttachment;
import java.util.Optional;

/**
 * What the volume manager reads about claims, volumes and attachments: the agent's informer caches,
 * and one live read for the attachment check that must not trust a cache.
 */
public interface StorageView {
    Optional<PersistentVolumeClaim> claim(String namespace, String name);

    Optional<PersistentVolume> volume(String name);

    Optional<VolumeAttachment> attachment(String name);

    /** The api-server's current copy of the attachment (empty when it does not exist). */
    Optional<VolumeAttachment> attachmentLive(String name);
}

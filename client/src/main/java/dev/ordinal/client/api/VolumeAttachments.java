package dev.ordinal.client.api;

import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The rules the attach/detach controller and the node agents share about VolumeAttachments (see
 * docs/volumes.md): which claim-to-volume pair counts as bound, whether a volume may be attached to
 * one node only, what its attachment is named and who attaches it. An exclusive volume's attachment
 * is named after the volume alone, so the api-server's name uniqueness — not any cache — makes a
 * second attachment impossible.
 */
public final class VolumeAttachments {
    public static final String HOST_PATH_ATTACHER = "ordinal.dev/host-path";
    private static final List<String> SHARED_MODES = List.of("ReadWriteMany", "ReadOnlyMany");

    private VolumeAttachments() {
    }

    /**
     * Whether {@code pv} may be attached to one node at a time: ReadWriteOnce or ReadWriteOncePod
     * without a mode that allows several nodes (the scheduler's volume topology uses the same rule).
     */
    public static boolean exclusive(PersistentVolume pv) {
        List<String> modes = pv.getSpec().getAccessModesList();
        return (modes.contains("ReadWriteOnce") || modes.contains("ReadWriteOncePod"))
                && modes.stream().noneMatch(SHARED_MODES::contains);
    }

    /**
     * The attachment's name: {@code ordinal-rwo-<40 hex of sha256(pv)>} for an exclusive volume,
     * {@code ordinal-<40 hex of sha256(pv + "/" + node)>} otherwise.
     */
    public static String name(PersistentVolume pv, String node) {
        String volume = pv.getMetadata().getName();
        return exclusive(pv) ? "ordinal-rwo-" + sha256Hex40(volume) : "ordinal-" + sha256Hex40(volume + "/" + node);
    }

    /** {@code spec.attacher}: the CSI driver, else the provisioner that made the volume, else one named after its kind. */
    public static String attacher(PersistentVolume pv) {
        if (pv.getSpec().hasCsi() && !pv.getSpec().getCsi().getDriver().isEmpty()) {
            return pv.getSpec().getCsi().getDriver();
        }
        String provisioner = pv.getMetadata().getAnnotationsOrDefault(VolumeNames.PROVISIONED_BY, "");
        if (!provisioner.isEmpty()) {
            return provisioner;
        }
        return pv.getSpec().hasLocal() ? VolumeNames.LOCAL_PROVISIONER : HOST_PATH_ATTACHER;
    }

    /** Whether {@code claim} and {@code pv} are bound to each other: the claim names the volume and the volume's claimRef names the claim by UID. */
    public static boolean bound(PersistentVolumeClaim claim, PersistentVolume pv) {
        return claim.getSpec().getVolumeName().equals(pv.getMetadata().getName())
                && pv.getSpec().hasClaimRef()
                && pv.getSpec().getClaimRef().getUid().equals(claim.getMetadata().getUid())
                && pv.getSpec().getClaimRef().getName().equals(claim.getMetadata().getName())
                && pv.getSpec().getClaimRef().getNamespace().equals(claim.getMetadata().getNamespace());
    }

    private static String sha256Hex40(String s) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 40);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }
}

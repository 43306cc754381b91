package dev.ordinal.client.api;

/**
 * Names, annotations and finalizers of the storage contract (docs/volumes.md), kept in one place for
 * the api-server, the controllers, the scheduler and the node agent.
 */
public final class VolumeNames {
    public static final String SHARED_PROVISIONER = "ordinal.dev/shared";
    public static final String LOCAL_PROVISIONER = "ordinal.dev/local";
    /** On a provisioned PV: which provisioner made it. */
    public static final String PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";
    /** On a claim waiting for a dynamically provisioned volume: who is expected to make it. */
    public static final String STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner";
    /** Set by the scheduler on a WaitForFirstConsumer claim: the node its first pod goes to. */
    public static final String SELECTED_NODE = "volume.kubernetes.io/selected-node";
    /** On a claim whose binding the controller finished (Kubernetes' annotation). */
    public static final String BIND_COMPLETED = "pv.kubernetes.io/bind-completed";
    /** On a claim and a volume the controller (not the user) bound. */
    public static final String BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller";
    /** Published by each node agent: where that node keeps local volumes. */
    public static final String LOCAL_VOLUME_ROOT = "ordinal.dev/local-volume-root";
    public static final String HOSTNAME_LABEL = "kubernetes.io/hostname";
    public static final String PVC_PROTECTION = "kubernetes.io/pvc-protection";
    public static final String PV_PROTECTION = "kubernetes.io/pv-protection";
    public static final String STORAGE = "storage";
    /** On the StorageClass claims without a class get (Kubernetes' DefaultStorageClass admission). */
    public static final String IS_DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class";

    private VolumeNames() {
    }

    /** A provisioned volume's name: {@code pvc-<claim uid>}, so a repeated provision is a harmless ALREADY_EXISTS. */
    public static String provisionedVolumeName(String claimUid) {
        return "pvc-" + claimUid;
    }
}

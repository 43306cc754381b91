package dev.ordinal.apiserver.storage;

import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.apiserver.admission.DefaultStorageClass;
import dev.ordinal.client.api.VolumeNames;
import java.util.List;

/** The two StorageClasses every Ordinal cluster starts with (docs/volumes.md, "Built-in classes"). */
public final class BuiltInStorageClasses {
    public static final String SHARED = "shared";
    public static final String LOCAL = "local";
    public static final List<String> NAMES = List.of(SHARED, LOCAL);

    private BuiltInStorageClasses() {
    }

    /** {@code shared} (the default: a directory every node reaches) and {@code local} (one node's disk). */
    public static List<Object> all() {
        return List.of(
                storageClass(ObjectMeta.newBuilder().setName(SHARED).putAnnotations(DefaultStorageClass.IS_DEFAULT_ANNOTATION, "true"),
                        VolumeNames.SHARED_PROVISIONER, "Immediate"),
                storageClass(ObjectMeta.newBuilder().setName(LOCAL), VolumeNames.LOCAL_PROVISIONER, "WaitForFirstConsumer"));
    }

    private static Object storageClass(ObjectMeta.Builder meta, String provisioner, String bindingMode) {
        return Object.newBuilder().setStorageClass(StorageClass.newBuilder().setMetadata(meta).setProvisioner(provisioner)
                .setVolumeBindingMode(bindingMode).setReclaimPolicy("Delete").setAllowVolumeExpansion(true)).build();
    }
}

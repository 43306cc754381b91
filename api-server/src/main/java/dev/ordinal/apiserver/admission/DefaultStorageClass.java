package dev.ordinal.apiserver.admission;

import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.client.api.Times;
import dev.ordinal.client.api.VolumeNames;
import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/**
 * Kubernetes' DefaultStorageClass admission: a claim created without {@code spec.storageClassName}
 * (absent, not "") gets the default class's name. When several classes are marked default, the newest
 * wins (then the name), as Kubernetes does since 1.26. No default class: the claim stays without one
 * and can only bind to a pre-created volume without a class.
 */
public final class DefaultStorageClass {
    public static final String IS_DEFAULT_ANNOTATION = VolumeNames.IS_DEFAULT_CLASS;
    /** The pre-1.6 beta annotation Kubernetes still honours. */
    static final String BETA_IS_DEFAULT_ANNOTATION = "storageclass.beta.kubernetes.io/is-default-class";

    private DefaultStorageClass() {
    }

    /** Whether a claim leaves its class to the cluster default. */
    public static boolean wantsDefault(Object object) {
        return object.hasPersistentVolumeClaim() && !object.getPersistentVolumeClaim().getSpec().hasStorageClassName();
    }

    /** The claim with the default class among {@code classes} filled in, or unchanged when none is default. */
    public static Object apply(Object claim, Collection<Object> classes) {
        return pick(classes).map(name -> {
            PersistentVolumeClaim.Builder pvc = claim.getPersistentVolumeClaim().toBuilder();
            pvc.getSpecBuilder().setStorageClassName(name);
            return Object.newBuilder().setPersistentVolumeClaim(pvc).build();
        }).orElse(claim);
    }

    static Optional<String> pick(Collection<Object> classes) {
        return classes.stream().filter(Object::hasStorageClass).map(Object::getStorageClass)
                .filter(DefaultStorageClass::isDefault)
                .max(Comparator.<StorageClass, Long>comparing(sc -> Times.instant(sc.getMetadata().getCreationTimestamp()).toEpochMilli())
                        .thenComparing(sc -> sc.getMetadata().getName(), Comparator.reverseOrder()))
                .map(sc -> sc.getMetadata().getName());
    }

    public static boolean isDefault(StorageClass sc) {
        return "true".equals(sc.getMetadata().getAnnotationsOrDefault(IS_DEFAULT_ANNOTATION, null))
                || "true".equals(sc.getMetadata().getAnnotationsOrDefault(BETA_IS_DEFAULT_ANNOTATION, null));
    }
}

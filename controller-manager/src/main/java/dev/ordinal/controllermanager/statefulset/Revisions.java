package dev.ordinal.controllermanager.statefulset;

import com.google.protobuf.CodedOutputStream;
import dev.ordinal.api.v1.ControllerRevision;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.PodTemplateSpec;
import dev.ordinal.api.v1.RevisionData;
import dev.ordinal.api.v1.RevisionSpec;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.client.api.Times;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * ControllerRevisions of a StatefulSet (spec §1.2, §3.3, §3.10): hashing the template, building
 * revisions, ordering them and the set a revision describes. Pure.
 */
public final class Revisions {
    public static final String HASH_LABEL = "controller.kubernetes.io/hash";
    /** Kubernetes' SafeEncodeString alphabet: no vowels, no look-alikes. */
    private static final String SAFE = "bcdfghjklmnpqrstvwxz2456789";
    private static final int MAX_SET_NAME = 223;

    private Revisions() {
    }

    /** The data a revision of {@code template} carries. */
    public static RevisionData data(PodTemplateSpec template) {
        return RevisionData.newBuilder().setSpec(RevisionSpec.newBuilder().setTemplate(template)).build();
    }

    /**
     * 32-bit FNV-1a over the deterministic protobuf serialisation of the data (map entries sorted,
     * so equal templates hash equally), then the decimal collision count; safe-encoded.
     */
    public static String hash(RevisionData data, int collisionCount) {
        int h = 0x811c9dc5;
        for (byte b : canonicalBytes(data)) {
            h ^= (b & 0xff);
            h *= 0x01000193;
        }
        for (byte b : Integer.toString(collisionCount).getBytes(StandardCharsets.US_ASCII)) {
            h ^= (b & 0xff);
            h *= 0x01000193;
        }
        String decimal = Long.toString(Integer.toUnsignedLong(h));
        StringBuilder out = new StringBuilder(decimal.length());
        for (char c : decimal.toCharArray()) {
            out.append(SAFE.charAt(c % SAFE.length()));
        }
        return out.toString();
    }

    static byte[] canonicalBytes(RevisionData data) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            out.useDeterministicSerialization();
            data.writeTo(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String name(StatefulSet set, String hash) {
        String base = set.getMetadata().getName();
        if (base.length() > MAX_SET_NAME) {
            base = base.substring(0, MAX_SET_NAME);
        }
        return base + "-" + hash;
    }

    /** The revision of the set's current template with number {@code revision}. */
    public static ControllerRevision newRevision(StatefulSet set, long revision, int collisionCount) {
        RevisionData data = data(set.getSpec().getTemplate());
        String hash = hash(data, collisionCount);
        ObjectMeta.Builder meta = ObjectMeta.newBuilder()
                .setName(name(set, hash))
                .setNamespace(set.getMetadata().getNamespace())
                .putAllLabels(set.getSpec().getTemplate().getMetadata().getLabelsMap())
                .putLabels(HASH_LABEL, hash)
                .putAllAnnotations(set.getMetadata().getAnnotationsMap())
                .addOwnerReferences(StatefulSetIdentity.controllerRef(set));
        return ControllerRevision.newBuilder().setMetadata(meta).setData(data).setRevision(revision).build();
    }

    /** The set as it was at {@code revision}: its template replaced by the revision's. */
    public static StatefulSet applyRevision(StatefulSet set, ControllerRevision revision) {
        return set.toBuilder().setSpec(set.getSpec().toBuilder()
                .setTemplate(revision.getData().getSpec().getTemplate())).build();
    }

    public static boolean equal(ControllerRevision a, ControllerRevision b) {
        return a.getData().equals(b.getData());
    }

    /** Kubernetes' history order: revision number, then creation time, then name. */
    public static final Comparator<ControllerRevision> ORDER = Comparator
            .comparingLong(ControllerRevision::getRevision)
            .thenComparing((a, b) -> Times.compare(a.getMetadata().getCreationTimestamp(), b.getMetadata().getCreationTimestamp()))
            .thenComparing(r -> r.getMetadata().getName());

    public static List<ControllerRevision> sorted(List<ControllerRevision> revisions) {
        List<ControllerRevision> out = new ArrayList<>(revisions);
        out.sort(ORDER);
        return out;
    }

    /** The number the next revision gets: highest + 1, or 1 when there is none. */
    public static long nextRevision(List<ControllerRevision> sorted) {
        return sorted.isEmpty() ? 1 : sorted.get(sorted.size() - 1).getRevision() + 1;
    }
}

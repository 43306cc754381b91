package dev.ordinal.client.informer;

import com.google.protobuf.Message;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.OwnerReference;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.client.api.ApiObjects;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The indexes every informer cache keeps: by namespace, by label ("key=value"), by owner uid
 * (every metadata.ownerReferences[*].uid) and, for pods, by spec.nodeName.
 */
public final class Indexers {
    public static final String NAMESPACE = "namespace";
    public static final String LABEL = "label";
    public static final String OWNER_UID = "ownerUid";
    public static final String NODE_NAME = "nodeName";

    private Indexers() {
    }

    /** The value under which {@link #LABEL} indexes label {@code key} with {@code value}. */
    public static String label(String key, String value) {
        return key + "=" + value;
    }

    public static <T extends Message> Map<String, IndexFunction<T>> standard() {
        Map<String, IndexFunction<T>> m = new LinkedHashMap<>();
        m.put(NAMESPACE, o -> List.of(ApiObjects.meta(o).getNamespace()));
        m.put(LABEL, o -> {
            List<String> out = new ArrayList<>();
            ApiObjects.meta(o).getLabelsMap().forEach((k, v) -> out.add(label(k, v)));
            return out;
        });
        m.put(OWNER_UID, o -> {
            ObjectMeta meta = ApiObjects.meta(o);
            List<String> out = new ArrayList<>(meta.getOwnerReferencesCount());
            for (OwnerReference r : meta.getOwnerReferencesList()) {
                out.add(r.getUid());
            }
            return out;
        });
        m.put(NODE_NAME, o -> o instanceof Pod pod && !pod.getSpec().getNodeName().isEmpty()
                ? List.of(pod.getSpec().getNodeName()) : List.of());
        return m;
    }
}

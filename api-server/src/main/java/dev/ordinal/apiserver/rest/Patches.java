package dev.ordinal.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The three patch formats Kubernetes accepts, applied to an object's JSON: JSON merge patch (RFC 7386),
 * JSON patch (RFC 6902) and strategic merge patch, whose list rules (merge keys, set lists, atomic lists)
 * follow the {@code patchStrategy}/{@code patchMergeKey} tags of Kubernetes' types, looked up by the proto
 * message the list sits in. Pure functions over Jackson trees; a malformed patch is a {@link PatchException}.
 */
final class Patches {
    /** Lists merged by a key, as "ProtoMessage.jsonField" → merge key. Every other list of objects is atomic. */
    static final Map<String, String> MERGE_KEYS = Map.ofEntries(
            Map.entry("PodSpec.containers", "name"),
            Map.entry("PodSpec.initContainers", "name"),
            Map.entry("PodSpec.volumes", "name"),
            Map.entry("PodSpec.topologySpreadConstraints", "topologyKey"),
            Map.entry("Container.env", "name"),
            Map.entry("Container.ports", "containerPort"),
            Map.entry("Container.volumeMounts", "mountPath"),
            Map.entry("ServiceSpec.ports", "port"),
            Map.entry("PodStatus.conditions", "type"),
            Map.entry("PodStatus.podIPs", "ip"),
            Map.entry("NodeStatus.conditions", "type"),
            Map.entry("NodeStatus.addresses", "type"),
            Map.entry("ObjectMeta.ownerReferences", "uid"),
            Map.entry("StatefulSetStatus.conditions", "type"),
            Map.entry("PersistentVolumeClaimStatus.conditions", "type"),
            Map.entry("NamespaceStatus.conditions", "type"),
            Map.entry("ServiceStatus.conditions", "type"));
    /** Primitive lists merged as sets ({@code patchStrategy:"merge"} on a []string). */
    static final Set<String> SET_LISTS = Set.of("ObjectMeta.finalizers");

    /** A patch that cannot be applied: Kubernetes answers 422 (or 400 for a malformed document). */
    static final class PatchException extends RuntimeException {
        final boolean malformed;

        PatchException(String message, boolean malformed) {
            super(message);
            this.malformed = malformed;
        }
    }

    private Patches() {
    }

    // ------------------------------------------------------------------ RFC 7386

    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!(patch instanceof ObjectNode patchObject)) {
            return patch.deepCopy();
        }
        ObjectNode result = target instanceof ObjectNode t ? t.deepCopy() : KubeJson.NODES.objectNode();
        patchObject.fields().forEachRemaining(e -> {
            if (e.getValue().isNull()) {
                result.remove(e.getKey());
            } else {
                JsonNode current = result.get(e.getKey());
                result.set(e.getKey(), mergePatch(current == null ? KubeJson.NODES.nullNode() : current, e.getValue()));
            }
        });
        return result;
    }

    // ------------------------------------------------------------------ RFC 6902

    static JsonNode jsonPatch(JsonNode target, JsonNode patch) {
        if (!(patch instanceof ArrayNode ops)) {
            throw new PatchException("a JSON patch must be an array of operations", true);
        }
        JsonNode doc = target.deepCopy();
        for (JsonNode op : ops) {
            String name = op.path("op").asText("");
            String path = op.path("path").asText(null);
            if (path == null) {
                throw new PatchException("JSON patch operation \"" + name + "\" has no path", true);
            }
            switch (name) {
                case "add" -> doc = add(doc, path, required(op, "value"));
                case "remove" -> doc = remove(doc, path);
                case "replace" -> {
                    get(doc, path);
                    doc = add(remove(doc, path), path, required(op, "value"));
                }
                case "move" -> {
                    String from = op.path("from").asText();
                    JsonNode value = get(doc, from);
                    doc = add(remove(doc, from), path, value);
                }
                case "copy" -> doc = add(doc, path, get(doc, op.path("from").asText()).deepCopy());
                case "test" -> {
                    if (!get(doc, path).equals(required(op, "value"))) {
                        throw new PatchException("testing value " + path + " failed", false);
                    }
                }
                default -> throw new PatchException("unknown JSON patch operation \"" + name + "\"", true);
            }
        }
        return doc;
    }

    private static JsonNode required(JsonNode op, String field) {
        if (!op.has(field)) {
            throw new PatchException("JSON patch operation \"" + op.path("op").asText() + "\" needs \"" + field + "\"", true);
        }
        return op.get(field).deepCopy();
    }

    private static List<String> tokens(String path) {
        if (path.isEmpty()) {
            return List.of();
        }
        if (!path.startsWith("/")) {
            throw new PatchException("JSON pointer \"" + path + "\" must start with /", true);
        }
        List<String> out = new ArrayList<>();
        for (String t : path.substring(1).split("/", -1)) {
            out.add(t.replace("~1", "/").replace("~0", "~"));
        }
        return out;
    }

    private static JsonNode get(JsonNode doc, String path) {
        JsonNode node = doc;
        for (String t : tokens(path)) {
            node = child(node, t, path);
        }
        return node;
    }

    private static JsonNode child(JsonNode node, String token, String path) {
        JsonNode next = null;
        if (node instanceof ObjectNode o) {
            next = o.get(token);
        } else if (node instanceof ArrayNode a) {
            next = a.get(index(token, a.size() - 1, path));
        }
        if (next == null) {
            throw new PatchException("path " + path + " does not exist", false);
        }
        return next;
    }

    private static int index(String token, int max, String path) {
        try {
            int i = Integer.parseInt(token);
            if (i < 0 || i > max) {
                throw new PatchException("index " + token + " of " + path + " is out of range", false);
            }
            return i;
        } catch (NumberFormatException e) {
            throw new PatchException("\"" + token + "\" in " + path + " is not an array index", false);
        }
    }

    private static JsonNode add(JsonNode doc, String path, JsonNode value) {
        List<String> t = tokens(path);
        if (t.isEmpty()) {
            return value;
        }
        JsonNode parent = doc;
        for (String token : t.subList(0, t.size() - 1)) {
            parent = child(parent, token, path);
        }
        String last = t.get(t.size() - 1);
        if (parent instanceof ObjectNode o) {
            o.set(last, value);
        } else if (parent instanceof ArrayNode a) {
            if (last.equals("-")) {
                a.add(value);
            } else {
                a.insert(index(last, a.size(), path), value);
            }
        } else {
            throw new PatchException("path " + path + " does not exist", false);
        }
        return doc;
    }

    private static JsonNode remove(JsonNode doc, String path) {
        List<String> t = tokens(path);
        if (t.isEmpty()) {
            return KubeJson.NODES.nullNode();
        }
        JsonNode parent = doc;
        for (String token : t.subList(0, t.size() - 1)) {
            parent = child(parent, token, path);
        }
        String last = t.get(t.size() - 1);
        if (parent instanceof ObjectNode o && o.has(last)) {
            o.remove(last);
        } else if (parent instanceof ArrayNode a) {
            a.remove(index(last, a.size() - 1, path));
        } else {
            throw new PatchException("path " + path + " does not exist", false);
        }
        return doc;
    }

    // ------------------------------------------------------------------ strategic merge patch

    /** Applies a strategic merge patch to {@code target}, an object of proto type {@code type}. */
    static JsonNode strategic(JsonNode target, JsonNode patch, Descriptor type) {
        if (!(patch instanceof ObjectNode p)) {
            throw new PatchException("a strategic merge patch must be an object", true);
        }
        JsonNode result = mergeMap(target instanceof ObjectNode t ? t : KubeJson.NODES.objectNode(), p, type);
        return result == null ? KubeJson.NODES.objectNode() : result;
    }

    private static ObjectNode mergeMap(ObjectNode original, ObjectNode patch, Descriptor type) {
        String directive = patch.path("$patch").asText("");
        if (directive.equals("replace")) {
            return strip(patch);
        }
        if (directive.equals("delete")) {
            return null;
        }
        if (!directive.isEmpty() && !directive.equals("merge")) {
            throw new PatchException("unknown patch type \"" + directive + "\" in $patch", false);
        }
        ObjectNode result = original.deepCopy();
        Iterator<Map.Entry<String, JsonNode>> fields = patch.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (key.startsWith("$")) {
                continue;
            }
            if (value.isNull()) {
                result.remove(key);
                continue;
            }
            FieldDescriptor field = type == null ? null : KubeJson.field(type, key);
            Descriptor childType = field != null && field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !field.isMapField()
                    ? field.getMessageType() : null;
            JsonNode current = result.get(key);
            if (value instanceof ObjectNode childPatch) {
                if (current instanceof ObjectNode childOriginal) {
                    ObjectNode merged = mergeMap(childOriginal, childPatch, childType);
                    if (merged == null) {
                        result.remove(key);
                    } else {
                        result.set(key, merged);
                    }
                } else if (!"delete".equals(childPatch.path("$patch").asText())) {
                    ObjectNode fresh = mergeMap(KubeJson.NODES.objectNode(), childPatch, childType);
                    if (fresh != null) {
                        result.set(key, fresh);
                    }
                }
            } else if (value instanceof ArrayNode list) {
                String listKey = type == null ? null : type.getName() + "." + (field == null ? key : field.getJsonName());
                ArrayNode currentList = current instanceof ArrayNode a ? a : KubeJson.NODES.arrayNode();
                if (listKey != null && MERGE_KEYS.containsKey(listKey)) {
                    result.set(key, mergeList(currentList, list, MERGE_KEYS.get(listKey), childType));
                } else if (listKey != null && SET_LISTS.contains(listKey)) {
                    ArrayNode union = currentList.deepCopy();
                    for (JsonNode item : list) {
                        if (!contains(union, item)) {
                            union.add(item);
                        }
                    }
                    result.set(key, union);
                } else {
                    result.set(key, strip(list));
                }
            } else {
                result.set(key, value);
            }
        }
        // Directives that refer to lists: deletions from primitive lists, then the element order.
        patch.fields().forEachRemaining(e -> {
            String key = e.getKey();
            if (key.startsWith("$deleteFromPrimitiveList/") && result.get(key.substring(25)) instanceof ArrayNode a) {
                ArrayNode kept = KubeJson.NODES.arrayNode();
                a.forEach(item -> {
                    if (!contains((ArrayNode) e.getValue(), item)) {
                        kept.add(item);
                    }
                });
                result.set(key.substring(25), kept);
            }
        });
        patch.fields().forEachRemaining(e -> {
            String key = e.getKey();
            if (key.startsWith("$setElementOrder/") && result.get(key.substring(17)) instanceof ArrayNode a
                    && e.getValue() instanceof ArrayNode order) {
                FieldDescriptor field = type == null ? null : KubeJson.field(type, key.substring(17));
                String mergeKey = field == null ? null : MERGE_KEYS.get(type.getName() + "." + field.getJsonName());
                result.set(key.substring(17), reorder(a, order, mergeKey));
            }
        });
        if (patch.get("$retainKeys") instanceof ArrayNode retain) {
            Set<String> keep = new HashSet<>();
            retain.forEach(k -> keep.add(k.asText()));
            result.retain(keep);
        }
        return result;
    }

    private static ArrayNode mergeList(ArrayNode original, ArrayNode patch, String mergeKey, Descriptor itemType) {
        for (JsonNode item : patch) {
            if (item instanceof ObjectNode o && "replace".equals(o.path("$patch").asText()) && !o.has(mergeKey)) {
                ArrayNode replaced = KubeJson.NODES.arrayNode();
                for (JsonNode other : patch) {
                    if (other != item) {
                        replaced.add(strip(other));
                    }
                }
                return replaced;
            }
        }
        ArrayNode result = original.deepCopy();
        for (JsonNode item : patch) {
            if (!(item instanceof ObjectNode patchItem) || !patchItem.has(mergeKey)) {
                result.add(strip(item));
                continue;
            }
            String keyValue = patchItem.get(mergeKey).asText();
            int at = -1;
            for (int i = 0; i < result.size(); i++) {
                if (result.get(i).path(mergeKey).asText().equals(keyValue) && result.get(i).has(mergeKey)) {
                    at = i;
                    break;
                }
            }
            if ("delete".equals(patchItem.path("$patch").asText())) {
                if (at >= 0) {
                    result.remove(at);
                }
            } else if (at >= 0) {
                ObjectNode merged = mergeMap((ObjectNode) result.get(at), patchItem, itemType);
                if (merged == null) {
                    result.remove(at);
                } else {
                    result.set(at, merged);
                }
            } else {
                ObjectNode added = mergeMap(KubeJson.NODES.objectNode(), patchItem, itemType);
                if (added != null) {
                    result.add(added);
                }
            }
        }
        return result;
    }

    /** Orders a merged list as $setElementOrder says; items it does not name keep their place after them. */
    private static ArrayNode reorder(ArrayNode list, ArrayNode order, String mergeKey) {
        ArrayNode out = KubeJson.NODES.arrayNode();
        List<JsonNode> rest = new ArrayList<>();
        list.forEach(rest::add);
        for (JsonNode wanted : order) {
            for (Iterator<JsonNode> it = rest.iterator(); it.hasNext(); ) {
                JsonNode item = it.next();
                boolean same = mergeKey == null ? item.equals(wanted)
                        : item.path(mergeKey).asText().equals(wanted.path(mergeKey).asText());
                if (same) {
                    out.add(item);
                    it.remove();
                    break;
                }
            }
        }
        rest.forEach(out::add);
        return out;
    }

    private static boolean contains(ArrayNode list, JsonNode item) {
        for (JsonNode i : list) {
            if (i.asText().equals(item.asText()) && i.getNodeType() == item.getNodeType()) {
                return true;
            }
        }
        return false;
    }

    /** A copy without patch directives, for values that replace what was there. */
    @SuppressWarnings("unchecked")
    static <T extends JsonNode> T strip(T node) {
        if (node instanceof ObjectNode o) {
            ObjectNode out = KubeJson.NODES.objectNode();
            o.fields().forEachRemaining(e -> {
                if (!e.getKey().startsWith("$")) {
                    out.set(e.getKey(), strip(e.getValue()));
                }
            });
            return (T) out;
        }
        if (node instanceof ArrayNode a) {
            ArrayNode out = KubeJson.NODES.arrayNode();
            a.forEach(item -> out.add(strip(item)));
            return (T) out;
        }
        return node;
    }
}

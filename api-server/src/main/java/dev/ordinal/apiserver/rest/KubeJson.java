package dev.ordinal.apiserver.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.ordinal.api.v1.IntOrString;
import dev.ordinal.api.v1.Object;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.ApiObjects;
import dev.ordinal.client.api.Kind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Kubernetes' JSON for the proto objects. The protos' JSON names are Kubernetes' own, so protobuf's
 * JsonFormat does most of the work; this class fixes what proto3 JSON spells differently: 64-bit integers
 * (strings in proto3 JSON, numbers in Kubernetes), IntOrString (a bare number or string), and a
 * ControllerRevision's {@code data} (the raw patch Kubernetes stores: keys sorted, the template marked
 * {@code $patch: replace}). Fields the protos do not model are reported, so the caller can apply the
 * request's {@code fieldValidation}.
 */
final class KubeJson {
    static final ObjectMapper JSON = new ObjectMapper();
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
    private static final String INT_OR_STRING = IntOrString.getDescriptor().getFullName();
    /** Fields Kubernetes has that Ordinal drops without a word: server-maintained bookkeeping. */
    private static final Set<String> QUIETLY_DROPPED = Set.of("metadata.managedFields", "metadata.selfLink");
    /**
     * Scalars Kubernetes always writes (no {@code omitempty} in its Go types) that proto3 JSON leaves out
     * at their zero value: typed clients other than Go's read a missing {@code restartCount} or
     * {@code ready} as null (fabric8: {@code Integer}/{@code Boolean} null, unboxing fails).
     */
    private static final Map<String, Set<String>> ALWAYS_WRITTEN = Map.of(
            dev.ordinal.api.v1.ContainerStatus.getDescriptor().getFullName(), Set.of("name", "ready", "restartCount", "image", "imageID"),
            dev.ordinal.api.v1.ContainerStateTerminated.getDescriptor().getFullName(), Set.of("exitCode"),
            dev.ordinal.api.v1.StatefulSetStatus.getDescriptor().getFullName(), Set.of("replicas"),
            dev.ordinal.api.v1.DaemonEndpoint.getDescriptor().getFullName(), Set.of("Port"));

    private KubeJson() {
    }

    /** The object as Kubernetes serves it, with apiVersion and kind. */
    static ObjectNode toJson(Object object) {
        Object typed = ApiObjects.withTypeMeta(object);
        Message payload = ApiObjects.payload(typed);
        ObjectNode node = (ObjectNode) message(payload);
        if (ApiObjects.kind(typed) == Kind.CONTROLLER_REVISION) {
            revisionDataOut(node);
        }
        return node;
    }

    /** Any message in Kubernetes' JSON (Status, Scale parts...). */
    static JsonNode message(Message message) {
        try {
            JsonNode node = JSON.readTree(PRINTER.print(message));
            outward(node, message.getDescriptorForType());
            return node;
        } catch (IOException e) {
            throw new IllegalStateException("cannot print " + message.getDescriptorForType().getName(), e);
        }
    }

    /**
     * Reads an object of {@code kind} from Kubernetes' JSON. Fields the proto lacks are removed and their
     * paths ("spec.foo") added to {@code unknown}; malformed values are a 400 naming the problem.
     */
    static Object fromJson(Kind kind, JsonNode node, List<String> unknown) {
        if (!(node instanceof ObjectNode object)) {
            throw ApiException.badRequest("the request body must be a JSON or YAML object");
        }
        ObjectNode copy = object.deepCopy();
        Descriptor type = kind.envelopeField().getMessageType();
        inward(copy, type, "", unknown);
        Message.Builder builder = Object.newBuilder().newBuilderForField(kind.envelopeField());
        try {
            PARSER.merge(JSON.writeValueAsString(copy), builder);
        } catch (InvalidProtocolBufferException | JsonProcessingException e) {
            throw ApiException.badRequest("cannot decode " + kind.kindName() + ": " + e.getMessage());
        }
        return kind.wrap(builder.build());
    }

    /** Reads a message of any type from Kubernetes' JSON (unknown fields ignored). */
    static <B extends Message.Builder> B merge(JsonNode node, B builder) {
        JsonNode copy = node.deepCopy();
        if (copy instanceof ObjectNode object) {
            inward(object, builder.getDescriptorForType(), "", new ArrayList<>());
        }
        try {
            PARSER.merge(JSON.writeValueAsString(copy), builder);
        } catch (InvalidProtocolBufferException | JsonProcessingException e) {
            throw ApiException.badRequest("cannot decode " + builder.getDescriptorForType().getName() + ": " + e.getMessage());
        }
        return builder;
    }

    private static void outward(JsonNode node, Descriptor type) {
        if (!(node instanceof ObjectNode object)) {
            return;
        }
        for (String name : ALWAYS_WRITTEN.getOrDefault(type.getFullName(), Set.of())) {
            FieldDescriptor field = field(type, name);
            if (field != null && !object.has(name)) {
                switch (field.getJavaType()) {
                    case BOOLEAN -> object.put(name, false);
                    case INT, LONG -> object.put(name, 0);
                    default -> object.put(name, "");
                }
            }
        }
        for (FieldDescriptor field : type.getFields()) {
            JsonNode value = object.get(field.getJsonName());
            if (value == null || field.isMapField()) {
                continue;
            }
            if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                if (field.getMessageType().getFullName().equals(INT_OR_STRING)) {
                    object.set(field.getJsonName(), intOrStringOut(value));
                } else if (field.isRepeated()) {
                    value.forEach(item -> outward(item, field.getMessageType()));
                } else {
                    outward(value, field.getMessageType());
                }
            } else if (field.getJavaType() == FieldDescriptor.JavaType.LONG) {
                if (field.isRepeated() && value instanceof ArrayNode array) {
                    for (int i = 0; i < array.size(); i++) {
                        array.set(i, NODES.numberNode(Long.parseLong(array.get(i).asText())));
                    }
                } else {
                    object.put(field.getJsonName(), Long.parseLong(value.asText()));
                }
            }
        }
    }

    private static JsonNode intOrStringOut(JsonNode value) {
        if (value.has("intVal")) {
            return NODES.numberNode(value.get("intVal").asInt());
        }
        if (value.has("strVal")) {
            return NODES.textNode(value.get("strVal").asText());
        }
        return NODES.numberNode(0);
    }

    private static void inward(ObjectNode object, Descriptor type, String path, List<String> unknown) {
        Iterator<String> names = object.fieldNames();
        List<String> remove = new ArrayList<>();
        while (names.hasNext()) {
            String name = names.next();
            JsonNode value = object.get(name);
            FieldDescriptor field = field(type, name);
            String fieldPath = path.isEmpty() ? name : path + "." + name;
            if (field == null) {
                remove.add(name);
                // Patch directives ($patch, $retainKeys...) are consumed by the patch code; what is left is noise.
                if (!name.startsWith("$") && !QUIETLY_DROPPED.contains(fieldPath)) {
                    unknown.add(fieldPath);
                }
                continue;
            }
            if (value.isNull()) {
                remove.add(name);
                continue;
            }
            if (field.isMapField() || field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            Descriptor fieldType = field.getMessageType();
            if (fieldType.getFullName().equals(INT_OR_STRING)) {
                object.set(name, intOrStringIn(value, fieldPath));
            } else if (field.isRepeated() && value instanceof ArrayNode array) {
                for (int i = 0; i < array.size(); i++) {
                    if (array.get(i) instanceof ObjectNode item) {
                        inward(item, fieldType, fieldPath + "[" + i + "]", unknown);
                    }
                }
            } else if (value instanceof ObjectNode child) {
                inward(child, fieldType, fieldPath, unknown);
            }
        }
        remove.forEach(object::remove);
    }

    private static JsonNode intOrStringIn(JsonNode value, String path) {
        ObjectNode out = NODES.objectNode();
        if (value.isIntegralNumber()) {
            out.put("intVal", value.asInt());
        } else if (value.isTextual()) {
            out.put("strVal", value.asText());
        } else if (value.isObject() && (value.has("intVal") || value.has("strVal"))) {
            return value;
        } else {
            throw ApiException.badRequest(path + ": must be an integer or a string, got " + value.getNodeType());
        }
        return out;
    }

    /** The field of {@code type} a JSON key names: its JSON name (Kubernetes') or its proto name. */
    static FieldDescriptor field(Descriptor type, String name) {
        for (FieldDescriptor field : type.getFields()) {
            if (field.getJsonName().equals(name) || field.getName().equals(name)) {
                return field;
            }
        }
        return null;
    }

    /**
     * Kubernetes stores a revision's data as the raw patch that restores it; kubectl compares its own
     * encoding of the live template with it byte for byte, so keys are sorted, and {@code rollout undo}
     * sends it back as a strategic merge patch, so the template carries {@code $patch: replace}.
     */
    private static void revisionDataOut(ObjectNode revision) {
        ObjectNode data = revision.get("data") instanceof ObjectNode d ? d : NODES.objectNode();
        if (data.get("spec") instanceof ObjectNode spec && spec.get("template") instanceof ObjectNode template) {
            ObjectNode metadata = template.get("metadata") instanceof ObjectNode m ? m : template.putObject("metadata");
            if (!metadata.has("creationTimestamp")) {
                metadata.putNull("creationTimestamp");
            }
            template.put("$patch", "replace");
        }
        revision.set("data", sorted(data));
    }

    static JsonNode sorted(JsonNode node) {
        if (node instanceof ObjectNode object) {
            TreeMap<String, JsonNode> byName = new TreeMap<>();
            object.fields().forEachRemaining(e -> byName.put(e.getKey(), sorted(e.getValue())));
            ObjectNode out = NODES.objectNode();
            byName.forEach(out::set);
            return out;
        }
        if (node instanceof ArrayNode array) {
            ArrayNode out = NODES.arrayNode();
            array.forEach(item -> out.add(sorted(item)));
            return out;
        }
        return node;
    }
}

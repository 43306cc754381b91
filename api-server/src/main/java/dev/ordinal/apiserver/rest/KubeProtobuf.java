package dev.ordinal.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import dev.ordinal.client.api.ApiException;
import java.io.IOException;
import java.util.Arrays;

/**
 * The one Kubernetes protobuf body kubectl sends to this server: the generator commands
 * ({@code kubectl create namespace x}) encode their object as {@code application/vnd.kubernetes.protobuf}
 * whatever the server advertises. That body is the magic {@code k8s\0} and a {@code runtime.Unknown}
 * wrapping the object in Kubernetes' own protobuf schema (generated.proto of k8s.io/api). Namespaces are
 * decoded (their metadata is all such a command sets); other kinds get a 415 that says to use a manifest.
 */
final class KubeProtobuf {
    private static final byte[] MAGIC = {'k', '8', 's', 0};

    private KubeProtobuf() {
    }

    /** The object in Kubernetes' JSON; 415 for anything but a Namespace. */
    static JsonNode decode(byte[] body) {
        if (body.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(body, MAGIC.length), MAGIC)) {
            throw KubeStatus.unsupportedMediaType("application/vnd.kubernetes.protobuf (without the k8s envelope)");
        }
        try {
            CodedInputStream unknown = CodedInputStream.newInstance(body, MAGIC.length, body.length - MAGIC.length);
            String apiVersion = "";
            String kind = "";
            ByteString raw = ByteString.EMPTY;
            for (int tag; (tag = unknown.readTag()) != 0; ) {
                switch (tag >>> 3) {
                    case 1 -> {
                        CodedInputStream typeMeta = unknown.readBytes().newCodedInput();
                        for (int t; (t = typeMeta.readTag()) != 0; ) {
                            switch (t >>> 3) {
                                case 1 -> apiVersion = typeMeta.readString();
                                case 2 -> kind = typeMeta.readString();
                                default -> typeMeta.skipField(t);
                            }
                        }
                    }
                    case 2 -> raw = unknown.readBytes();
                    default -> unknown.skipField(tag);
                }
            }
            if (!kind.equals("Namespace") || !apiVersion.equals("v1")) {
                throw ApiException.badRequest("this server reads Kubernetes protobuf bodies only for v1 Namespace, not "
                        + apiVersion + " " + kind + "; send the object as JSON or YAML (kubectl create -f/apply -f)");
            }
            ObjectNode namespace = KubeJson.NODES.objectNode().put("apiVersion", apiVersion).put("kind", kind);
            CodedInputStream object = raw.newCodedInput();
            for (int tag; (tag = object.readTag()) != 0; ) {
                if (tag >>> 3 == 1) {
                    namespace.set("metadata", metadata(object.readBytes().newCodedInput()));
                } else {
                    object.skipField(tag);
                }
            }
            return namespace;
        } catch (IOException e) {
            throw ApiException.badRequest("the Kubernetes protobuf body cannot be decoded: " + e.getMessage());
        }
    }

    /** ObjectMeta fields a create request may carry: name, generateName, labels, annotations. */
    private static ObjectNode metadata(CodedInputStream in) throws IOException {
        ObjectNode meta = KubeJson.NODES.objectNode();
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (tag >>> 3) {
                case 1 -> meta.put("name", in.readString());
                case 2 -> meta.put("generateName", in.readString());
                case 11, 12 -> {
                    String field = tag >>> 3 == 11 ? "labels" : "annotations";
                    CodedInputStream entry = in.readBytes().newCodedInput();
                    String key = "";
                    String value = "";
                    for (int t; (t = entry.readTag()) != 0; ) {
                        switch (t >>> 3) {
                            case 1 -> key = entry.readString();
                            case 2 -> value = entry.readString();
                            default -> entry.skipField(t);
                        }
                    }
                    ObjectNode map = meta.get(field) instanceof ObjectNode m ? m : meta.putObject(field);
                    map.put(key, value);
                }
                default -> in.skipField(tag);
            }
        }
        return meta;
    }
}

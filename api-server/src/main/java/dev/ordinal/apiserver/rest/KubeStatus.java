package dev.ordinal.apiserver.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ordinal.api.v1.Status;
import dev.ordinal.api.v1.StatusDetails;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.Kind;
import io.grpc.StatusRuntimeException;
import java.util.Arrays;
import org.jboss.logging.Logger;

/**
 * Errors as Kubernetes {@code Status} bodies. API errors already carry their Status (reason, HTTP code,
 * details, causes); this class only adapts what kubectl reads differently: an Invalid answer names the
 * Kind in {@code details.kind} ("The StatefulSet "web" is invalid"), the others the plural resource.
 */
final class KubeStatus {
    private static final Logger LOG = Logger.getLogger(KubeStatus.class);

    private KubeStatus() {
    }

    /** The API error behind any failure; unexpected ones are logged once and become a 500. */
    static ApiException of(Throwable failure) {
        if (failure instanceof ApiException api) {
            return api;
        }
        if (failure instanceof StatusRuntimeException grpc) {
            return ApiException.fromGrpc(grpc);
        }
        if (failure instanceof Patches.PatchException patch) {
            return patch.malformed ? ApiException.badRequest(patch.getMessage()) : invalidPatch(patch.getMessage());
        }
        LOG.errorf("unexpected failure serving a REST request: %s", failure.toString());
        return ApiException.internal("internal error: " + failure.getClass().getSimpleName());
    }

    static ObjectNode body(Status status) {
        Status.Builder s = status.toBuilder().setApiVersion("v1").setKind("Status");
        if (s.getStatus().isEmpty()) {
            s.setStatus("Failure");
        }
        if ("Invalid".equals(s.getReason())) {
            String plural = s.getDetails().getKind();
            Arrays.stream(Kind.values()).filter(k -> k.plural().equals(plural)).findFirst()
                    .ifPresent(k -> s.setDetails(s.getDetails().toBuilder().setKind(k.kindName())));
        }
        ObjectNode body = (ObjectNode) KubeJson.message(s.build());
        ObjectNode out = KubeJson.NODES.objectNode();
        out.put("kind", "Status").put("apiVersion", "v1");
        out.putObject("metadata");
        body.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("kind") && !e.getKey().equals("apiVersion")) {
                out.set(e.getKey(), e.getValue());
            }
        });
        return out;
    }

    static ObjectNode success(String name, Kind kind, String uid) {
        Status status = Status.newBuilder().setStatus("Success").setDetails(StatusDetails.newBuilder()
                .setName(name).setGroup(kind.group()).setKind(kind.plural()).setUid(uid)).build();
        ObjectNode body = body(status);
        body.remove("code");
        return body;
    }

    static ApiException notFoundPath(String path) {
        return new ApiException(io.grpc.Status.Code.NOT_FOUND, failure(404, "NotFound",
                "the server could not find the requested resource (" + path + ")"));
    }

    static ApiException methodNotAllowed(String method, String what) {
        return new ApiException(io.grpc.Status.Code.UNIMPLEMENTED, failure(405, "MethodNotAllowed",
                "the server does not allow this method on the requested resource: " + method + " " + what));
    }

    static ApiException unsupportedMediaType(String type) {
        return new ApiException(io.grpc.Status.Code.INVALID_ARGUMENT, failure(415, "UnsupportedMediaType",
                "the body of the request was in an unknown format - accepted media types include: application/json,"
                        + " application/yaml, application/merge-patch+json, application/json-patch+json,"
                        + " application/strategic-merge-patch+json, application/apply-patch+yaml (got \"" + type + "\")"));
    }

    static ApiException invalidPatch(String message) {
        return new ApiException(io.grpc.Status.Code.INVALID_ARGUMENT, failure(422, "Invalid",
                "the patch cannot be applied: " + message));
    }

    static ApiException gone(String message) {
        return new ApiException(io.grpc.Status.Code.OUT_OF_RANGE, failure(410, "Expired", message));
    }

    static Status failure(int code, String reason, String message) {
        return Status.newBuilder().setApiVersion("v1").setKind("Status").setStatus("Failure").setCode(code)
                .setReason(reason).setMessage(message).build();
    }
}

package dev.ordinal.client.api;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.ordinal.api.v1.Status;
import dev.ordinal.api.v1.StatusCause;
import dev.ordinal.api.v1.StatusDetails;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import java.util.List;

/**
 * An API error: a gRPC status code and the Kubernetes-shaped {@link Status} that explains it. The
 * server turns it into a gRPC status with the Status in the trailers; the client turns it back,
 * so both sides speak the same error language (and the REST facade maps it to HTTP).
 */
public class ApiException extends RuntimeException {
    /** Trailer key carrying the serialized {@link Status}. */
    public static final Metadata.Key<byte[]> STATUS_KEY =
            Metadata.Key.of("ordinal-status-bin", Metadata.BINARY_BYTE_MARSHALLER);

    private final io.grpc.Status.Code code;
    private final Status status;

    public ApiException(io.grpc.Status.Code code, Status status) {
        super(status.getMessage());
        this.code = code;
        this.status = status;
    }

    public io.grpc.Status.Code code() {
        return code;
    }

    public Status status() {
        return status;
    }

    /** Kubernetes reason: NotFound, AlreadyExists, Conflict, Invalid, Gone, ServiceUnavailable... */
    public String reason() {
        return status.getReason();
    }

    public List<StatusCause> causes() {
        return status.getDetails().getCausesList();
    }

    public static ApiException notFound(Kind kind, String name) {
        return of(io.grpc.Status.Code.NOT_FOUND, 404, "NotFound", kind, name,
                kindLabel(kind) + " \"" + name + "\" not found", List.of());
    }

    public static ApiException alreadyExists(Kind kind, String name) {
        return of(io.grpc.Status.Code.ALREADY_EXISTS, 409, "AlreadyExists", kind, name,
                kindLabel(kind) + " \"" + name + "\" already exists", List.of());
    }

    /** A stale resourceVersion or a failed precondition on uid/resourceVersion. */
    public static ApiException conflict(Kind kind, String name, String why) {
        return of(io.grpc.Status.Code.ABORTED, 409, "Conflict", kind, name,
                "Operation cannot be fulfilled on " + kind.plural() + " \"" + name + "\": " + why, List.of());
    }

    /** Validation failure: one cause per field, each naming the field path and the rule. */
    public static ApiException invalid(Kind kind, String name, List<StatusCause> causes) {
        StringBuilder msg = new StringBuilder(kind.kindName()).append(" \"").append(name).append("\" is invalid: ");
        for (int i = 0; i < causes.size(); i++) {
            if (i > 0) {
                msg.append(", ");
            }
            StatusCause c = causes.get(i);
            msg.append(c.getField().isEmpty() ? "" : c.getField() + ": ").append(c.getMessage());
        }
        return of(io.grpc.Status.Code.INVALID_ARGUMENT, 422, "Invalid", kind, name, msg.toString(), causes);
    }

    /** A malformed request that is not about one object's fields (bad selector, unknown kind...). */
    public static ApiException badRequest(String message) {
        return of(io.grpc.Status.Code.INVALID_ARGUMENT, 400, "BadRequest", null, "", message, List.of());
    }

    /** The request is well-formed but the system's state forbids it (e.g. namespace terminating). */
    public static ApiException forbidden(Kind kind, String name, String message) {
        return of(io.grpc.Status.Code.FAILED_PRECONDITION, 403, "Forbidden", kind, name, message, List.of());
    }

    /** A watch or continue token older than the retained change log. */
    public static ApiException expired(String message) {
        return of(io.grpc.Status.Code.OUT_OF_RANGE, 410, "Expired", null, "", message, List.of());
    }

    /** Storage is down or overloaded; the caller should retry. */
    public static ApiException unavailable(String message) {
        return of(io.grpc.Status.Code.UNAVAILABLE, 503, "ServiceUnavailable", null, "", message, List.of());
    }

    /** An object larger than the storage limit. */
    public static ApiException tooLarge(Kind kind, String name, String message) {
        return of(io.grpc.Status.Code.INVALID_ARGUMENT, 413, "RequestEntityTooLarge", kind, name, message, List.of());
    }

    public static ApiException internal(String message) {
        return of(io.grpc.Status.Code.INTERNAL, 500, "InternalError", null, "", message, List.of());
    }

    private static ApiException of(io.grpc.Status.Code code, int http, String reason, Kind kind, String name,
            String message, List<StatusCause> causes) {
        StatusDetails.Builder details = StatusDetails.newBuilder().setName(name == null ? "" : name).addAllCauses(causes);
        if (kind != null) {
            details.setKind(kind.plural()).setGroup(kind.group());
        }
        Status status = Status.newBuilder()
                .setApiVersion("v1")
                .setKind("Status")
                .setStatus("Failure")
                .setMessage(message)
                .setReason(reason)
                .setCode(http)
                .setDetails(details)
                .build();
        return new ApiException(code, status);
    }

    private static String kindLabel(Kind kind) {
        return kind.group().isEmpty() ? kind.plural() : kind.plural() + "." + kind.group();
    }

    /** The gRPC form of this error, the Status riding in the trailers. */
    public StatusRuntimeException toGrpc() {
        Metadata trailers = new Metadata();
        trailers.put(STATUS_KEY, status.toByteArray());
        return io.grpc.Status.fromCode(code).withDescription(status.getMessage()).asRuntimeException(trailers);
    }

    /**
     * The API error behind a failed gRPC call. Errors without an Ordinal Status (transport failures,
     * deadline exceeded) keep their gRPC code with a synthesized Status.
     */
    public static ApiException fromGrpc(Throwable t) {
        if (t instanceof ApiException api) {
            return api;
        }
        io.grpc.Status grpc = io.grpc.Status.fromThrowable(t);
        Metadata trailers = io.grpc.Status.trailersFromThrowable(t);
        if (trailers != null) {
            byte[] bytes = trailers.get(STATUS_KEY);
            if (bytes != null) {
                try {
                    return new ApiException(grpc.getCode(), Status.parseFrom(bytes));
                } catch (InvalidProtocolBufferException e) {
                    // fall through to the synthesized status
                }
            }
        }
        String message = grpc.getDescription() != null ? grpc.getDescription() : grpc.getCode().toString();
        int http = switch (grpc.getCode()) {
            case UNAVAILABLE -> 503;
            case DEADLINE_EXCEEDED -> 504;
            case NOT_FOUND -> 404;
            case INVALID_ARGUMENT -> 400;
            default -> 500;
        };
        return new ApiException(grpc.getCode(), Status.newBuilder().setApiVersion("v1").setKind("Status")
                .setStatus("Failure").setMessage(message).setReason(grpc.getCode().name()).setCode(http).build());
    }
}

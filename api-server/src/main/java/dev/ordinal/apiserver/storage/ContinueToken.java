package dev.ordinal.apiserver.storage;

import dev.ordinal.client.api.ApiException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The opaque {@code continue} of a paginated list: the version the whole list is consistent at and
 * the key of the last item returned so far.
 */
public record ContinueToken(long resourceVersion, String namespace, String name) {

    public String encode() {
        String json = new JsonObject().put("rv", resourceVersion).put("ns", namespace).put("name", name).encode();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    /** Parses a token from a previous page; BadRequest when it is not one. */
    public static ContinueToken decode(String token) {
        try {
            JsonObject json = new JsonObject(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8));
            long rv = json.getLong("rv");
            String ns = json.getString("ns");
            String name = json.getString("name");
            if (rv <= 0 || ns == null || name == null) {
                throw new IllegalArgumentException("incomplete");
            }
            return new ContinueToken(rv, ns, name);
        } catch (RuntimeException e) {
            throw ApiException.badRequest("continue: Invalid value: \"" + token + "\": not a continue token from a previous list");
        }
    }
}

package dev.ordinal.client;

import java.util.List;
import java.util.OptionalLong;

/**
 * One page of a list: the items, the resourceVersion the list is consistent at (start a watch
 * there to miss nothing), the token for the next page ("" on the last) and, when known, how many
 * items remain.
 */
public record ObjectList<T>(List<T> items, String resourceVersion, String continueToken, OptionalLong remainingItemCount) {
    public boolean hasMore() {
        return !continueToken.isEmpty();
    }
}

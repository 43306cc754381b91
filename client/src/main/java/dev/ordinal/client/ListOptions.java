package dev.ordinal.client;

/**
 * What a list call selects: a namespace (empty for all namespaces or cluster-scoped kinds), label
 * and field selectors in Kubernetes' string syntax, and paging ({@code limit} 0 = everything).
 */
public record ListOptions(String namespace, String labelSelector, String fieldSelector, long limit, String continueToken) {
    public ListOptions {
        namespace = namespace == null ? "" : namespace;
        labelSelector = labelSelector == null ? "" : labelSelector;
        fieldSelector = fieldSelector == null ? "" : fieldSelector;
        continueToken = continueToken == null ? "" : continueToken;
    }

    /** Everything, in every namespace. */
    public static ListOptions all() {
        return new ListOptions("", "", "", 0, "");
    }

    public static ListOptions inNamespace(String namespace) {
        return all().withNamespace(namespace);
    }

    public ListOptions withNamespace(String ns) {
        return new ListOptions(ns, labelSelector, fieldSelector, limit, continueToken);
    }

    public ListOptions withLabelSelector(String selector) {
        return new ListOptions(namespace, selector, fieldSelector, limit, continueToken);
    }

    public ListOptions withFieldSelector(String selector) {
        return new ListOptions(namespace, labelSelector, selector, limit, continueToken);
    }

    public ListOptions withLimit(long pageSize) {
        return new ListOptions(namespace, labelSelector, fieldSelector, pageSize, continueToken);
    }

    public ListOptions withContinue(String token) {
        return new ListOptions(namespace, labelSelector, fieldSelector, limit, token);
    }
}

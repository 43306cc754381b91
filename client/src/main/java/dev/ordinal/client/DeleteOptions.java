package dev.ordinal.client;

import java.util.OptionalLong;

/**
 * How to delete: preconditions on uid and resourceVersion (a mismatch is a conflict), the pod
 * grace period (empty: the pod's own), and the propagation policy for dependents.
 */
public record DeleteOptions(String preconditionUid, String preconditionResourceVersion,
        OptionalLong gracePeriodSeconds, String propagationPolicy) {
    public DeleteOptions {
        preconditionUid = preconditionUid == null ? "" : preconditionUid;
        preconditionResourceVersion = preconditionResourceVersion == null ? "" : preconditionResourceVersion;
        gracePeriodSeconds = gracePeriodSeconds == null ? OptionalLong.empty() : gracePeriodSeconds;
        propagationPolicy = propagationPolicy == null ? "" : propagationPolicy;
    }

    /** No preconditions, the object's own grace period, background propagation. */
    public static DeleteOptions defaults() {
        return new DeleteOptions("", "", OptionalLong.empty(), "");
    }

    public DeleteOptions withPreconditionUid(String uid) {
        return new DeleteOptions(uid, preconditionResourceVersion, gracePeriodSeconds, propagationPolicy);
    }

    public DeleteOptions withPreconditionResourceVersion(String rv) {
        return new DeleteOptions(preconditionUid, rv, gracePeriodSeconds, propagationPolicy);
    }

    public DeleteOptions withGracePeriodSeconds(long seconds) {
        return new DeleteOptions(preconditionUid, preconditionResourceVersion, OptionalLong.of(seconds), propagationPolicy);
    }

    /** "Orphan", "Background" or "Foreground". */
    public DeleteOptions withPropagationPolicy(String policy) {
        return new DeleteOptions(preconditionUid, preconditionResourceVersion, gracePeriodSeconds, policy);
    }
}

package dev.ordinal.apiserver.admission;

import dev.ordinal.api.v1.Lease;
import dev.ordinal.api.v1.LeaseSpec;

/** Validation of coordination Leases (leader election, node heartbeats). */
final class LeaseValidation {
    private LeaseValidation() {
    }

    static void validate(Lease lease, FieldErrors errs) {
        LeaseSpec spec = lease.getSpec();
        FieldPath path = FieldPath.root("spec");
        if (spec.hasLeaseDurationSeconds()) {
            FieldRules.positive(path.child("leaseDurationSeconds"), spec.getLeaseDurationSeconds(), errs);
        }
        if (spec.hasLeaseTransitions()) {
            FieldRules.nonNegative(path.child("leaseTransitions"), spec.getLeaseTransitions(), errs);
        }
        if (spec.hasHolderIdentity() && spec.getHolderIdentity().length() > 253) {
            errs.tooLong(path.child("holderIdentity"), 253);
        }
    }
}

package dev.ordinal.client.leaderelection;

import dev.ordinal.api.v1.Lease;
import dev.ordinal.api.v1.LeaseSpec;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.Resources;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.Times;
import io.grpc.Status;
import java.util.Optional;

/**
 * A leader-election lock kept in a {@code coordination.k8s.io/v1} Lease, as client-go's LeaseLock.
 * Updates carry the resourceVersion last read, so two candidates racing for the lease cannot both
 * win: the slower one gets a conflict. Used by one {@link LeaderElector}; not thread-safe.
 */
public final class LeaseLock {
    private final Resources<Lease> leases;
    private final String namespace;
    private final String name;
    private final String identity;
    private Lease lastRead;

    public LeaseLock(OrdinalClient client, String namespace, String name, String identity) {
        if (identity == null || identity.isEmpty()) {
            throw new IllegalArgumentException("a leader-election identity must not be empty");
        }
        this.leases = client.resources(Lease.class);
        this.namespace = namespace;
        this.name = name;
        this.identity = identity;
    }

    /** This candidate's identity (written as holderIdentity). */
    public String identity() {
        return identity;
    }

    /** "namespace/name" of the Lease. */
    public String describe() {
        return namespace + "/" + name;
    }

    /** The current record; empty when the Lease does not exist. */
    public Optional<LeaderElectionRecord> get() {
        try {
            lastRead = leases.get(namespace, name);
        } catch (ApiException e) {
            if (e.code() == Status.Code.NOT_FOUND) {
                lastRead = null;
                return Optional.empty();
            }
            throw e;
        }
        return Optional.of(toRecord(lastRead.getSpec()));
    }

    /** Creates the Lease; ALREADY_EXISTS when another candidate was first. */
    public void create(LeaderElectionRecord record) {
        lastRead = leases.create(Lease.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName(name))
                .setSpec(toSpec(record))
                .build());
    }

    /** Replaces the record, conditional on the Lease being unchanged since {@link #get()} (ABORTED otherwise). */
    public void update(LeaderElectionRecord record) {
        if (lastRead == null) {
            throw new IllegalStateException("update before get: the lock has no resourceVersion to update from");
        }
        lastRead = leases.update(lastRead.toBuilder().setSpec(toSpec(record)).build());
    }

    static LeaderElectionRecord toRecord(LeaseSpec spec) {
        return new LeaderElectionRecord(spec.getHolderIdentity(), spec.getLeaseDurationSeconds(),
                spec.hasAcquireTime() ? Times.instant(spec.getAcquireTime()) : null,
                spec.hasRenewTime() ? Times.instant(spec.getRenewTime()) : null, spec.getLeaseTransitions());
    }

    private static LeaseSpec toSpec(LeaderElectionRecord r) {
        LeaseSpec.Builder b = LeaseSpec.newBuilder()
                .setHolderIdentity(r.holderIdentity())
                .setLeaseDurationSeconds(r.leaseDurationSeconds())
                .setLeaseTransitions(r.leaderTransitions());
        if (r.acquireTime() != null) {
            b.setAcquireTime(Times.timestamp(r.acquireTime()));
        }
        if (r.renewTime() != null) {
            b.setRenewTime(Times.timestamp(r.renewTime()));
        }
        return b.build();
    }
}

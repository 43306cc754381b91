package dev.ordinal.client.leaderelection;

import java.time.Instant;

/**
 * What a lock records about its holder, as client-go's LeaderElectionRecord: who holds it
 * ("" when released), for how long a renewal counts, when it was acquired and last renewed, and how
 * many times it changed hands.
 */
public record LeaderElectionRecord(String holderIdentity, int leaseDurationSeconds, Instant acquireTime,
        Instant renewTime, int leaderTransitions) {
    public LeaderElectionRecord {
        holderIdentity = holderIdentity == null ? "" : holderIdentity;
    }
}

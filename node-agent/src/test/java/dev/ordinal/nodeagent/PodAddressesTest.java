package dev.ordinal.nodeagent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Pod addresses inside the node's range: lowest free first, kept when re-adopted, never the network or broadcast. */
class PodAddressesTest {
    @Test
    void allocatesClaimsAndReleases() {
        PodAddresses a = new PodAddresses("127.64.3.0/24");
        assertThat(a.claim("127.64.3.1")).isTrue();
        assertThat(a.allocate()).isEqualTo("127.64.3.2");
        a.release("127.64.3.1");
        assertThat(a.allocate()).isEqualTo("127.64.3.1");
        assertThat(a.claim("127.64.4.1")).isFalse();
        assertThat(a.claim("127.64.3.255")).isFalse();
    }

    @Test
    void fullRangeGivesNothingAndBadRangesAreRefused() {
        PodAddresses a = new PodAddresses("127.64.3.0/30");
        assertThat(a.allocate()).isEqualTo("127.64.3.1");
        assertThat(a.allocate()).isEqualTo("127.64.3.2");
        assertThat(a.allocate()).isEmpty();
        assertThatThrownBy(() -> new PodAddresses("127.64.3.0")).hasMessageContaining("spec.podCIDR");
    }
}

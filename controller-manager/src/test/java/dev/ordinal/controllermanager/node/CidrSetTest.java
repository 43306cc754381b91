package dev.ordinal.controllermanager.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Pod address ranges: lowest free /24 of 127.64.0.0/10 first, never one block twice. */
class CidrSetTest {
    @Test
    void handsOutDistinctBlocksLowestFirstAndSkipsOccupiedOnes() {
        CidrSet set = new CidrSet("127.64.0.0/10", 24);
        assertThat(set.capacity()).isEqualTo(16384);
        assertThat(set.occupy("127.64.1.0/24")).isTrue();
        assertThat(set.allocateNext()).isEqualTo("127.64.0.0/24");
        assertThat(set.allocateNext()).isEqualTo("127.64.2.0/24");
        set.release("127.64.0.0/24");
        assertThat(set.allocateNext()).isEqualTo("127.64.0.0/24");
    }

    @Test
    void neverTwiceUntilFullThenEmpty() {
        CidrSet set = new CidrSet("127.64.0.0/20", 24);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 16; i++) {
            assertThat(seen.add(set.allocateNext())).isTrue();
        }
        assertThat(seen).contains("127.64.15.0/24");
        assertThat(set.allocateNext()).isEmpty();
    }

    @Test
    void foreignBlocksAreNotOursAndBadSettingsAreRefused() {
        CidrSet set = new CidrSet("127.64.0.0/10", 24);
        assertThat(set.occupy("10.0.0.0/24")).isFalse();
        assertThat(set.occupy("127.64.0.0/25")).isFalse();
        assertThatThrownBy(() -> new CidrSet("127.64.0.0/10", 8)).hasMessageContaining("node-cidr-mask-size");
        assertThatThrownBy(() -> new CidrSet("127.64.0.0", 24)).hasMessageContaining("is not a CIDR");
    }
}

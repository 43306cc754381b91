package dev.ordinal.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Default reverse zones come from the CIDRs; bad values name the key and the rule. */
class DnsSettingsTest {
    @Test
    void reverseZonesAreRoundedOutToOctetsAndNibbles() {
        assertThat(DnsSettings.reverseZone("k", "127.64.0.0/10")).isEqualTo("127.in-addr.arpa.");
        assertThat(DnsSettings.reverseZone("k", "10.96.0.0/12")).isEqualTo("10.in-addr.arpa.");
        assertThat(DnsSettings.reverseZone("k", "192.168.1.0/24")).isEqualTo("1.168.192.in-addr.arpa.");
        assertThat(DnsSettings.reverseZone("k", "fd00::/8")).isEqualTo("d.f.ip6.arpa.");
        assertThat(DnsSettings.reverseZone("k", "fd12:3400::/26")).isEqualTo("4.3.2.1.d.f.ip6.arpa.");
    }

    @Test
    void badCidrsNameTheKey() {
        assertThatThrownBy(() -> DnsSettings.reverseZone("ordinal.dns.pod-cidrs", "127.64.0.0"))
                .hasMessageContaining("ordinal.dns.pod-cidrs").hasMessageContaining("CIDR");
        assertThatThrownBy(() -> DnsSettings.reverseZone("ordinal.dns.pod-cidrs", "example.com/8"))
                .hasMessageContaining("ordinal.dns.pod-cidrs").hasMessageContaining("IP address");
        assertThatThrownBy(() -> DnsSettings.reverseZone("ordinal.dns.service-cidrs", "10.0.0.0/33"))
                .hasMessageContaining("prefix length");
    }
}

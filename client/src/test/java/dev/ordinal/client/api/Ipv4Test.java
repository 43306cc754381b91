package dev.ordinal.client.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class Ipv4Test {
    @Test
    void roundTripsAndRefusesWhatIsNotIpv4() {
        assertThat(Ipv4.toString(Ipv4.toLong("127.64.3.1"))).isEqualTo("127.64.3.1");
        assertThat(Ipv4.toLong("0.0.1.0")).isEqualTo(256);
        assertThat(Ipv4.toString(0xFFFFFFFFL)).isEqualTo("255.255.255.255");
        assertThatThrownBy(() -> Ipv4.toLong("127.64.3")).hasMessageContaining("\"127.64.3\" is not an IPv4 address");
        assertThatThrownBy(() -> Ipv4.toLong("127.64.3.256")).hasMessageContaining("is not an IPv4 address");
        assertThatThrownBy(() -> Ipv4.toLong("a.b.c.d")).hasMessageContaining("is not an IPv4 address");
    }
}

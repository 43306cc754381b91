package dev.ordinal.client.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Assume;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class QuantityTest {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
        "0, 0",
        "1, 1",
        "500m, 0.5",
        "1.5, 1.5",
        "1Ki, 1024",
        "0.5Ki, 512",
        "1Mi, 1048576",
        "1Gi, 1073741824",
        "1Ti, 1099511627776",
        "1Pi, 1125899906842624",
        "1Ei, 1152921504606846976",
        "1k, 1000",
        "1M, 1000000",
        "1G, 1000000000",
        "1T, 1000000000000",
        "1P, 1000000000000000",
        "1E, 1000000000000000000",
        "2e3, 2000",
        "2E3, 2000",
        "1e-3, 0.001",
        "1.5e+2, 150",
        "100Mi, 104857600",
        "250n, 0.00000025",
        "3u, 0.000003",
        "-2k, -2000",
        "+7, 7",
        "5., 5",
        ".5, 0.5",
        "0.1n, 0.000000001",
    })
    void parsesToExactValues(String text, String expected) {
        assertThat(Quantity.parse(text).decimalValue()).isEqualByComparingTo(new BigDecimal(expected));
    }

    @ParameterizedTest(name = "{0} prints as {1}")
    @CsvSource({
        "0, 0",
        "0Mi, 0",
        "1000, 1k",
        "1500, 1500",
        "1.5k, 1500",
        "0.5, 500m",
        "0.1, 100m",
        "0.0001, 100u",
        "12000, 12k",
        "1Gi, 1Gi",
        "1024Mi, 1Gi",
        "1.5Gi, 1536Mi",
        "1.5Ki, 1536",
        "0.5Ki, 512",
        "1536, 1536",
        "31.25Ki, 32k",
        "1025Ki, 1025Ki",
        "2e3, 2e3",
        "1500e0, 1500",
        "0.5e0, 500e-3",
        "1e21, 1e21",
        "1000000000000000000000, 1000E",
        "1024Ei, 1024Ei",
        "-1Gi, -1Gi",
        "-500m, -500m",
        "0.1n, 1n",
        "1.0000000001, 1000000001n",
        "100Mi, 100Mi",
    })
    void printsCanonicalForm(String text, String canonical) {
        assertThat(Quantity.parse(text)).hasToString(canonical);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Mi", "1Mb", "1KI", "1ki", "1.2.3", "1 Gi", " 1", "1e", "1e1.5", "abc", "--1", "1e99999", "1Gi2",
        "."})
    void rejectsMalformedQuantitiesNamingTheInput(String text) {
        assertThatThrownBy(() -> Quantity.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("quantities must match the regular expression");
        assertThat(Quantity.isValid(text)).isFalse();
    }

    @Test
    void equalityAndOrderingIgnoreNotation() {
        assertThat(Quantity.parse("1Gi")).isEqualTo(Quantity.parse("1073741824"));
        assertThat(Quantity.parse("1Gi").hashCode()).isEqualTo(Quantity.parse("1073741824").hashCode());
        assertThat(Quantity.parse("1k")).isEqualTo(Quantity.parse("1e3"));
        assertThat(Quantity.parse("500m")).isEqualTo(Quantity.parse("0.5"));
        assertThat(Quantity.parse("1G")).isLessThan(Quantity.parse("1Gi"));
        assertThat(Quantity.parse("999m")).isLessThan(Quantity.parse("1"));
        assertThat(Quantity.parse("-1")).isLessThan(Quantity.ZERO);
    }

    @Test
    void valuesRoundUpLikeKubernetes() {
        assertThat(Quantity.parse("500m").value()).isEqualTo(1);
        assertThat(Quantity.parse("1500m").value()).isEqualTo(2);
        assertThat(Quantity.parse("1Gi").value()).isEqualTo(1L << 30);
        assertThat(Quantity.parse("250m").milliValue()).isEqualTo(250);
        assertThat(Quantity.parse("2").milliValue()).isEqualTo(2000);
        assertThat(Quantity.parse("1n").milliValue()).isEqualTo(1);
        assertThat(Quantity.parse("100E").value()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void arithmeticKeepsTheReceiversNotation() {
        assertThat(Quantity.parse("1Gi").add(Quantity.parse("512Mi"))).hasToString("1536Mi");
        assertThat(Quantity.parse("1").subtract(Quantity.parse("250m"))).hasToString("750m");
        assertThat(Quantity.ZERO.add(Quantity.parse("2Gi"))).hasToString("2Gi");
        assertThat(Quantity.parse("1Gi").subtract(Quantity.parse("2Gi"))).hasToString("-1Gi");
    }

    @Test
    void factoriesBuildTheValuesTheyName() {
        assertThat(Quantity.ofMillis(250)).isEqualTo(Quantity.parse("250m")).hasToString("250m");
        assertThat(Quantity.ofBytes(2L << 30)).hasToString("2Gi");
        assertThat(Quantity.of(3000)).hasToString("3k");
    }

    @Property
    void printingThenParsingGivesTheSameValue(@ForAll("quantities") Quantity q) {
        Quantity again = Quantity.parse(q.toString());
        assertThat(again).isEqualTo(q);
        assertThat(again.toString()).isEqualTo(q.toString());
    }

    @Property
    void orderingFollowsTheExactValues(@ForAll("quantities") Quantity a, @ForAll("quantities") Quantity b) {
        assertThat(Integer.signum(a.compareTo(b))).isEqualTo(a.decimalValue().compareTo(b.decimalValue()));
        assertThat(a.equals(b)).isEqualTo(a.compareTo(b) == 0);
        assertThat(a.add(b).subtract(b)).isEqualTo(a);
        assertThat(a.add(b).compareTo(a)).isEqualTo(b.signum());
    }

    @Property
    void milliValueIsTheCeilingOfThousandths(@ForAll("quantities") Quantity q) {
        Assume.that(q.decimalValue().abs().compareTo(new BigDecimal("1e15")) < 0);
        BigDecimal millis = q.decimalValue().movePointRight(3);
        long m = q.milliValue();
        assertThat(BigDecimal.valueOf(m).subtract(millis).abs()).isLessThan(BigDecimal.ONE);
        assertThat(BigDecimal.valueOf(m).abs()).isGreaterThanOrEqualTo(millis.abs());
    }

    @Provide
    Arbitrary<Quantity> quantities() {
        Arbitrary<String> number = Combinators.combine(
                        Arbitraries.of("", "-"),
                        Arbitraries.integers().between(0, 99999).map(String::valueOf),
                        Arbitraries.of("", ".5", ".25", ".001", ".123456"))
                .as((sign, whole, frac) -> sign + whole + frac);
        Arbitrary<String> suffix = Arbitraries.of("", "n", "u", "m", "k", "M", "G", "T", "P", "E",
                "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "e0", "e3", "e-3", "e7", "e-9", "E12");
        return Combinators.combine(number, suffix).as((n, s) -> Quantity.parse(n + s));
    }
}

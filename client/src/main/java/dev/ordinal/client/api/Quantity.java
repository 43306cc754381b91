package dev.ordinal.client.api;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Map;

/**
 * A Kubernetes resource quantity ("500m", "1.5", "1Gi", "2e3"): an exact decimal value plus the
 * notation it was written in, which only decides how {@link #toString()} prints it. Equality,
 * ordering and hashing are by value, so "1Gi", "1073741824" and "1.073741824G" are equal.
 *
 * <p>Kubernetes keeps at most nanounit precision and rounds finer values up (away from zero), so
 * "0.1n" becomes "1n"; this class does the same, which keeps parsing, printing and comparing
 * consistent with the quantities every other Kubernetes tool shows.
 */
public final class Quantity implements Comparable<Quantity> {

    /** The notation of a quantity: it decides the canonical form printed by {@link #toString()}. */
    public enum Format {
        /** Powers of 1024: Ki, Mi, Gi, Ti, Pi, Ei. */
        BINARY_SI,
        /** Powers of 1000: n, u, m, "", k, M, G, T, P, E. */
        DECIMAL_SI,
        /** Powers of ten written as e3, e-3, ... */
        DECIMAL_EXPONENT
    }

    /** The rule quoted in every parse error, as Kubernetes words it. */
    public static final String SYNTAX =
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

    public static final Quantity ZERO = new Quantity(BigDecimal.ZERO, Format.DECIMAL_SI);

    /** Finest precision kept: 1n. */
    private static final int MAX_SCALE = 9;
    /** Exponents beyond this are refused rather than expanded into enormous numbers. */
    private static final int MAX_EXPONENT = 1000;
    private static final BigDecimal KI = BigDecimal.valueOf(1024);

    private static final Map<String, Integer> BINARY_SUFFIXES =
            Map.of("Ki", 1, "Mi", 2, "Gi", 3, "Ti", 4, "Pi", 5, "Ei", 6);
    private static final Map<String, Integer> DECIMAL_SUFFIXES =
            Map.of("n", -9, "u", -6, "m", -3, "", 0, "k", 3, "M", 6, "G", 9, "T", 12, "P", 15, "E", 18);
    private static final String[] BINARY_BY_POWER = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};

    private final BigDecimal value;
    private final Format format;

    private Quantity(BigDecimal value, Format format) {
        this.value = value;
        this.format = format;
    }

    /**
     * Parses a quantity string.
     *
     * @throws IllegalArgumentException naming the input and what is wrong with it
     */
    public static Quantity parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("quantity is empty; " + SYNTAX);
        }
        int i = 0;
        int n = text.length();
        if (text.charAt(0) == '+' || text.charAt(0) == '-') {
            i++;
        }
        int digitsStart = i;
        int digits = 0;
        boolean dot = false;
        while (i < n) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                digits++;
            } else if (c == '.' && !dot) {
                dot = true;
            } else {
                break;
            }
            i++;
        }
        if (digits == 0) {
            throw bad(text, "no digits");
        }
        BigDecimal number = new BigDecimal(text.substring(0, digitsStart) + normalizeNumber(text.substring(digitsStart, i)));
        String suffix = text.substring(i);
        Integer binary = BINARY_SUFFIXES.get(suffix);
        if (binary != null) {
            return of(number.multiply(KI.pow(binary)), Format.BINARY_SI);
        }
        Integer decimal = DECIMAL_SUFFIXES.get(suffix);
        if (decimal != null) {
            return of(number.scaleByPowerOfTen(decimal), Format.DECIMAL_SI);
        }
        if (suffix.length() > 1 && (suffix.charAt(0) == 'e' || suffix.charAt(0) == 'E')) {
            String exponent = suffix.substring(1);
            if (!exponent.matches("[+-]?[0-9]+")) {
                throw bad(text, "exponent \"" + exponent + "\" is not an integer");
            }
            String magnitude = exponent.replaceFirst("^[+-]", "").replaceFirst("^0+(?=.)", "");
            if (magnitude.length() > 4 || Integer.parseInt(magnitude) > MAX_EXPONENT) {
                throw bad(text, "exponent is out of range (at most " + MAX_EXPONENT + " in magnitude)");
            }
            return of(number.scaleByPowerOfTen(Integer.parseInt(exponent)), Format.DECIMAL_EXPONENT);
        }
        throw bad(text, "unknown suffix \"" + suffix + "\" (expected one of Ki Mi Gi Ti Pi Ei, n u m k M G T P E, or eN)");
    }

    /** Whether {@code text} parses as a quantity. */
    public static boolean isValid(String text) {
        try {
            parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A quantity of the given exact value, rounded up to nanounits like Kubernetes does. */
    public static Quantity of(BigDecimal value, Format format) {
        BigDecimal v = value.scale() > MAX_SCALE ? value.setScale(MAX_SCALE, RoundingMode.UP) : value;
        return new Quantity(v, format);
    }

    /** A whole number of units (bytes, cores...), printed in decimal notation. */
    public static Quantity of(long units) {
        return new Quantity(BigDecimal.valueOf(units), Format.DECIMAL_SI);
    }

    /** A number of bytes, printed with binary suffixes where exact ("1Gi"). */
    public static Quantity ofBytes(long bytes) {
        return new Quantity(BigDecimal.valueOf(bytes), Format.BINARY_SI);
    }

    /** A number of thousandths of a unit ("500m" for 500). */
    public static Quantity ofMillis(long millis) {
        return new Quantity(BigDecimal.valueOf(millis, 3), Format.DECIMAL_SI);
    }

    /** The exact value. */
    public BigDecimal decimalValue() {
        return value;
    }

    public Format format() {
        return format;
    }

    /** -1, 0 or 1 as the value is negative, zero or positive. */
    public int signum() {
        return value.signum();
    }

    public boolean isZero() {
        return value.signum() == 0;
    }

    /** Whole units, rounded up (away from zero) as Kubernetes' {@code Value()}; saturates at the long range. */
    public long value() {
        return saturate(value.setScale(0, RoundingMode.UP));
    }

    /** Thousandths of a unit, rounded up (away from zero) as Kubernetes' {@code MilliValue()}; saturates. */
    public long milliValue() {
        return saturate(value.movePointRight(3).setScale(0, RoundingMode.UP));
    }

    /** The sum, in this quantity's notation (the other's when this one is zero). */
    public Quantity add(Quantity other) {
        return of(value.add(other.value), isZero() ? other.format : format);
    }

    /** The difference, in this quantity's notation (the other's when this one is zero). */
    public Quantity subtract(Quantity other) {
        return of(value.subtract(other.value), isZero() ? other.format : format);
    }

    /** This value in another notation. */
    public Quantity withFormat(Format newFormat) {
        return new Quantity(value, newFormat);
    }

    @Override
    public int compareTo(Quantity other) {
        return value.compareTo(other.value);
    }

    @Override
    public boolean equals(java.lang.Object o) {
        return o instanceof Quantity q && value.compareTo(q.value) == 0;
    }

    @Override
    public int hashCode() {
        return value.signum() == 0 ? 0 : value.stripTrailingZeros().hashCode();
    }

    /**
     * The canonical form, as Kubernetes prints it: an integer mantissa with the largest suffix of
     * the quantity's notation that keeps it integral ("1.5Gi" → "1536Mi", "1000" → "1k", "0.5" →
     * "500m"). Binary quantities that no binary suffix fits print in decimal notation ("0.5Ki" →
     * "512", "31.25Ki" → "32k"); Kubernetes prints the latter "32000", which would print differently
     * once re-parsed, so the canonical form here is a fixed point of parse-then-print.
     */
    @Override
    public String toString() {
        if (value.signum() == 0) {
            return "0";
        }
        if (format == Format.BINARY_SI) {
            String binary = binaryString();
            if (binary != null) {
                return binary;
            }
        }
        return decimalString(format == Format.DECIMAL_EXPONENT ? Format.DECIMAL_EXPONENT : Format.DECIMAL_SI);
    }

    /** The binary form, or null when no binary suffix fits (fractional, or not a multiple of 1Ki). */
    private String binaryString() {
        if (value.stripTrailingZeros().scale() > 0) {
            return null;
        }
        BigInteger mantissa = value.toBigIntegerExact();
        BigInteger k = BigInteger.valueOf(1024);
        int power = 0;
        while (power < BINARY_BY_POWER.length - 1) {
            BigInteger[] qr = mantissa.divideAndRemainder(k);
            if (qr[1].signum() != 0) {
                break;
            }
            mantissa = qr[0];
            power++;
        }
        return power == 0 ? null : mantissa + BINARY_BY_POWER[power];
    }

    private String decimalString(Format f) {
        // value = unscaled * 10^-scale; pick the exponent, a multiple of 3, that leaves an integral
        // mantissa with no further factor of 1000 to pull out.
        BigDecimal stripped = value.stripTrailingZeros();
        int exponent = -stripped.scale();
        int exp3 = Math.floorDiv(exponent, 3) * 3;
        BigInteger mantissa = stripped.scaleByPowerOfTen(-exp3).toBigIntegerExact();
        if (f == Format.DECIMAL_EXPONENT) {
            return exp3 == 0 ? mantissa.toString() : mantissa + "e" + exp3;
        }
        if (exp3 > 18) {
            mantissa = mantissa.multiply(BigInteger.TEN.pow(exp3 - 18));
            exp3 = 18;
        }
        return mantissa + decimalSuffix(exp3);
    }

    private static String decimalSuffix(int exp3) {
        return switch (exp3) {
            case -9 -> "n";
            case -6 -> "u";
            case -3 -> "m";
            case 0 -> "";
            case 3 -> "k";
            case 6 -> "M";
            case 9 -> "G";
            case 12 -> "T";
            case 15 -> "P";
            case 18 -> "E";
            default -> throw new IllegalStateException("no decimal suffix for 10^" + exp3);
        };
    }

    private static String normalizeNumber(String number) {
        // BigDecimal refuses "5." and ".5"; Kubernetes accepts both.
        String s = number.endsWith(".") ? number.substring(0, number.length() - 1) : number;
        return s.startsWith(".") ? "0" + s : s;
    }

    private static long saturate(BigDecimal integral) {
        if (integral.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            return Long.MAX_VALUE;
        }
        if (integral.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) < 0) {
            return Long.MIN_VALUE;
        }
        return integral.longValueExact();
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException("invalid quantity \"" + text + "\": " + why + "; " + SYNTAX);
    }
}

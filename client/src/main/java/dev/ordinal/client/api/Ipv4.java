package dev.ordinal.client.api;

/**
 * IPv4 addresses as unsigned 32-bit numbers, for the address ranges Ordinal hands out (the
 * controller-manager's pod-CIDR blocks, the node agent's pod addresses). Pure.
 */
public final class Ipv4 {
    private Ipv4() {
    }

    /** "127.64.3.1" → its number; IllegalArgumentException naming the text when it is not dotted-quad IPv4. */
    public static long toLong(String ip) {
        String[] p = ip.split("\\.", -1);
        if (p.length != 4) {
            throw new IllegalArgumentException("\"" + ip + "\" is not an IPv4 address");
        }
        long v = 0;
        for (String s : p) {
            int octet;
            try {
                octet = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("\"" + ip + "\" is not an IPv4 address");
            }
            if (octet < 0 || octet > 255) {
                throw new IllegalArgumentException("\"" + ip + "\" is not an IPv4 address");
            }
            v = (v << 8) | octet;
        }
        return v;
    }

    /** The dotted-quad form of a number made by {@link #toLong}. */
    public static String toString(long v) {
        return ((v >> 24) & 255) + "." + ((v >> 16) & 255) + "." + ((v >> 8) & 255) + "." + (v & 255);
    }
}

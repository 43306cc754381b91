package dev.ordinal.dns.query;

import java.util.List;

/**
 * What to answer: the rcode (extended rcodes above 15 go into the OPT record), the AA and RA
 * flags and the three record sections. {@link #forward()} means "relay to an upstream instead".
 */
public record Reply(int rcode, boolean authoritative, List<Rr> answer, List<Rr> authority, List<Rr> additional,
                    boolean forward) {

    public static final int NOERROR = 0;
    public static final int FORMERR = 1;
    public static final int SERVFAIL = 2;
    public static final int NXDOMAIN = 3;
    public static final int NOTIMP = 4;
    public static final int REFUSED = 5;
    public static final int BADVERS = 16;

    public static Reply of(int rcode, boolean authoritative) {
        return new Reply(rcode, authoritative, List.of(), List.of(), List.of(), false);
    }

    public static Reply forwardUpstream() {
        return new Reply(SERVFAIL, false, List.of(), List.of(), List.of(), true);
    }
}

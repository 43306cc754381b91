package dev.ordinal.dns.query;

/**
 * A query as the {@link QueryHandler} needs it, taken from Netty's decoded message.
 *
 * @param qname the question name exactly as asked (case kept), absolute
 * @param ednsUdpSize the requestor's UDP payload size, or -1 without an OPT record
 * @param problem why the message is malformed (FORMERR), or null
 */
public record Request(
        int id,
        int opcode,
        boolean recursionDesired,
        String qname,
        int qtype,
        int qclass,
        int ednsUdpSize,
        int ednsVersion,
        boolean dnssecOk,
        String problem) {

    public boolean hasQuestion() {
        return qname != null;
    }

    public boolean hasEdns() {
        return ednsUdpSize >= 0;
    }
}

package dev.ordinal.dns.server;

import dev.ordinal.dns.query.Request;
import dev.ordinal.dns.query.Rr;
import io.netty.buffer.ByteBuf;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsSection;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a received message into a {@link Request} with Netty's DNS codec, and applies the
 * message-level rules of spec dns.md §3: no reply to runts and responses, FORMERR (same ID) for
 * anything malformed, one question, no answer or authority records, at most one OPT and only in
 * the additional section. One instance per event loop is fine; it keeps no state.
 */
final class RequestDecoder extends DatagramDnsQueryDecoder {
    private static final int HEADER = 12;

    /** The request, or null when the message gets no reply at all. */
    Request decode(ByteBuf message, InetSocketAddress sender, InetSocketAddress recipient) {
        int start = message.readerIndex();
        if (message.readableBytes() < HEADER) {
            return null;
        }
        int id = message.getUnsignedShort(start);
        int flags = message.getUnsignedShort(start + 2);
        if ((flags & 0x8000) != 0) {
            return null; // a response: answering it could start a loop between two servers
        }
        int opcode = (flags >> 11) & 0xF;
        boolean rd = (flags & 0x0100) != 0;
        DnsQuery query;
        try {
            List<Object> out = new ArrayList<>(1);
            decode(null, new DatagramPacket(message.duplicate(), recipient, sender), out);
            query = (DnsQuery) out.get(0);
        } catch (Exception e) {
            return malformed(id, opcode, rd, "unparsable message: " + e.getMessage());
        }
        try {
            return validate(query, id, opcode, rd);
        } finally {
            query.release();
        }
    }

    private static Request validate(DnsQuery query, int id, int opcode, boolean rd) {
        int udpSize = -1;
        int version = 0;
        boolean dnssecOk = false;
        String problem = null;
        int opts = 0;
        for (int i = 0; i < query.count(DnsSection.ADDITIONAL); i++) {
            DnsRecord r = query.recordAt(DnsSection.ADDITIONAL, i);
            if (r.type().intValue() == Rr.OPT) {
                opts++;
                if (opts == 1) {
                    udpSize = r.dnsClass() & 0xFFFF;
                    version = (int) ((r.timeToLive() >> 16) & 0xFF);
                    dnssecOk = (r.timeToLive() & 0x8000) != 0;
                }
            }
        }
        if (opts > 1) {
            problem = "more than one OPT record (RFC 6891)";
        }
        if (query.count(DnsSection.ANSWER) > 0 || query.count(DnsSection.AUTHORITY) > 0) {
            problem = "answer or authority records in a query";
        }
        int questions = query.count(DnsSection.QUESTION);
        if (questions != 1) {
            problem = "QDCOUNT " + questions + ", exactly 1 is allowed (RFC 9619)";
            return new Request(id, opcode, rd, null, 0, 0, udpSize, version, dnssecOk, problem);
        }
        DnsQuestion question = query.recordAt(DnsSection.QUESTION);
        return new Request(id, opcode, rd, question.name(), question.type().intValue(), question.dnsClass() & 0xFFFF,
                udpSize, version, dnssecOk, problem);
    }

    private static Request malformed(int id, int opcode, boolean rd, String problem) {
        return new Request(id, opcode, rd, null, 0, 0, -1, 0, false, problem);
    }
}

package dev.ordinal.dns.query;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Puts a {@link Reply} on the wire within a size limit (spec dns.md §5). Netty's encoder neither
 * compresses names nor truncates, and both are mandatory here: whole answer RRs are written first,
 * then authority, then additional; TC is set only when an answer RR or the negative SOA is dropped
 * (RFC 2181 §9). Compression is case-exact, so answer owners repeat the question's casing.
 */
public final class MessageWriter {
    static final int OPT_SIZE = 11;

    private final ByteBuf out;
    private final int base;
    private final Map<String, Integer> offsets = new HashMap<>();

    private MessageWriter(ByteBuf out) {
        this.out = out;
        this.base = out.writerIndex();
    }

    /**
     * Appends the reply to {@code out} (after whatever it already holds, e.g. a TCP length prefix).
     *
     * @param limit the largest message allowed (512, the EDNS size, or 65535 over TCP)
     * @param udpMax the payload size advertised in the OPT record
     */
    public static Layout write(ByteBuf out, Request q, Reply reply, int limit, int udpMax) {
        return new MessageWriter(out).message(q, reply, limit, udpMax);
    }

    /**
     * Where the answer's address records lie, relative to the message start, when they are all the
     * same size and may be reordered byte-wise (a cached reply is reshuffled this way); count 0 otherwise.
     */
    public record Layout(int answerStart, int rrSize, int rrCount) {
    }

    private Layout message(Request q, Reply reply, int limit, int udpMax) {
        boolean edns = q.hasEdns();
        int budget = limit - (edns ? OPT_SIZE : 0);
        out.writeShort(q.id());
        int flagsIndex = out.writerIndex();
        out.writeShort(0);
        out.writeShort(q.hasQuestion() ? 1 : 0);
        int countsIndex = out.writerIndex();
        out.writeShort(0);
        out.writeShort(0);
        out.writeShort(0);
        if (q.hasQuestion()) {
            name(q.qname());
            out.writeShort(q.qtype());
            out.writeShort(q.qclass());
        }
        boolean truncated = false;
        int an = 0;
        int ns = 0;
        int ar = 0;
        int answerStart = out.writerIndex() - base;
        int rrSize = -1;
        boolean uniform = true;
        for (Rr rr : reply.answer()) {
            int before = out.writerIndex();
            if (!record(rr, budget)) {
                truncated = true;
                break;
            }
            int size = out.writerIndex() - before;
            uniform &= rr.data() instanceof Rr.Address && (rrSize < 0 || rrSize == size);
            rrSize = size;
            an++;
        }
        if (!truncated) {
            for (Rr rr : reply.authority()) {
                if (!record(rr, budget)) {
                    truncated = true;
                    break;
                }
                ns++;
            }
        }
        if (!truncated) {
            for (Rr rr : reply.additional()) {
                if (!record(rr, budget)) {
                    break; // losing glue only is not truncation (RFC 2181 §9)
                }
                ar++;
            }
        }
        if (edns) {
            out.writeByte(0); // root owner
            out.writeShort(Rr.OPT);
            out.writeShort(udpMax);
            out.writeByte(reply.rcode() >> 4);
            out.writeByte(0); // version 0
            out.writeShort(q.dnssecOk() ? 0x8000 : 0);
            out.writeShort(0);
            ar++;
        }
        int flags = 0x8000
                | (q.opcode() & 0xF) << 11
                | (reply.authoritative() ? 0x0400 : 0)
                | (truncated ? 0x0200 : 0)
                | (q.recursionDesired() ? 0x0100 : 0)
                | (reply.rcode() & 0xF);
        out.setShort(flagsIndex, flags);
        out.setShort(countsIndex, an);
        out.setShort(countsIndex + 2, ns);
        out.setShort(countsIndex + 4, ar);
        return uniform && an > 1 ? new Layout(answerStart, rrSize, an) : new Layout(0, 0, 0);
    }

    /** Marks recursion available (set when relaying to upstreams) on an already written message. */
    public static void setRecursionAvailable(ByteBuf message, int messageStart) {
        message.setByte(messageStart + 3, message.getByte(messageStart + 3) | 0x80);
    }

    private boolean record(Rr rr, int budget) {
        int mark = out.writerIndex();
        name(rr.owner());
        out.writeShort(rr.type());
        out.writeShort(1);
        out.writeInt((int) rr.ttl());
        int lengthIndex = out.writerIndex();
        out.writeShort(0);
        Rr.Rdata data = rr.data();
        if (data instanceof Rr.Address a) {
            out.writeBytes(a.ip().getAddress());
        } else if (data instanceof Rr.Target t) {
            name(t.name());
        } else if (data instanceof Rr.Srv s) {
            out.writeShort(s.priority());
            out.writeShort(s.weight());
            out.writeShort(s.port());
            uncompressedName(s.target()); // RFC 2782: no compression in SRV targets
        } else if (data instanceof Rr.Soa s) {
            name(s.mname());
            name(s.rname());
            out.writeInt((int) s.serial());
            out.writeInt((int) s.refresh());
            out.writeInt((int) s.retry());
            out.writeInt((int) s.expire());
            out.writeInt((int) s.minimum());
        } else if (data instanceof Rr.Txt t) {
            byte[] bytes = t.text().getBytes(StandardCharsets.UTF_8);
            out.writeByte(bytes.length);
            out.writeBytes(bytes);
        }
        out.setShort(lengthIndex, out.writerIndex() - lengthIndex - 2);
        if (out.writerIndex() - base > budget) {
            out.writerIndex(mark);
            return false;
        }
        return true;
    }

    private void name(String name) {
        int i = 0;
        int n = name.length();
        while (i < n && !(i == n - 1 && name.charAt(i) == '.')) {
            String suffix = name.substring(i);
            Integer at = offsets.get(suffix);
            if (at != null) {
                out.writeShort(0xC000 | at);
                return;
            }
            int offset = out.writerIndex() - base;
            if (offset < 0x3FFF) {
                offsets.put(suffix, offset);
            }
            int dot = name.indexOf('.', i);
            int end = dot < 0 ? n : dot;
            label(name, i, end);
            i = end + 1;
        }
        out.writeByte(0);
    }

    private void uncompressedName(String name) {
        int i = 0;
        int n = name.length();
        while (i < n && !(i == n - 1 && name.charAt(i) == '.')) {
            int dot = name.indexOf('.', i);
            int end = dot < 0 ? n : dot;
            label(name, i, end);
            i = end + 1;
        }
        out.writeByte(0);
    }

    private void label(String name, int from, int to) {
        byte[] bytes = name.substring(from, to).getBytes(StandardCharsets.UTF_8);
        int length = Math.min(bytes.length, 63);
        out.writeByte(length);
        out.writeBytes(bytes, 0, length);
    }
}

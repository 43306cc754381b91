package dev.ordinal.dns.server;

import dev.ordinal.dns.zone.ZoneView;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Encoded UDP replies of one {@link ZoneView} snapshot, keyed by the query's bytes after its ID
 * (flags, counts, question as sent, OPT). The cache belongs to the snapshot: the first lookup
 * against a newer view drops it, so a reply is never older than the view (spec dns.md §4: any
 * reply cache is invalidated on view change, not by TTL). A hit skips decoding, answering and
 * encoding; the reply is copied, given the query's ID, and its A/AAAA records are shuffled again.
 */
final class ReplyCache {
    static final int MAX_ENTRIES = 20_000;

    /** One cached reply; {@code shuffleAt}/{@code rrSize}/{@code rrCount} locate equal-sized address RRs. */
    record Entry(byte[] reply, int qtype, int rcode, int shuffleAt, int rrSize, int rrCount) {
        ByteBuf copyFor(ByteBuf out, int id) {
            int start = out.writerIndex();
            out.writeBytes(reply);
            out.setShort(start, id);
            if (rrCount > 1) {
                // A fresh order per reply, as CoreDNS' loadbalance: records are copied from the
                // pristine bytes in a Fisher-Yates permutation.
                int[] order = new int[rrCount];
                for (int i = 0; i < rrCount; i++) {
                    order[i] = i;
                }
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = rrCount - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
                for (int k = 0; k < rrCount; k++) {
                    out.setBytes(start + shuffleAt + k * rrSize, reply, shuffleAt + order[k] * rrSize, rrSize);
                }
            }
            return out;
        }
    }

    private volatile ZoneView view;
    private volatile ConcurrentHashMap<ByteBuf, Entry> entries = new ConcurrentHashMap<>();

    /** The cached reply to a query, or null. */
    Entry get(ZoneView current, ByteBuf query) {
        if (current != view) {
            return null;
        }
        return entries.get(query.slice(query.readerIndex() + 2, query.readableBytes() - 2));
    }

    void put(ZoneView current, ByteBuf query, Entry entry) {
        if (current != view) {
            // A newer snapshot: start its cache (an older one never replaces a newer one here,
            // since the event loop reads the current view before answering).
            view = current;
            entries = new ConcurrentHashMap<>();
        }
        if (entries.size() >= MAX_ENTRIES) {
            return;
        }
        ByteBuf key = Unpooled.copiedBuffer(query.slice(query.readerIndex() + 2, query.readableBytes() - 2));
        entries.put(key, entry);
    }
}

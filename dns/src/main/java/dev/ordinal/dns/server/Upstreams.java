package dev.ordinal.dns.server;

import dev.ordinal.dns.query.Request;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Relays out-of-zone queries to the configured upstream resolvers over UDP (spec dns.md §3):
 * the query goes out under a fresh ID, the reply comes back under the client's, and a query the
 * upstreams have not answered within the timeout gets SERVFAIL. Upstreams are tried in turn, one per
 * query. With none configured, {@link #enabled()} is false and out-of-zone queries are REFUSED.
 */
public final class Upstreams implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Upstreams.class);

    private record Pending(int clientId, Consumer<ByteBuf> onReply, ScheduledFuture<?> timeout) {
    }

    private final List<InetSocketAddress> servers;
    private final Duration timeout;
    private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger();
    private final AtomicInteger nextServer = new AtomicInteger();
    private volatile Channel channel;

    public Upstreams(List<InetSocketAddress> servers, Duration timeout) {
        this.servers = List.copyOf(servers);
        this.timeout = timeout;
    }

    public static Upstreams none() {
        return new Upstreams(List.of(), Duration.ofSeconds(2));
    }

    public boolean enabled() {
        return !servers.isEmpty();
    }

    /** Opens the relaying socket on the server's event loops. */
    public void start(EventLoopGroup group, Class<? extends io.netty.channel.socket.DatagramChannel> channelType)
            throws InterruptedException {
        if (!enabled()) {
            return;
        }
        channel = new Bootstrap().group(group)
                .channel(channelType)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                        received(packet.content());
                    }
                })
                .bind(new InetSocketAddress(0)).sync().channel();
    }

    /** Sends {@code query} (released here) upstream; exactly one of the two callbacks runs. */
    void relay(ByteBuf query, Request q, EventLoop loop, Consumer<ByteBuf> onReply, Runnable onTimeout) {
        int id;
        do {
            id = nextId.incrementAndGet() & 0xFFFF;
        } while (pending.containsKey(id));
        int upstreamId = id;
        ScheduledFuture<?> timer = loop.schedule(() -> {
            if (pending.remove(upstreamId) != null) {
                onTimeout.run();
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        pending.put(upstreamId, new Pending(q.id(), onReply, timer));
        query.setShort(query.readerIndex(), upstreamId);
        InetSocketAddress server = servers.get(Math.floorMod(nextServer.getAndIncrement(), servers.size()));
        channel.writeAndFlush(new DatagramPacket(query, server)).addListener(f -> {
            if (!f.isSuccess()) {
                LOG.debugf("relaying to %s failed: %s", server, f.cause());
            }
        });
    }

    private void received(ByteBuf reply) {
        if (reply.readableBytes() < 12) {
            return;
        }
        Pending p = pending.remove(reply.getUnsignedShort(reply.readerIndex()));
        if (p == null) {
            return; // late, or not ours
        }
        p.timeout().cancel(false);
        ByteBuf copy = reply.copy();
        copy.setShort(copy.readerIndex(), p.clientId());
        p.onReply().accept(copy);
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close();
        }
    }
}

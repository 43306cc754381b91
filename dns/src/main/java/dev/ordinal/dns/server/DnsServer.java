package dev.ordinal.dns.server;

import dev.ordinal.dns.query.MessageWriter;
import dev.ordinal.dns.query.QueryHandler;
import dev.ordinal.dns.query.Reply;
import dev.ordinal.dns.query.Request;
import dev.ordinal.dns.zone.ZoneView;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The UDP and TCP listeners (spec dns.md §5). Every query is answered on the event loop that read
 * it, from the current {@link ZoneView} snapshot, without blocking; only out-of-zone relaying
 * waits, asynchronously, on the {@link Upstreams}.
 */
public final class DnsServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DnsServer.class);
    static final int TCP_MAX = 65535;
    static final int UDP_PLAIN = 512;

    /** Transport settings. */
    public record Options(InetSocketAddress listen, int udpMax, Duration tcpIdleTimeout, Duration tcpReadTimeout,
                          int tcpMaxConnections, int eventLoopThreads) {
    }

    private final Options options;
    private final QueryHandler handler;
    private final Supplier<ZoneView> view;
    private final DnsMetrics metrics;
    private final Upstreams upstreams;
    private final EventLoopGroup group;
    private final Map<Channel, Long> tcpConnections = new ConcurrentHashMap<>();
    /** Native epoll gives recvmmsg/sendmmsg and SO_REUSEPORT (one UDP socket per event loop). */
    private static final boolean EPOLL = Epoll.isAvailable(); // -Dio.netty.transport.noNative=true forces NIO
    /** Largest query datagram read; bigger ones are cut and get FORMERR. */
    private static final int MAX_QUERY = 4096;

    private final List<Channel> udp = new ArrayList<>();
    private Channel tcp;

    public DnsServer(Options options, QueryHandler handler, Supplier<ZoneView> view, DnsMetrics metrics, Upstreams upstreams) {
        this.options = options;
        this.handler = handler;
        this.view = view;
        this.metrics = metrics;
        this.upstreams = upstreams;
        DefaultThreadFactory threads = new DefaultThreadFactory("dns", true);
        this.group = EPOLL ? new EpollEventLoopGroup(options.eventLoopThreads(), threads)
                : new NioEventLoopGroup(options.eventLoopThreads(), threads);
    }

    /** Binds UDP and TCP on the configured address (port 0 picks one free port for both). */
    public DnsServer start() throws InterruptedException {
        InetSocketAddress listen = options.listen();
        int port = listen.getPort();
        for (int attempt = 0; ; attempt++) {
            InetSocketAddress address = new InetSocketAddress(listen.getAddress(), port);
            try {
                tcp = new ServerBootstrap().group(group)
                        .channel(EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                        .option(ChannelOption.SO_REUSEADDR, true)
                        .childHandler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                ch.pipeline().addLast(
                                        new IdleStateHandler(options.tcpReadTimeout().toMillis(), 0,
                                                options.tcpIdleTimeout().toMillis(), TimeUnit.MILLISECONDS),
                                        new Frames(),
                                        new TcpQueries());
                            }
                        })
                        .bind(address).sync().channel();
                int bound = ((InetSocketAddress) tcp.localAddress()).getPort();
                int sockets = EPOLL ? options.eventLoopThreads() : 1;
                for (int i = 0; i < sockets; i++) {
                    Bootstrap b = new Bootstrap().group(group)
                            .channel(EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class)
                            .option(ChannelOption.SO_RCVBUF, 4 << 20)
                            .option(ChannelOption.SO_SNDBUF, 4 << 20)
                            .handler(new UdpQueries());
                    if (EPOLL) {
                        b.option(EpollChannelOption.SO_REUSEPORT, true)
                                .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_QUERY)
                                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_QUERY * 32));
                    }
                    udp.add(b.bind(new InetSocketAddress(listen.getAddress(), bound)).sync().channel());
                }
                break;
            } catch (Exception e) {
                if (tcp != null) {
                    tcp.close().sync();
                    tcp = null;
                }
                for (Channel c : udp) {
                    c.close().sync();
                }
                udp.clear();
                // With port 0 the free TCP port may be taken for UDP; try another.
                if (listen.getPort() != 0 || attempt >= 10) {
                    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                    throw new IllegalStateException("cannot listen for DNS on " + address + " (ordinal.dns.listen): " + e.getMessage(), e);
                }
            }
        }
        LOG.infof("DNS listening on %s (UDP and TCP, %s, %d UDP socket%s)", tcp.localAddress(),
                EPOLL ? "epoll" : "NIO", udp.size(), udp.size() == 1 ? "" : "s");
        return this;
    }

    public int port() {
        return ((InetSocketAddress) tcp.localAddress()).getPort();
    }

    public EventLoopGroup group() {
        return group;
    }

    /** The datagram channel type matching {@link #group()}. */
    public Class<? extends io.netty.channel.socket.DatagramChannel> datagramChannelType() {
        return EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }

    @Override
    public void close() {
        udp.forEach(Channel::close);
        if (tcp != null) {
            tcp.close();
        }
        tcpConnections.keySet().forEach(Channel::close);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class UdpQueries extends SimpleChannelInboundHandler<DatagramPacket> {
        private final RequestDecoder decoder = new RequestDecoder();
        private final ReplyCache cache = new ReplyCache();

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            long start = System.nanoTime();
            ByteBuf content = packet.content();
            InetSocketAddress client = packet.sender();
            ZoneView current = view.get();
            ReplyCache.Entry cached = current.synced() && content.readableBytes() >= 12 ? cache.get(current, content) : null;
            if (cached != null) {
                ByteBuf out = ctx.alloc().ioBuffer(cached.reply().length);
                ctx.write(new DatagramPacket(cached.copyFor(out, content.getUnsignedShort(content.readerIndex())), client));
                metrics.answered(cached.qtype(), cached.rcode(), "udp", start);
                return;
            }
            Request q = decoder.decode(content, packet.sender(), packet.recipient());
            if (q == null) {
                metrics.dropped();
                return;
            }
            Reply reply = handler.handle(q, current);
            if (reply.forward()) {
                ByteBuf copy = content.copy();
                upstreams.relay(copy, q, ctx.channel().eventLoop(), relayed -> {
                    ctx.writeAndFlush(new DatagramPacket(relayed, client));
                    metrics.answered(q.qtype(), relayed.getByte(relayed.readerIndex() + 3) & 0xF, "udp", start);
                }, () -> {
                    ctx.writeAndFlush(new DatagramPacket(encode(ctx, q, Reply.of(Reply.SERVFAIL, false), UDP_PLAIN, 0), client));
                    metrics.answered(q.qtype(), Reply.SERVFAIL, "udp", start);
                });
                return;
            }
            int limit = q.hasEdns() ? Math.max(UDP_PLAIN, Math.min(q.ednsUdpSize(), options.udpMax())) : UDP_PLAIN;
            ByteBuf buf = ctx.alloc().ioBuffer(Math.min(limit, 1232));
            MessageWriter.Layout layout = MessageWriter.write(buf, q, reply, limit, options.udpMax());
            if (upstreams.enabled()) {
                MessageWriter.setRecursionAvailable(buf, 0);
            }
            if (current.synced()) {
                byte[] bytes = new byte[buf.readableBytes()];
                buf.getBytes(buf.readerIndex(), bytes);
                cache.put(current, content, new ReplyCache.Entry(bytes, q.qtype(), reply.rcode(),
                        layout.answerStart(), layout.rrSize(), layout.rrCount()));
            }
            ctx.write(new DatagramPacket(buf, client));
            metrics.answered(q.qtype(), reply.rcode(), "udp", start);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush(); // one flush per batch of datagrams read
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.warnf("UDP query failed: %s", cause.toString());
        }
    }

    /** Length-prefixed messages (RFC 1035 §4.2.2); knows whether a message is half read. */
    private static final class Frames extends LengthFieldBasedFrameDecoder {
        Frames() {
            super(TCP_MAX, 0, 2, 0, 2);
        }

        boolean midMessage() {
            return actualReadableBytes() > 0;
        }
    }

    private final class TcpQueries extends SimpleChannelInboundHandler<ByteBuf> {
        private final RequestDecoder decoder = new RequestDecoder();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            tcpConnections.put(ctx.channel(), System.nanoTime());
            if (tcpConnections.size() > options.tcpMaxConnections()) {
                // At the cap, the connection idle the longest makes room (RFC 7766 §6.2.2).
                tcpConnections.entrySet().stream()
                        .filter(e -> e.getKey() != ctx.channel())
                        .min(Comparator.comparingLong(Map.Entry::getValue))
                        .ifPresent(e -> e.getKey().close());
            }
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            tcpConnections.remove(ctx.channel());
            ctx.fireChannelInactive();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            long start = System.nanoTime();
            tcpConnections.put(ctx.channel(), start);
            Request q = decoder.decode(frame, (InetSocketAddress) ctx.channel().remoteAddress(),
                    (InetSocketAddress) ctx.channel().localAddress());
            if (q == null) {
                metrics.dropped();
                return;
            }
            Reply reply = handler.handle(q, view.get());
            if (reply.forward()) {
                upstreams.relay(frame.copy(), q, ctx.channel().eventLoop(), relayed -> {
                    ByteBuf framed = ctx.alloc().buffer(relayed.readableBytes() + 2);
                    framed.writeShort(relayed.readableBytes());
                    framed.writeBytes(relayed);
                    relayed.release();
                    ctx.writeAndFlush(framed);
                    metrics.answered(q.qtype(), framed.getByte(5) & 0xF, "tcp", start);
                }, () -> {
                    ctx.writeAndFlush(encode(ctx, q, Reply.of(Reply.SERVFAIL, false), TCP_MAX, 2));
                    metrics.answered(q.qtype(), Reply.SERVFAIL, "tcp", start);
                });
                return;
            }
            ctx.write(encode(ctx, q, reply, TCP_MAX, 2));
            metrics.answered(q.qtype(), reply.rcode(), "tcp", start);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush(); // pipelined queries read together are answered in one write
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent idle) {
                Frames frames = ctx.pipeline().get(Frames.class);
                boolean stalled = idle.state() == io.netty.handler.timeout.IdleState.READER_IDLE && frames.midMessage();
                if (stalled || idle.state() == io.netty.handler.timeout.IdleState.ALL_IDLE) {
                    ctx.close();
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A frame longer than the 2-byte prefix allows, or a reset: nothing to answer on.
            LOG.debugf("closing DNS TCP connection from %s: %s", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    /** A reply message; {@code prefix} is 2 over TCP, where the length goes in front, in the same write. */
    private ByteBuf encode(ChannelHandlerContext ctx, Request q, Reply reply, int limit, int prefix) {
        ByteBuf buf = ctx.alloc().ioBuffer(prefix == 0 ? Math.min(limit, 1232) : 512);
        if (prefix > 0) {
            buf.writeShort(0);
        }
        MessageWriter.write(buf, q, reply, limit, options.udpMax());
        if (upstreams.enabled()) {
            MessageWriter.setRecursionAvailable(buf, prefix);
        }
        if (prefix > 0) {
            buf.setShort(0, buf.readableBytes() - 2);
        }
        return buf;
    }
}

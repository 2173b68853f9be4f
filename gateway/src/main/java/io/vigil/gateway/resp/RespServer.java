package io.vigil.gateway.resp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.redis.RedisArrayAggregator;
import io.netty.handler.codec.redis.RedisBulkStringAggregator;
import io.netty.handler.codec.redis.RedisDecoder;
import io.netty.handler.codec.redis.FixedRedisMessagePool;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.vigil.gateway.QueryAuthenticator;
import io.vigil.gateway.features.FeatureQueries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The RESP (Redis serialization protocol, versions 2 and 3) feature server: read-only Redis commands over the
 * accounts' latest features ({@link RespHandler} lists them), so that {@code redis-cli}, {@code redis-benchmark} and
 * Redis client libraries read Vigil's features unchanged. Netty's Redis codec decodes the commands (inline or
 * multi-bulk) on an event loop of its own (one thread, {@link #THREAD}), never a thread of the engine or of the TCP
 * gateway; replies are encoded by {@link RespWriter}.
 *
 * <p>Hostile input is bounded: a command of more than {@code vigil.resp.max.arguments} arguments, an argument or an
 * inline line longer than {@code vigil.resp.max.argument.bytes}, or a malformed frame is answered {@code -ERR} and
 * the connection closed (nothing larger is ever buffered); a client that does not read its replies stops being read
 * once {@code vigil.resp.max.pending.bytes} are queued; a connection beyond {@code vigil.resp.max.connections} is
 * refused; an idle one is closed after {@code vigil.resp.idle.timeout}.
 *
 * <p>Start and close from one control thread.
 */
public final class RespServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RespServer.class);
    /** Name of the RESP server's thread. */
    public static final String THREAD = "vigil-resp";

    private final EventLoopGroup group;
    private final Channel channel;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong commands = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    private RespServer(final RespContext context, final FeatureQueries queries, final QueryAuthenticator authenticator)
        throws InterruptedException {
        final int maxConnections = context.maxConnections();
        final int maxArguments = context.maxArguments();
        final int maxArgumentBytes = context.maxArgumentBytes();
        final int pending = context.maxPendingBytes();
        final long idleNs = context.idleTimeoutNs();
        final AtomicLong clientIds = new AtomicLong();
        final boolean epoll = Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(THREAD, true),
            epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        try {
            this.channel = new ServerBootstrap()
                .group(group)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 256)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(pending / 2, pending))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(final SocketChannel ch) {
                        if (open.incrementAndGet() > maxConnections) {
                            open.decrementAndGet();
                            refused.incrementAndGet();
                            ch.pipeline().addLast(new Refuse());
                            return;
                        }
                        ch.closeFuture().addListener(f -> open.decrementAndGet());
                        if (idleNs > 0) {
                            ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, idleNs, TimeUnit.NANOSECONDS) {
                                @Override
                                protected void channelIdle(final ChannelHandlerContext ctx,
                                    final io.netty.handler.timeout.IdleStateEvent event) {
                                    ctx.close();
                                }
                            });
                        }
                        ch.pipeline()
                            .addLast("decoder", new RedisDecoder(maxArgumentBytes, FixedRedisMessagePool.INSTANCE, true))
                            .addLast("limits", new RespLimits(maxArgumentBytes))
                            .addLast("bulk", new RedisBulkStringAggregator())
                            .addLast("array", new RedisArrayAggregator(maxArguments, 1))
                            .addLast("handler", new RespHandler(queries, authenticator, clientIds.incrementAndGet(),
                                commands));
                    }
                })
                .bind(new InetSocketAddress(context.host(), context.port())).sync().channel();
        } catch (final RuntimeException | InterruptedException ex) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw ex;
        }
        LOG.info("RESP feature server listening on {}:{} (redis-cli -p {} -a <credential> HGETALL account:<id>)",
            host(), port(), port());
    }

    /** Binds where {@code context} says; {@code context} is concluded here. */
    public static RespServer start(final RespContext context, final FeatureQueries queries,
        final QueryAuthenticator authenticator) throws InterruptedException {
        context.conclude();
        return new RespServer(context, queries, authenticator);
    }

    public int port() {
        return ((InetSocketAddress)channel.localAddress()).getPort();
    }

    public String host() {
        return ((InetSocketAddress)channel.localAddress()).getHostString();
    }

    /** Connections open now. */
    public int connections() {
        return Math.max(0, open.get());
    }

    /** Commands answered since start. */
    public long commands() {
        return commands.get();
    }

    /** Connections refused because {@code vigil.resp.max.connections} were open. */
    public long refusedConnections() {
        return refused.get();
    }

    /** Stops accepting, closes every connection and the RESP thread. */
    @Override
    public void close() {
        try {
            channel.close().syncUninterruptibly();
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Answers a connection beyond the limit with Redis's own error and closes it. */
    private static final class Refuse extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(final ChannelHandlerContext ctx) {
            final ByteBuf out = ctx.alloc().buffer();
            out.writeCharSequence("-ERR max number of clients reached\r\n", StandardCharsets.US_ASCII);
            ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }
}

package io.vigil.gateway.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.vigil.gateway.GatewayContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The HTTP admin server: Netty's HTTP/1.1 codec on an event loop of its own (one thread, {@link #THREAD}), never a
 * thread of the engine or of the TCP gateway, serving the endpoints of an {@link AdminRoutes} behind an
 * {@link AdminAccess} hook. {@link VigilAdmin} installs Vigil's endpoints ({@code /metrics}, {@code /health/*}).
 *
 * <p>Hostile input is bounded, each case answered with the JSON error body and the connection closed: a malformed
 * request 400, a request line over 4 KiB 414, headers over {@code vigil.admin.max.header.bytes} 431, a body over
 * {@code vigil.admin.max.body.bytes} 413, a request still incomplete after {@code vigil.admin.request.timeout} 408
 * (an idle keep-alive connection is closed then), a connection beyond {@code vigil.admin.max.connections} 503.
 * New connections beyond {@code vigil.admin.max.accept.rate} a second are closed unanswered and the server stops
 * accepting for a moment, so that the kernel drops further attempts ({@link AcceptRateLimit}).
 *
 * <p>Start and close from one control thread; {@link #routes()} may be added to at any time.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    /** Name of the admin server's one thread. */
    public static final String THREAD = "vigil-admin";
    /** Longest request line (method, URI, version). */
    public static final int MAX_INITIAL_LINE_BYTES = 4096;
    /** Connections the kernel queues for the admin server before it drops further attempts. */
    static final int BACKLOG = 64;

    private final AdminRoutes routes;
    private final EventLoopGroup group;
    private final Channel channel;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refusedConnections = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AcceptRateLimit acceptRate;

    private AdminServer(final GatewayContext context, final AdminRoutes routes, final AdminAccess access)
        throws InterruptedException {
        this.routes = routes;
        final int maxConnections = context.adminMaxConnections();
        final int maxBody = context.adminMaxBodyBytes();
        final int maxHeader = context.adminMaxHeaderBytes();
        final long timeoutNs = context.adminRequestTimeoutNs();
        final int nice = context.adminNice();
        this.acceptRate = new AcceptRateLimit(context.adminMaxAcceptRate());
        final DefaultThreadFactory threads = new DefaultThreadFactory(THREAD, true);
        final ThreadFactory niced = runnable -> threads.newThread(() -> {
            ThreadNice.applyToCurrentThread(nice);
            runnable.run();
        });
        this.group = new MultiThreadIoEventLoopGroup(1, niced, NioIoHandler.newFactory());
        try {
            this.channel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, BACKLOG)
                .handler(acceptRate)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(final SocketChannel ch) {
                        if (open.incrementAndGet() > maxConnections) {
                            open.decrementAndGet();
                            refusedConnections.incrementAndGet();
                            ch.pipeline().addLast(new HttpResponseEncoder(),
                                new AdminHandler.Refuse(503, "too_many_connections",
                                    "the admin server holds " + maxConnections + " connections at most"));
                            return;
                        }
                        ch.closeFuture().addListener(f -> open.decrementAndGet());
                        final RequestDeadline deadline = new RequestDeadline(timeoutNs);
                        ch.pipeline()
                            .addLast("deadline", deadline)
                            .addLast("codec", new HttpServerCodec(MAX_INITIAL_LINE_BYTES, maxHeader, 8192))
                            .addLast("aggregator", new AdminHandler.BoundedAggregator(maxBody))
                            .addLast("handler", new AdminHandler(routes, access, deadline, requests));
                    }
                })
                .bind(new InetSocketAddress(context.adminHost(), context.adminPort())).sync().channel();
        } catch (final RuntimeException | InterruptedException ex) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw ex;
        }
        LOG.info("admin server listening on http://{}:{}/", host(), port());
    }

    /**
     * Binds the admin server where {@code context} says ({@code vigil.admin.host}, {@code vigil.admin.port}), serving
     * {@code routes} behind {@code access}; {@code context} is concluded here.
     */
    public static AdminServer start(final GatewayContext context, final AdminRoutes routes, final AdminAccess access)
        throws InterruptedException {
        context.conclude();
        return new AdminServer(context, routes, access);
    }

    public AdminRoutes routes() {
        return routes;
    }

    public int port() {
        return ((InetSocketAddress)channel.localAddress()).getPort();
    }

    public String host() {
        return ((InetSocketAddress)channel.localAddress()).getHostString();
    }

    /** {@code http://host:port} (no trailing slash). */
    public String url() {
        final String host = host();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
    }

    /** Connections open now. */
    public int connections() {
        return Math.max(0, open.get());
    }

    /** Connections refused because {@code vigil.admin.max.connections} were open. */
    public long refusedConnections() {
        return refusedConnections.get();
    }

    /** Connections closed unserved because they came faster than {@code vigil.admin.max.accept.rate}. */
    public long rateLimitedConnections() {
        return acceptRate.refused();
    }

    /** Requests answered since start (routed or refused). */
    public long requests() {
        return requests.get();
    }

    /** Stops accepting, closes every connection and the admin thread. */
    @Override
    public void close() {
        try {
            channel.close().syncUninterruptibly();
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}

package io.vigil.gateway.admin;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds how fast the admin server accepts new connections: a token bucket of {@code rate} connections a second
 * (burst {@code rate}) on the listening channel, ahead of Netty's acceptor. When the bucket is empty the listening
 * channel stops accepting until a whole read's worth of tokens ({@link #READ_BATCH}, or the burst if smaller) is
 * due: the kernel's accept queue ({@code SO_BACKLOG}) then fills and the kernel itself drops further connection
 * attempts, so a flooding client waits for its SYN retransmission timer instead of costing the machine a connection
 * set-up and tear-down each. A connection that arrives with no token (possible only within one read, when more were
 * queued than tokens were due) is closed at once, before any handler is set up for it. A well-behaved client
 * (Prometheus, the dashboard) keeps its connection alive and never meets the limit.
 *
 * <p>Runs on the admin server's event loop only (the listening channel's); {@link #refused()} from any thread.
 * Reads {@link System#nanoTime()}: this is the admin edge, not the event path.
 */
final class AcceptRateLimit extends ChannelInboundHandlerAdapter {
    /** Connections Netty accepts in one read of the listening socket at most (its server channels' default). */
    static final int READ_BATCH = 16;
    private final double tokensPerNs;
    private final double burst;
    private final AtomicLong refused = new AtomicLong();
    private double tokens;
    private long refilledNs;
    private boolean paused;

    /** @param rate connections a second, at least 1. */
    AcceptRateLimit(final int rate) {
        if (rate < 1) {
            throw new IllegalArgumentException("rate must be at least 1 connection a second: " + rate);
        }
        this.tokensPerNs = rate / 1e9;
        this.burst = rate;
        this.tokens = rate;
        this.refilledNs = System.nanoTime();
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
        final long now = System.nanoTime();
        tokens = Math.min(burst, tokens + (now - refilledNs) * tokensPerNs);
        refilledNs = now;
        if (tokens >= 1) {
            tokens -= 1;
            ctx.fireChannelRead(msg);
        } else {
            // only within one read of up to READ_BATCH connections that the kernel handed over together
            refused.incrementAndGet();
            ((Channel)msg).unsafe().closeForcibly();
        }
        if (tokens < 1 && !paused) {
            // stop accepting until a whole read's worth of tokens is due: meanwhile the kernel's queue fills and the
            // kernel drops further attempts, which costs it (and the attacker's retries) next to nothing
            paused = true;
            ctx.channel().config().setAutoRead(false);
            final double due = Math.min(burst, READ_BATCH) - tokens;
            ctx.executor().schedule(() -> {
                paused = false;
                ctx.channel().config().setAutoRead(true);
            }, Math.max(1L, (long)Math.ceil(due / tokensPerNs)), TimeUnit.NANOSECONDS);
        }
    }

    /** Connections closed unserved because they came faster than the rate. */
    long refused() {
        return refused.get();
    }
}

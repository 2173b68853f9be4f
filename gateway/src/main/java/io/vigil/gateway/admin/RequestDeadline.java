package io.vigil.gateway.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * First handler of an admin connection: a request must arrive in full within the timeout, counted from the
 * connection's opening or its previous answer. A slow client (a slow-loris trickle of header bytes, a body that never
 * ends) is answered 408 and closed; a keep-alive connection that sends nothing is closed. Sitting before the HTTP
 * codec, it writes its 408 as raw bytes.
 *
 * <p>Not thread-safe: the connection's event loop only.
 */
final class RequestDeadline extends ChannelInboundHandlerAdapter {
    private static final byte[] TIMEOUT_BODY = ("{\"error\":\"request_timeout\",\"reason\":" +
        "\"the request did not arrive in full in time\"}\n").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TIMEOUT_RESPONSE = ("HTTP/1.1 408 Request Timeout\r\n" +
        "content-type: " + AdminResponse.JSON_TYPE + "\r\n" +
        "content-length: " + TIMEOUT_BODY.length + "\r\n" +
        "connection: close\r\n\r\n" + new String(TIMEOUT_BODY, StandardCharsets.US_ASCII))
        .getBytes(StandardCharsets.US_ASCII);

    private final long timeoutNs;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    private boolean partial;

    RequestDeadline(final long timeoutNs) {
        this.timeoutNs = timeoutNs;
    }

    @Override
    public void channelActive(final ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        arm();
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg) throws Exception {
        if (msg instanceof ByteBuf && ((ByteBuf)msg).isReadable()) {
            partial = true;
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) throws Exception {
        cancel();
        super.channelInactive(ctx);
    }

    /** A whole request arrived: no deadline while it is answered. */
    void requestArrived() {
        partial = false;
        cancel();
    }

    /** Its answer is written: the next request has the full timeout again. */
    void answered() {
        arm();
    }

    private void arm() {
        cancel();
        timer = ctx.executor().schedule(this::expired, timeoutNs, TimeUnit.NANOSECONDS);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expired() {
        timer = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        if (partial) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT_RESPONSE)).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }
}

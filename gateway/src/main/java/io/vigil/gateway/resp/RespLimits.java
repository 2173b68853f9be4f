package io.vigil.gateway.resp;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.redis.BulkStringHeaderRedisMessage;
import io.netty.util.ReferenceCountUtil;

/**
 * Stops a bulk string longer than the limit before anything is aggregated: Netty's bulk-string aggregator would
 * otherwise buffer up to 512 MiB for one argument. The connection is answered {@code -ERR} and closed; whatever it
 * sends after is dropped. Not thread-safe: one per connection, on the RESP thread.
 */
final class RespLimits extends ChannelInboundHandlerAdapter {
    private final int maxArgumentBytes;
    private boolean refusing;

    RespLimits(final int maxArgumentBytes) {
        this.maxArgumentBytes = maxArgumentBytes;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
        if (refusing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof BulkStringHeaderRedisMessage &&
            ((BulkStringHeaderRedisMessage)msg).bulkStringLength() > maxArgumentBytes) {
            refusing = true;
            ReferenceCountUtil.release(msg);
            RespHandler.refuseAndClose(ctx, "ERR Protocol error: an argument is longer than " + maxArgumentBytes +
                " bytes (vigil.resp.max.argument.bytes)");
            return;
        }
        ctx.fireChannelRead(msg);
    }
}

package io.vigil.gateway.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Answers each whole admin request: decoding failures with 400/414/431, unknown paths 404, other methods 405, then
 * the {@link AdminAccess} hook and the route. Not thread-safe: one per connection, on the admin thread.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(AdminHandler.class);

    private final AdminRoutes routes;
    private final AdminAccess access;
    private final RequestDeadline deadline;
    private final AtomicLong requests;

    AdminHandler(final AdminRoutes routes, final AdminAccess access, final RequestDeadline deadline,
        final AtomicLong requests) {
        this.routes = routes;
        this.access = access;
        this.deadline = deadline;
        this.requests = requests;
    }

    @Override
    protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest request) {
        deadline.requestArrived();
        requests.incrementAndGet();
        if (request.decoderResult().isFailure()) {
            write(ctx, decodingFailure(request.decoderResult().cause()), true, false);
            return;
        }
        final boolean close = !HttpUtil.isKeepAlive(request);
        final boolean head = request.method().equals(HttpMethod.HEAD);
        final AdminRequest adminRequest;
        try {
            adminRequest = new AdminRequest(request, String.valueOf(ctx.channel().remoteAddress()));
        } catch (final IllegalArgumentException ex) {
            write(ctx, AdminResponse.error(400, "bad_request", "malformed request URI: " + ex.getMessage()), true, false);
            return;
        }
        write(ctx, dispatch(adminRequest), close, head);
    }

    private AdminResponse dispatch(final AdminRequest request) {
        // HEAD is answered as GET without the body
        final String method = request.method().equals("HEAD") ? "GET" : request.method();
        final AdminRoutes.Match match = routes.find(method, request.path());
        if (match.entry() == null) {
            if (match.allowed().isEmpty()) {
                return AdminResponse.error(404, "not_found", "no endpoint " + request.path() + " (GET /api lists them)");
            }
            return AdminResponse.error(405, "method_not_allowed", request.method() + " is not allowed on " +
                request.path() + "; allowed: " + String.join(", ", match.allowed()))
                .header("allow", String.join(", ", match.allowed()));
        }
        try {
            final AdminResponse refusal = access.check(request, match.entry().path());
            if (refusal != null) {
                return refusal;
            }
            final AdminResponse response = match.entry().route().handle(request);
            if (response == null) {
                throw new IllegalStateException("route " + match.entry().path() + " answered nothing");
            }
            return response;
        } catch (final AdminException ex) {
            return AdminResponse.error(ex.status(), ex.error(), ex.reason());
        } catch (final Exception ex) {
            LOG.warn("admin route {} {} failed", request.method(), request.path(), ex);
            return AdminResponse.error(500, "internal_error", ex.getClass().getSimpleName() +
                (ex.getMessage() == null ? "" : ": " + ex.getMessage()));
        }
    }

    static AdminResponse decodingFailure(final Throwable cause) {
        if (cause instanceof TooLongHttpHeaderException) {
            return AdminResponse.error(431, "headers_too_large", String.valueOf(cause.getMessage()));
        }
        if (cause instanceof TooLongHttpLineException) {
            return AdminResponse.error(414, "uri_too_long", String.valueOf(cause.getMessage()));
        }
        if (cause instanceof TooLongFrameException) {
            return AdminResponse.error(431, "headers_too_large", String.valueOf(cause.getMessage()));
        }
        return AdminResponse.error(400, "bad_request", "malformed HTTP request: " + cause.getMessage());
    }

    private void write(final ChannelHandlerContext ctx, final AdminResponse response, final boolean close,
        final boolean head) {
        final FullHttpResponse out = toNetty(response, head);
        if (close) {
            out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(out);
            deadline.answered();
        }
    }

    static FullHttpResponse toNetty(final AdminResponse response, final boolean head) {
        final FullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(response.status()),
            head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(response.body()));
        out.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
        out.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.body().length);
        out.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        for (final Map.Entry<String, String> header : response.headers().entrySet()) {
            out.headers().set(header.getKey(), header.getValue());
        }
        return out;
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
        LOG.debug("admin connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    /** The aggregator with the admin API's 413: the JSON error body, and the connection closed. */
    static final class BoundedAggregator extends HttpObjectAggregator {
        BoundedAggregator(final int maxContentLength) {
            super(maxContentLength);
        }

        @Override
        protected void handleOversizedMessage(final ChannelHandlerContext ctx, final HttpMessage oversized) {
            final FullHttpResponse out = toNetty(AdminResponse.error(413, "body_too_large",
                "request bodies are limited to " + maxContentLength() + " bytes (vigil.admin.max.body.bytes)"), false);
            out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Answers a connection the server will not serve (too many open) and closes it. */
    static final class Refuse extends ChannelInboundHandlerAdapter {
        private final AdminResponse response;

        Refuse(final int status, final String error, final String reason) {
            this.response = AdminResponse.error(status, error, reason);
        }

        @Override
        public void channelActive(final ChannelHandlerContext ctx) {
            final FullHttpResponse out = toNetty(response, false);
            out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }
}

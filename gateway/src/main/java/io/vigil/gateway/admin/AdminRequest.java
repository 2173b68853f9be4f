package io.vigil.gateway.admin;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An HTTP request to the admin server as a route sees it: method, path, query parameters, headers and the body (at
 * most {@code vigil.admin.max.body.bytes}), copied out of Netty's buffers so that a route may keep it. Not
 * thread-safe; allocates (control plane).
 */
public final class AdminRequest {
    private final String method;
    private final String path;
    private final Map<String, List<String>> params;
    private final HttpHeaders headers;
    private final byte[] body;
    private final String remoteAddress;

    AdminRequest(final FullHttpRequest request, final String remoteAddress) {
        final QueryStringDecoder query = new QueryStringDecoder(request.uri(), StandardCharsets.UTF_8);
        this.method = request.method().name();
        this.path = query.path();
        this.params = Collections.unmodifiableMap(query.parameters());
        this.headers = request.headers().copy();
        this.body = new byte[request.content().readableBytes()];
        request.content().getBytes(request.content().readerIndex(), body);
        this.remoteAddress = remoteAddress;
    }

    /** {@code GET}, {@code POST}, ... */
    public String method() {
        return method;
    }

    /** The decoded path, without the query. */
    public String path() {
        return path;
    }

    /** Every query parameter with its values, in order. */
    public Map<String, List<String>> params() {
        return params;
    }

    /** The first value of parameter {@code name}, or null. */
    public String param(final String name) {
        final List<String> values = params.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** Every value of parameter {@code name}, empty for none. */
    public List<String> params(final String name) {
        final List<String> values = params.get(name);
        return values == null ? List.of() : values;
    }

    /**
     * Refuses (400) a request with a query parameter not in {@code allowed}: a misspelt parameter is an error, never
     * silently ignored.
     */
    public AdminRequest allowOnly(final String... allowed) {
        final Set<String> names = Set.of(allowed);
        for (final String name : params.keySet()) {
            if (!names.contains(name)) {
                throw AdminException.badParameter("unknown parameter '" + name + "'" +
                    (allowed.length == 0 ? ": " + path + " takes none" : "; " + path + " takes " + String.join(", ", allowed)));
            }
        }
        return this;
    }

    /** A header's first value, or null. */
    public String header(final String name) {
        return headers.get(name);
    }

    public HttpHeaders headers() {
        return headers;
    }

    public byte[] body() {
        return body;
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** Address and port of the client, for logs and access decisions. */
    public String remoteAddress() {
        return remoteAddress;
    }
}

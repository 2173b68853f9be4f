package io.vigil.gateway.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a route answers: a status, a content type, the body bytes and any extra headers. Built by the factories below
 * (JSON through Jackson, text, bytes, a class-path resource, the standard error body). Immutable once built but for
 * {@link #header}, which a route calls before returning it; allocates (control plane).
 */
public final class AdminResponse {
    /** The admin API's one JSON mapper: thread-safe once configured. */
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    public static final String JSON_TYPE = "application/json; charset=utf-8";
    public static final String TEXT_TYPE = "text/plain; charset=utf-8";

    private final int status;
    private final String contentType;
    private final byte[] body;
    private final Map<String, String> headers = new LinkedHashMap<>();

    private AdminResponse(final int status, final String contentType, final byte[] body) {
        this.status = status;
        this.contentType = contentType;
        this.body = body;
    }

    /** {@code value} as JSON (maps, lists, records, strings, numbers). */
    public static AdminResponse json(final int status, final Object value) {
        try {
            final byte[] bytes = JSON.writeValueAsBytes(value);
            final byte[] withNewline = java.util.Arrays.copyOf(bytes, bytes.length + 1);
            withNewline[bytes.length] = '\n';
            return new AdminResponse(status, JSON_TYPE, withNewline);
        } catch (final JsonProcessingException ex) {
            throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON", ex);
        }
    }

    public static AdminResponse json(final Object value) {
        return json(200, value);
    }

    public static AdminResponse text(final int status, final String contentType, final String text) {
        return new AdminResponse(status, contentType, text.getBytes(StandardCharsets.UTF_8));
    }

    public static AdminResponse text(final String text) {
        return text(200, TEXT_TYPE, text);
    }

    public static AdminResponse bytes(final int status, final String contentType, final byte[] body) {
        return new AdminResponse(status, contentType, body);
    }

    /** The error body every refusal carries: {@code {"error": error, "reason": reason}}. */
    public static AdminResponse error(final int status, final String error, final String reason) {
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("reason", reason);
        return json(status, body);
    }

    /**
     * A class-path resource with the content type its extension implies, or null when there is none ({@link
     * AdminRoutes#resources} answers 404 then).
     */
    public static AdminResponse resource(final ClassLoader loader, final String name) {
        try (InputStream in = loader.getResourceAsStream(name)) {
            if (in == null) {
                return null;
            }
            return new AdminResponse(200, contentTypeOf(name), in.readAllBytes());
        } catch (final IOException ex) {
            throw new UncheckedIOException("cannot read resource " + name, ex);
        }
    }

    /** The content type of a file name's extension (the few a dashboard needs), application/octet-stream otherwise. */
    public static String contentTypeOf(final String name) {
        final String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".html") || lower.endsWith(".htm")) {
            return "text/html; charset=utf-8";
        }
        if (lower.endsWith(".js") || lower.endsWith(".mjs")) {
            return "text/javascript; charset=utf-8";
        }
        if (lower.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        if (lower.endsWith(".json")) {
            return JSON_TYPE;
        }
        if (lower.endsWith(".svg")) {
            return "image/svg+xml";
        }
        if (lower.endsWith(".png")) {
            return "image/png";
        }
        if (lower.endsWith(".txt") || lower.endsWith(".md")) {
            return TEXT_TYPE;
        }
        return "application/octet-stream";
    }

    /** Adds a response header (before the route returns). */
    public AdminResponse header(final String name, final String value) {
        headers.put(name, value);
        return this;
    }

    public int status() {
        return status;
    }

    public String contentType() {
        return contentType;
    }

    public byte[] body() {
        return body;
    }

    public Map<String, String> headers() {
        return headers;
    }
}

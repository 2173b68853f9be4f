package io.vigil.gateway.resp;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Encodes replies in RESP2 or RESP3 into a buffer: the types Vigil answers with (simple strings, errors, integers,
 * bulk strings, arrays, maps, null). In RESP2 a map is an array of 2n elements and null is the null bulk string
 * {@code $-1}; in RESP3 they are {@code %n} and {@code _}. Not thread-safe: one per connection.
 */
final class RespWriter {
    private static final byte[] CRLF = {'\r', '\n'};
    private ByteBuf out;
    private int protocol = 2;

    /** Writes into {@code out} from now on. */
    RespWriter into(final ByteBuf buffer) {
        this.out = buffer;
        return this;
    }

    ByteBuf buffer() {
        return out;
    }

    int protocol() {
        return protocol;
    }

    void protocol(final int version) {
        this.protocol = version;
    }

    RespWriter simple(final String text) {
        out.writeByte('+');
        ascii(text);
        out.writeBytes(CRLF);
        return this;
    }

    /** An error reply: {@code text} starts with its code ({@code ERR}, {@code NOAUTH}, ...). */
    RespWriter error(final String text) {
        out.writeByte('-');
        ascii(text.replace('\r', ' ').replace('\n', ' '));
        out.writeBytes(CRLF);
        return this;
    }

    RespWriter integer(final long value) {
        out.writeByte(':');
        ascii(Long.toString(value));
        out.writeBytes(CRLF);
        return this;
    }

    RespWriter bulk(final String text) {
        return bulk(text.getBytes(StandardCharsets.UTF_8));
    }

    RespWriter bulk(final byte[] bytes) {
        out.writeByte('$');
        ascii(Integer.toString(bytes.length));
        out.writeBytes(CRLF);
        out.writeBytes(bytes);
        out.writeBytes(CRLF);
        return this;
    }

    /** A bulk string of an ASCII text (numbers, names) without an intermediate array. */
    RespWriter bulkAscii(final String text) {
        out.writeByte('$');
        ascii(Integer.toString(text.length()));
        out.writeBytes(CRLF);
        ascii(text);
        out.writeBytes(CRLF);
        return this;
    }

    RespWriter nil() {
        if (protocol == 3) {
            out.writeByte('_');
        } else {
            out.writeByte('$');
            out.writeByte('-');
            out.writeByte('1');
        }
        out.writeBytes(CRLF);
        return this;
    }

    RespWriter array(final int length) {
        out.writeByte('*');
        ascii(Integer.toString(length));
        out.writeBytes(CRLF);
        return this;
    }

    /** A map of {@code pairs} key-value pairs follows (2·pairs elements). */
    RespWriter map(final int pairs) {
        if (protocol == 3) {
            out.writeByte('%');
            ascii(Integer.toString(pairs));
            out.writeBytes(CRLF);
            return this;
        }
        return array(pairs * 2);
    }

    private void ascii(final String text) {
        out.writeCharSequence(text, StandardCharsets.US_ASCII);
    }
}

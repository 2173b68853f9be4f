package io.vigil.gateway;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Resolves the credential a query client presents (an HTTP {@code Authorization} header, a RESP {@code AUTH}) to the
 * tenant it belongs to, through the same identities as the TCP gateway's Logon: with a credentials file, a client id
 * and its secret (the tenant is the matching entry's); without one, the shared secret {@code vigil.credential}, as
 * tenant {@link Authenticator#DEFAULT_TENANT}. The tenant always comes from the credential, never from what the
 * client asks for. The synthetic prober's tenant is never reachable.
 *
 * <p>A credentials-file secret costs one PBKDF2 derivation (milliseconds by design); a credential that verified is
 * remembered (as an HMAC under a per-process random key, never the secret itself, at most {@link #CACHE_ENTRIES}), so
 * that the next request with it costs a hash. {@link #tenantOfAsync} runs an uncached derivation on a thread of its
 * own ({@value #THREAD}) instead of the caller's.
 *
 * <p>Thread-safe. Allocates per call (control plane).
 */
public final class QueryAuthenticator implements AutoCloseable {
    /** What {@link #tenantOf} answers for a credential that belongs to no tenant. */
    public static final long REFUSED = -1;
    /** Verified credentials remembered; the cache is emptied when it fills. */
    static final int CACHE_ENTRIES = 4096;
    /** Name of the thread that runs slow verifications for {@link #tenantOfAsync}. */
    public static final String THREAD = "vigil-query-auth";

    private final byte[] sharedSecret;
    private final Credentials credentials;
    private final byte[] cacheKey = new byte[32];
    private final ConcurrentHashMap<String, Integer> verified = new ConcurrentHashMap<>();
    private final ExecutorService slow;

    private QueryAuthenticator(final byte[] sharedSecret, final Credentials credentials) {
        this.sharedSecret = sharedSecret;
        this.credentials = credentials;
        new SecureRandom().nextBytes(cacheKey);
        this.slow = credentials == null ? null : Executors.newSingleThreadExecutor(runnable -> {
            final Thread thread = new Thread(runnable, THREAD);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Every query client with {@code secret} (US-ASCII, at most 32 bytes) is tenant 1. */
    public static QueryAuthenticator sharedSecret(final String secret) {
        final byte[] bytes = secret.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length > Credentials.MAX_SECRET_BYTES) {
            throw new IllegalArgumentException("the credential is longer than " + Credentials.MAX_SECRET_BYTES + " bytes");
        }
        return new QueryAuthenticator(java.util.Arrays.copyOf(bytes, Credentials.MAX_SECRET_BYTES), null);
    }

    /** Each client id with its own secret, as the tenant of its entry in {@code credentials}. */
    public static QueryAuthenticator of(final Credentials credentials) {
        return new QueryAuthenticator(null, credentials);
    }

    /** True when identities are client id + secret (a credentials file); false for the one shared secret. */
    public boolean needsClientId() {
        return credentials != null;
    }

    /**
     * The tenant of a credential, or {@link #REFUSED}. Any thread; slow (a PBKDF2 derivation) the first time a
     * credentials-file secret is seen.
     *
     * @param clientId the client id as text (a credentials file: required, an unsigned 64-bit decimal number; the
     *                 shared secret: ignored, may be null).
     * @param secret   the secret.
     */
    public long tenantOf(final String clientId, final String secret) {
        if (secret == null || secret.isEmpty() || secret.length() > Credentials.MAX_SECRET_BYTES) {
            return REFUSED;
        }
        if (credentials == null) {
            final byte[] padded = java.util.Arrays.copyOf(secret.getBytes(StandardCharsets.US_ASCII), Credentials.MAX_SECRET_BYTES);
            return MessageDigest.isEqual(padded, sharedSecret) ? Authenticator.DEFAULT_TENANT : REFUSED;
        }
        if (clientId == null) {
            return REFUSED;
        }
        final long client;
        try {
            client = Long.parseUnsignedLong(clientId);
        } catch (final NumberFormatException ex) {
            return REFUSED;
        }
        final String cacheEntry = cacheEntry(client, secret);
        final Integer known = verified.get(cacheEntry);
        if (known != null) {
            return Integer.toUnsignedLong(known);
        }
        final List<Credentials.Entry> entries = credentials.entriesOf(client);
        final char[] chars = secret.toCharArray();
        try {
            for (final Credentials.Entry entry : entries) {
                if (entry.matches(chars)) {
                    if (verified.size() >= CACHE_ENTRIES) {
                        verified.clear();
                    }
                    verified.put(cacheEntry, entry.tenantId());
                    return Integer.toUnsignedLong(entry.tenantId());
                }
            }
            return REFUSED;
        } finally {
            java.util.Arrays.fill(chars, '\0');
        }
    }

    /**
     * {@link #tenantOf} without blocking the caller on a derivation: a cached or shared-secret answer completes at once
     * on the calling thread, a derivation runs on {@value #THREAD} and completes there.
     */
    public CompletableFuture<Long> tenantOfAsync(final String clientId, final String secret) {
        if (credentials == null || secret == null || clientId == null) {
            return CompletableFuture.completedFuture(tenantOf(clientId, secret));
        }
        try {
            final Integer known = verified.get(cacheEntry(Long.parseUnsignedLong(clientId), secret));
            if (known != null) {
                return CompletableFuture.completedFuture(Integer.toUnsignedLong(known));
            }
        } catch (final NumberFormatException ex) {
            return CompletableFuture.completedFuture(REFUSED);
        }
        return CompletableFuture.supplyAsync(() -> tenantOf(clientId, secret), slow);
    }

    /**
     * The tenant of an HTTP {@code Authorization} header, or {@link #REFUSED}: {@code Bearer <secret>} (shared secret)
     * or {@code Bearer <clientId>:<secret>} (credentials file), or {@code Basic} with the client id as user name.
     */
    public long tenantOfAuthorization(final String header) {
        if (header == null) {
            return REFUSED;
        }
        final String value = header.strip();
        final int space = value.indexOf(' ');
        if (space < 0) {
            return REFUSED;
        }
        final String scheme = value.substring(0, space);
        final String token = value.substring(space + 1).strip();
        if (scheme.equalsIgnoreCase("Bearer")) {
            if (credentials == null) {
                return tenantOf(null, token);
            }
            final int colon = token.indexOf(':');
            return colon < 0 ? REFUSED : tenantOf(token.substring(0, colon), token.substring(colon + 1));
        }
        if (scheme.equalsIgnoreCase("Basic")) {
            final String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(token), StandardCharsets.UTF_8);
            } catch (final IllegalArgumentException ex) {
                return REFUSED;
            }
            final int colon = decoded.indexOf(':');
            return colon < 0 ? REFUSED : tenantOf(decoded.substring(0, colon), decoded.substring(colon + 1));
        }
        return REFUSED;
    }

    private String cacheEntry(final long clientId, final String secret) {
        try {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(cacheKey, "HmacSHA256"));
            mac.update(Long.toUnsignedString(clientId).getBytes(StandardCharsets.US_ASCII));
            mac.update((byte)0);
            return Base64.getEncoder().encodeToString(mac.doFinal(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (final GeneralSecurityException ex) {
            throw new IllegalStateException("HmacSHA256 is not available in this JDK", ex);
        }
    }

    @Override
    public void close() {
        if (slow != null) {
            slow.shutdownNow();
        }
    }
}

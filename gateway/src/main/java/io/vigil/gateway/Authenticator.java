package io.vigil.gateway;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Decides who a Logon is: which tenant its (credential, client id) belongs to, or why it is refused.
 *
 * <p>Two modes. With a credentials file ({@link #of(Credentials, int)}), each client's secret is checked against its
 * salted PBKDF2 hash; that takes milliseconds by design, so it runs on the authenticator's own threads, never on
 * the network thread ({@link #inline()} is false). Without one ({@link #sharedSecret(String)}), every client id
 * logs on with the one configured secret as tenant {@link #DEFAULT_TENANT}: a constant-time comparison of 32
 * bytes, done inline on the network thread.
 *
 * <p>Thread-safe. Allocates per verification (control plane: Logon only).
 */
final class Authenticator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);
    /** The tenant of the shared secret, when no credentials file is configured. */
    static final int DEFAULT_TENANT = 1;

    private final byte[] sharedSecret;
    private final Credentials credentials;
    private final ExecutorService verifiers;
    /** The synthetic prober's internal credential, NUL padded to 32 bytes; null while there is no prober. */
    private volatile byte[] syntheticSecret;

    private Authenticator(final byte[] sharedSecret, final Credentials credentials, final int threads) {
        this.sharedSecret = sharedSecret;
        this.credentials = credentials;
        if (credentials == null) {
            this.verifiers = null;
        } else {
            // at most one verification per connection is pending (a connection reads nothing more until its Logon
            // is decided), so the queue is bounded by vigil.max.connections
            this.verifiers = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                runnable -> {
                    final Thread thread = new Thread(runnable, "vigil-logon-verifier");
                    thread.setDaemon(true);
                    return thread;
                });
        }
    }

    /** Every client id logs on with {@code secret} (US-ASCII, at most 32 bytes) as tenant {@link #DEFAULT_TENANT}. */
    static Authenticator sharedSecret(final String secret) {
        final byte[] bytes = secret.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length > Credentials.MAX_SECRET_BYTES) {
            throw new IllegalArgumentException("the credential is longer than " + Credentials.MAX_SECRET_BYTES + " bytes");
        }
        return new Authenticator(java.util.Arrays.copyOf(bytes, Credentials.MAX_SECRET_BYTES), null, 0);
    }

    /** Each client logs on with its own secret, as the tenant the file gives it; {@code threads} verify. */
    static Authenticator of(final Credentials credentials, final int threads) {
        return new Authenticator(null, credentials, Math.max(1, threads));
    }

    /** True when {@link #verify} is cheap enough for the network thread (shared-secret mode). */
    boolean inline() {
        return credentials == null;
    }

    /**
     * The tenant of the built-in synthetic prober ({@link io.vigil.gateway.synthetic.SyntheticProber#TENANT}): only a
     * Logon with the internal credential ({@link #syntheticSecret(String)}) and the prober's client id logs on as it,
     * whatever the mode; its check is a constant-time comparison, done inline.
     */
    static final int SYNTHETIC_TENANT = io.vigil.gateway.synthetic.SyntheticProber.TENANT;

    /**
     * Lets the synthetic prober log on with {@code secret} (US-ASCII, 32 bytes, random per process, never written
     * anywhere); set before the gateway binds.
     */
    void syntheticSecret(final String secret) {
        final byte[] bytes = secret.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length > Credentials.MAX_SECRET_BYTES) {
            throw new IllegalArgumentException("the synthetic credential is longer than " + Credentials.MAX_SECRET_BYTES + " bytes");
        }
        this.syntheticSecret = java.util.Arrays.copyOf(bytes, Credentials.MAX_SECRET_BYTES);
    }

    /**
     * The tenant (claimed) if the Logon is accepted, as an unsigned int in a long; {@link #BAD_CREDENTIAL} or
     * {@link #TENANT_MISMATCH} if not. Any thread.
     *
     * @param credential the Logon's credential field, 32 bytes, NUL padded.
     */
    long verify(final byte[] credential, final int claimedTenant, final long clientId) {
        if (claimedTenant == SYNTHETIC_TENANT) {
            final byte[] synthetic = syntheticSecret;
            return synthetic != null && MessageDigest.isEqual(credential, synthetic) &&
                clientId == io.vigil.gateway.synthetic.SyntheticProber.CLIENT ? Integer.toUnsignedLong(SYNTHETIC_TENANT) :
                BAD_CREDENTIAL;
        }
        if (credentials == null) {
            if (!MessageDigest.isEqual(credential, sharedSecret)) {
                return BAD_CREDENTIAL;
            }
            return claimedTenant == DEFAULT_TENANT ? DEFAULT_TENANT : TENANT_MISMATCH;
        }
        switch (credentials.verify(credential, claimedTenant, clientId)) {
            case OK:
                return Integer.toUnsignedLong(claimedTenant);
            case TENANT_MISMATCH:
                return TENANT_MISMATCH;
            default:
                return BAD_CREDENTIAL;
        }
    }

    /** {@link #verify} result: no entry of the client id has this secret. */
    static final long BAD_CREDENTIAL = -1;
    /** {@link #verify} result: the secret is the client id's under another tenant than claimed. */
    static final long TENANT_MISMATCH = -2;

    /**
     * Runs {@link #verify} on a verifier thread and hands the result to {@code done} there ({@link #BAD_CREDENTIAL}
     * if verifying failed). Returns false, without calling {@code done}, if the authenticator is closed.
     */
    boolean verifyAsync(final byte[] credential, final int claimedTenant, final long clientId, final Consumer<Long> done) {
        try {
            verifiers.execute(() -> {
                long result;
                try {
                    result = verify(credential, claimedTenant, clientId);
                } catch (final RuntimeException ex) {
                    LOG.error("verifying the logon of client {} failed", Long.toUnsignedString(clientId), ex);
                    result = BAD_CREDENTIAL;
                } finally {
                    java.util.Arrays.fill(credential, (byte)0);
                }
                done.accept(result);
            });
            return true;
        } catch (final RejectedExecutionException ex) {
            return false;
        }
    }

    /** What the start-up log says about identity. */
    String describe() {
        if (credentials == null) {
            return "shared secret vigil.credential, every client as tenant " + DEFAULT_TENANT + " (no vigil.credentials.file)";
        }
        return credentials.entries().size() + " clients of " + credentials.tenants() + " tenants from " + credentials.source();
    }

    @Override
    public void close() {
        if (verifiers != null) {
            verifiers.shutdownNow();
        }
    }
}

package io.vigil.gateway;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The credentials file ({@code vigil.credentials.file}): which secret logs which client on, and as which tenant.
 *
 * <p>Format: UTF-8 text, one client per line, fields separated by white space; blank lines and lines starting with
 * {@code #} are ignored:
 * <pre>
 * # clientId  tenantId  pbkdf2-sha256$iterations$saltBase64$hashBase64
 * 42          1         pbkdf2-sha256$600000$3q2+7w...$Wm9v...
 * </pre>
 * {@code clientId} is an unsigned 64-bit and {@code tenantId} an unsigned 32-bit decimal number; one (tenant, client)
 * pair appears at most once, while the same client id may appear under several tenants (they are different
 * clients). The hash is PBKDF2 with HMAC-SHA256 (the JDK's {@code PBKDF2WithHmacSHA256}) of the secret's US-ASCII
 * characters, with the line's own random salt (at least 16 bytes) and iteration count, 32 bytes long; salt and hash
 * are standard Base64. {@code vigil credentials add} writes such lines; the secret itself is never stored.
 *
 * <p>Immutable and thread-safe once loaded. Allocates when loaded and on each {@link #verify} (control plane: Logon
 * only). Verifying is slow by design (one PBKDF2 derivation per candidate entry, see docs/operations.md).
 */
public final class Credentials {
    /**
     * The tenant of the server's built-in synthetic prober ({@code io.vigil.gateway.synthetic.SyntheticProber#TENANT},
     * 4294967295 unsigned): no file entry may have it, so no client credential logs on as it.
     */
    public static final int RESERVED_TENANT = io.vigil.gateway.synthetic.SyntheticProber.TENANT;

    /** Scheme name at the start of every hash field. */
    public static final String SCHEME = "pbkdf2-sha256";
    /** Iterations {@code vigil credentials add} uses by default (OWASP's 2023 figure for PBKDF2-HMAC-SHA256). */
    public static final int DEFAULT_ITERATIONS = 600_000;
    /** Fewest iterations a file may hold; below this a hash is cheap to brute-force. */
    public static final int MIN_ITERATIONS = 1_000;
    /** Most iterations a file may hold: a bound on the work one Logon can cost. */
    public static final int MAX_ITERATIONS = 10_000_000;
    /** Longest secret: the Logon's credential field. */
    public static final int MAX_SECRET_BYTES = 32;
    static final int SALT_BYTES = 16;
    static final int HASH_BYTES = 32;
    private static final String ALGORITHM = "PBKDF2WithHmacSHA256";

    /** Outcome of {@link #verify}. */
    public enum Result {
        /** The secret is that of (claimed tenant, client). */
        OK,
        /** The secret is that of the client id under another tenant than the Logon claims. */
        TENANT_MISMATCH,
        /** No entry of the client id has this secret (or the client id has no entry). */
        BAD_CREDENTIAL
    }

    /** One line of the file. */
    public static final class Entry {
        private final long clientId;
        private final int tenantId;
        private final int iterations;
        private final byte[] salt;
        private final byte[] hash;

        Entry(final long clientId, final int tenantId, final int iterations, final byte[] salt, final byte[] hash) {
            this.clientId = clientId;
            this.tenantId = tenantId;
            this.iterations = iterations;
            this.salt = salt;
            this.hash = hash;
        }

        public long clientId() {
            return clientId;
        }

        /** Unsigned 32-bit tenant id. */
        public int tenantId() {
            return tenantId;
        }

        public int iterations() {
            return iterations;
        }

        /** The entry as a line of the file, without a line separator. */
        public String toLine() {
            return Long.toUnsignedString(clientId) + " " + Integer.toUnsignedString(tenantId) + " " + SCHEME + "$" +
                iterations + "$" + Base64.getEncoder().encodeToString(salt) + "$" + Base64.getEncoder().encodeToString(hash);
        }

        boolean matches(final char[] secret) {
            return MessageDigest.isEqual(derive(secret, salt, iterations), hash);
        }
    }

    private final String source;
    private final List<Entry> entries;
    private final Map<Long, List<Entry>> byClient = new HashMap<>();
    /** Stands in for an unknown client id, so that its Logon costs as long as a known one's. */
    private final Entry decoy;

    private Credentials(final String source, final List<Entry> entries) {
        this.source = source;
        this.entries = Collections.unmodifiableList(entries);
        for (final Entry entry : entries) {
            byClient.computeIfAbsent(entry.clientId, id -> new ArrayList<>(1)).add(entry);
        }
        final byte[] salt = new byte[SALT_BYTES];
        new SecureRandom().nextBytes(salt);
        this.decoy = new Entry(0, 0, entries.isEmpty() ? DEFAULT_ITERATIONS : entries.get(0).iterations, salt,
            new byte[HASH_BYTES]);
    }

    /** Reads and validates a credentials file; every problem is an {@link IllegalArgumentException} naming file and line. */
    public static Credentials load(final Path file) {
        final List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (final NoSuchFileException ex) {
            throw new IllegalArgumentException("credentials file " + file + " does not exist", ex);
        } catch (final IOException ex) {
            throw new IllegalArgumentException("cannot read credentials file " + file + ": " + ex, ex);
        }
        return parse(lines, file.toString());
    }

    /** Parses the lines of a credentials file; {@code source} names it in error messages. */
    public static Credentials parse(final List<String> lines, final String source) {
        final List<Entry> entries = new ArrayList<>();
        final Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            final String text = lines.get(i).strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            final Entry entry = parseLine(text, source, i + 1);
            final String key = Integer.toUnsignedString(entry.tenantId) + "/" + Long.toUnsignedString(entry.clientId);
            final Integer earlier = seen.putIfAbsent(key, i + 1);
            if (earlier != null) {
                throw new IllegalArgumentException(where(source, i + 1) + "tenant " + Integer.toUnsignedString(entry.tenantId) +
                    " client " + Long.toUnsignedString(entry.clientId) + " already has an entry at line " + earlier);
            }
            entries.add(entry);
        }
        return new Credentials(source, entries);
    }

    private static Entry parseLine(final String text, final String source, final int line) {
        final String[] fields = text.split("\\s+");
        if (fields.length != 3) {
            throw new IllegalArgumentException(where(source, line) + "expected 3 fields (clientId tenantId " + SCHEME +
                "$iterations$salt$hash), found " + fields.length);
        }
        final long clientId;
        final int tenantId;
        try {
            clientId = Long.parseUnsignedLong(fields[0]);
        } catch (final NumberFormatException ex) {
            throw new IllegalArgumentException(where(source, line) + "client id '" + fields[0] + "' is not an unsigned 64-bit number");
        }
        try {
            tenantId = Integer.parseUnsignedInt(fields[1]);
        } catch (final NumberFormatException ex) {
            throw new IllegalArgumentException(where(source, line) + "tenant id '" + fields[1] + "' is not an unsigned 32-bit number");
        }
        if (tenantId == RESERVED_TENANT) {
            throw new IllegalArgumentException(where(source, line) + "tenant id " + fields[1] + " is reserved for the " +
                "server's synthetic prober");
        }
        final String[] parts = fields[2].split("\\$", -1);
        if (parts.length != 4 || !SCHEME.equals(parts[0])) {
            throw new IllegalArgumentException(where(source, line) + "the hash must read " + SCHEME +
                "$iterations$saltBase64$hashBase64");
        }
        final int iterations;
        try {
            iterations = Integer.parseInt(parts[1]);
        } catch (final NumberFormatException ex) {
            throw new IllegalArgumentException(where(source, line) + "iterations '" + parts[1] + "' is not a number");
        }
        if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException(where(source, line) + "iterations " + iterations + " outside " +
                MIN_ITERATIONS + ".." + MAX_ITERATIONS);
        }
        final byte[] salt = base64(parts[2], "salt", source, line);
        final byte[] hash = base64(parts[3], "hash", source, line);
        if (salt.length < SALT_BYTES) {
            throw new IllegalArgumentException(where(source, line) + "the salt has " + salt.length + " bytes, at least " +
                SALT_BYTES + " are needed");
        }
        if (hash.length != HASH_BYTES) {
            throw new IllegalArgumentException(where(source, line) + "the hash has " + hash.length + " bytes, " +
                HASH_BYTES + " expected");
        }
        return new Entry(clientId, tenantId, iterations, salt, hash);
    }

    private static byte[] base64(final String text, final String what, final String source, final int line) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (final IllegalArgumentException ex) {
            throw new IllegalArgumentException(where(source, line) + "the " + what + " is not Base64: " + ex.getMessage());
        }
    }

    private static String where(final String source, final int line) {
        return "credentials file " + source + " line " + line + ": ";
    }

    /**
     * A new entry for {@code secret} with a fresh random salt.
     *
     * @throws IllegalArgumentException if the secret is empty, longer than {@link #MAX_SECRET_BYTES} or not printable
     *                                  US-ASCII, or the iterations are out of bounds.
     */
    public static Entry create(final long clientId, final int tenantId, final char[] secret, final int iterations,
        final SecureRandom random) {
        checkSecret(secret);
        if (tenantId == RESERVED_TENANT) {
            throw new IllegalArgumentException("tenant id " + Integer.toUnsignedString(tenantId) + " is reserved for the " +
                "server's synthetic prober");
        }
        if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("iterations " + iterations + " outside " + MIN_ITERATIONS + ".." + MAX_ITERATIONS);
        }
        final byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        return new Entry(clientId, tenantId, iterations, salt, derive(secret, salt, iterations));
    }

    /** Checks that a secret fits the Logon's credential field: 1 to 32 printable US-ASCII characters. */
    public static void checkSecret(final char[] secret) {
        if (secret.length == 0 || secret.length > MAX_SECRET_BYTES) {
            throw new IllegalArgumentException("a secret has 1 to " + MAX_SECRET_BYTES + " characters, this one " + secret.length);
        }
        for (final char c : secret) {
            if (c < 0x20 || c > 0x7E) {
                throw new IllegalArgumentException("a secret is printable US-ASCII (0x20-0x7E) only");
            }
        }
    }

    /**
     * Checks a Logon: {@code credential} is the Logon's NUL-padded credential field. The claimed tenant's entry is
     * tried first; if it does not match, the client id's entries under other tenants are tried, to tell a
     * {@link Result#TENANT_MISMATCH} from a {@link Result#BAD_CREDENTIAL}. An unknown client id costs one derivation
     * too. Any thread; slow (see the class comment).
     *
     * @return the result; on {@link Result#OK} the tenant is the claimed one, which is that of the matching entry.
     */
    public Result verify(final byte[] credential, final int claimedTenant, final long clientId) {
        final char[] secret = secretOf(credential);
        try {
            final List<Entry> candidates = byClient.get(clientId);
            if (candidates == null || secret == null) {
                decoy.matches(secret == null ? new char[] {'?'} : secret);
                return Result.BAD_CREDENTIAL;
            }
            Entry claimed = null;
            for (final Entry entry : candidates) {
                if (entry.tenantId == claimedTenant) {
                    claimed = entry;
                }
            }
            if (claimed != null && claimed.matches(secret)) {
                return Result.OK;
            }
            for (final Entry entry : candidates) {
                if (entry != claimed && entry.matches(secret)) {
                    return Result.TENANT_MISMATCH;
                }
            }
            return Result.BAD_CREDENTIAL;
        } finally {
            if (secret != null) {
                Arrays.fill(secret, '\0');
            }
        }
    }

    /**
     * The secret in a NUL-padded credential field: its bytes up to the first NUL, as characters; null when a non-NUL
     * byte follows a NUL or the field is empty (no entry can match such a field).
     */
    static char[] secretOf(final byte[] credential) {
        int length = 0;
        while (length < credential.length && credential[length] != 0) {
            length++;
        }
        for (int i = length; i < credential.length; i++) {
            if (credential[i] != 0) {
                return null;
            }
        }
        if (length == 0) {
            return null;
        }
        final char[] secret = new char[length];
        for (int i = 0; i < length; i++) {
            secret[i] = (char)(credential[i] & 0xFF);
        }
        return secret;
    }

    static byte[] derive(final char[] secret, final byte[] salt, final int iterations) {
        final PBEKeySpec spec = new PBEKeySpec(secret, salt, iterations, HASH_BYTES * 8);
        try {
            return SecretKeyFactory.getInstance(ALGORITHM).generateSecret(spec).getEncoded();
        } catch (final GeneralSecurityException ex) {
            throw new IllegalStateException(ALGORITHM + " is not available in this JDK", ex);
        } finally {
            spec.clearPassword();
        }
    }

    /** Every entry, in file order. */
    public List<Entry> entries() {
        return entries;
    }

    /** The entries of one client id (one per tenant that has it), in file order; empty if none. */
    public List<Entry> entriesOf(final long clientId) {
        final List<Entry> found = byClient.get(clientId);
        return found == null ? List.of() : Collections.unmodifiableList(found);
    }

    /** Where the entries came from (the file name). */
    public String source() {
        return source;
    }

    /** Number of distinct tenants in the file. */
    public int tenants() {
        final java.util.Set<Integer> tenants = new java.util.HashSet<>();
        for (final Entry entry : entries) {
            tenants.add(entry.tenantId);
        }
        return tenants.size();
    }
}

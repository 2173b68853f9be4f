package io.vigil.gateway;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class CredentialsTest {
    static final int FAST = Credentials.MIN_ITERATIONS;

    @TempDir
    Path dir;

    /** The Logon's credential field for a secret: US-ASCII, NUL padded to 32 bytes. */
    static byte[] field(final String secret) {
        final byte[] field = new byte[Credentials.MAX_SECRET_BYTES];
        final byte[] bytes = secret.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, field, 0, bytes.length);
        return field;
    }

    static String line(final long clientId, final int tenantId, final String secret) {
        return Credentials.create(clientId, tenantId, secret.toCharArray(), FAST, new SecureRandom()).toLine();
    }

    @Test
    void shouldAcceptTheSecretOfTheClaimedTenantOnly() {
        final Credentials credentials = Credentials.parse(List.of(
            "# two tenants share client id 7",
            line(7, 1, "alpha-secret"),
            "",
            line(7, 2, "beta-secret"),
            line(8, 2, "gamma-secret")), "test");
        assertEquals(Credentials.Result.OK, credentials.verify(field("alpha-secret"), 1, 7));
        assertEquals(Credentials.Result.OK, credentials.verify(field("beta-secret"), 2, 7));
        assertEquals(Credentials.Result.TENANT_MISMATCH, credentials.verify(field("beta-secret"), 1, 7));
        assertEquals(Credentials.Result.TENANT_MISMATCH, credentials.verify(field("alpha-secret"), 2, 7));
        assertEquals(Credentials.Result.TENANT_MISMATCH, credentials.verify(field("gamma-secret"), 1, 8),
            "tenant 1 has no client 8; the secret is tenant 2's");
        assertEquals(Credentials.Result.BAD_CREDENTIAL, credentials.verify(field("alpha-secreT"), 1, 7));
        assertEquals(Credentials.Result.BAD_CREDENTIAL, credentials.verify(field("alpha-secret"), 1, 9), "unknown client");
        assertEquals(Credentials.Result.BAD_CREDENTIAL, credentials.verify(field("gamma-secret"), 2, 7), "another client's secret");
        assertEquals(2, credentials.tenants());
        assertEquals(2, credentials.entriesOf(7).size());
    }

    @Test
    void shouldNotMatchAFieldWithBytesAfterItsPadding() {
        final Credentials credentials = Credentials.parse(List.of(line(7, 1, "abc")), "test");
        final byte[] field = field("abc");
        assertEquals(Credentials.Result.OK, credentials.verify(field.clone(), 1, 7));
        field[10] = 'x';
        assertEquals(Credentials.Result.BAD_CREDENTIAL, credentials.verify(field, 1, 7));
        assertNull(Credentials.secretOf(field));
        assertNull(Credentials.secretOf(new byte[32]), "an empty field");
        assertEquals("abc", new String(Credentials.secretOf(field("abc"))));
    }

    @Test
    void shouldSaltEachEntryAfresh() {
        final String first = line(7, 1, "same-secret");
        final String second = line(7, 1, "same-secret");
        assertNotEquals(first.split(" ")[2], second.split(" ")[2]);
        assertTrue(first.startsWith("7 1 pbkdf2-sha256$" + FAST + "$"), first);
    }

    @Test
    void shouldRoundTripUnsignedIdsThroughALine() {
        // 4294967295 (-1) is the synthetic prober's tenant: the highest a client may have is one below
        final String text = line(-1L, -2, "s3cret");
        assertTrue(text.startsWith("18446744073709551615 4294967294 "), text);
        final Credentials credentials = Credentials.parse(List.of(text), "test");
        assertEquals(Credentials.Result.OK, credentials.verify(field("s3cret"), -2, -1L));
    }

    @Test
    void shouldRefuseTheSyntheticProbersTenant() {
        final IllegalArgumentException created = assertThrows(IllegalArgumentException.class,
            () -> line(7, Credentials.RESERVED_TENANT, "s3cret"));
        assertTrue(created.getMessage().contains("reserved"), created.getMessage());
        final String text = line(7, -2, "s3cret").replace(" 4294967294 ", " 4294967295 ");
        final IllegalArgumentException loaded = assertThrows(IllegalArgumentException.class,
            () -> Credentials.parse(List.of(text), "test"));
        assertTrue(loaded.getMessage().contains("test line 1") && loaded.getMessage().contains("reserved"), loaded.getMessage());
    }

    @Test
    void shouldNameFileAndLineOfEveryProblem() throws Exception {
        final String good = line(7, 1, "alpha-secret");
        final String hash = good.split(" ")[2];
        final String[] parts = hash.split("\\$");
        assertProblem("line 2: expected 3 fields", "# header", "7 1");
        assertProblem("line 1: client id 'x' is not an unsigned 64-bit number", "x 1 " + hash);
        assertProblem("line 1: tenant id '-3' is not an unsigned 32-bit number", "7 -3 " + hash);
        assertProblem("line 1: the hash must read pbkdf2-sha256$", "7 1 sha1$1000$aa$bb");
        assertProblem("line 1: iterations 10 outside", "7 1 pbkdf2-sha256$10$" + parts[2] + "$" + parts[3]);
        assertProblem("line 1: the salt is not Base64", "7 1 pbkdf2-sha256$1000$!!$" + parts[3]);
        assertProblem("line 1: the salt has 3 bytes", "7 1 pbkdf2-sha256$1000$AAAA$" + parts[3]);
        assertProblem("line 1: the hash has 3 bytes", "7 1 pbkdf2-sha256$1000$" + parts[2] + "$AAAA");
        assertProblem("line 3: tenant 1 client 7 already has an entry at line 1", good, line(7, 2, "x"), line(7, 1, "y"));

        final IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
            () -> Credentials.load(dir.resolve("absent.txt")));
        assertTrue(missing.getMessage().contains("absent.txt does not exist"), missing.getMessage());
    }

    private void assertProblem(final String expected, final String... lines) throws Exception {
        final Path file = dir.resolve("credentials.txt");
        Files.write(file, List.of(lines));
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> Credentials.load(file));
        assertTrue(ex.getMessage().startsWith("credentials file " + file + " "), ex.getMessage());
        assertTrue(ex.getMessage().contains(expected), ex.getMessage());
    }

    @Test
    void shouldRefuseSecretsTheLogonCannotCarry() {
        final SecureRandom random = new SecureRandom();
        assertThrows(IllegalArgumentException.class, () -> Credentials.create(1, 1, new char[0], FAST, random));
        assertThrows(IllegalArgumentException.class, () -> Credentials.create(1, 1, new char[33], FAST, random));
        assertThrows(IllegalArgumentException.class, () -> Credentials.create(1, 1, "caf\u00e9".toCharArray(), FAST, random));
        assertThrows(IllegalArgumentException.class, () -> Credentials.create(1, 1, "tab\there".toCharArray(), FAST, random));
        assertThrows(IllegalArgumentException.class, () -> Credentials.create(1, 1, "ok".toCharArray(), 999, random));
        final String longest = Credentials.create(1, 1, "x".repeat(32).toCharArray(), FAST, random).toLine();
        assertEquals(44, longest.split(" ")[2].split("\\$")[3].length(), "a 32-byte hash is 44 Base64 characters");
    }
}

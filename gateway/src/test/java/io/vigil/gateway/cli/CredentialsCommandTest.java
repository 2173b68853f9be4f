package io.vigil.gateway.cli;

import io.vigil.gateway.Credentials;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class CredentialsCommandTest {
    @TempDir
    Path dir;

    private int add(final Path file, final String client, final String tenant, final String stdin, final ByteArrayOutputStream out,
        final ByteArrayOutputStream err) {
        final CredentialsCommand.AddCommand add = new CredentialsCommand.AddCommand();
        add.in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.US_ASCII));
        add.out = new PrintStream(out, true, StandardCharsets.UTF_8);
        add.console = null;
        final CommandLine command = new CommandLine(add);
        command.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
        command.setExecutionExceptionHandler((ex, cmd, parse) -> {
            cmd.getErr().println(ex.getMessage());
            return 2;
        });
        return command.execute("--file", file.toString(), "--client", client, "--tenant", tenant, "--iterations", "1000");
    }

    @Test
    void shouldAddClientsWhoseSecretsTheServerThenAccepts() throws Exception {
        final Path file = dir.resolve("credentials.txt");
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, add(file, "7", "1", "first secret\n", out, err), err.toString(StandardCharsets.UTF_8));
        assertEquals(0, add(file, "7", "2", "second-secret\r\n", out, err), err.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("added client 7 of tenant 2"), out.toString(StandardCharsets.UTF_8));
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
        final String text = Files.readString(file);
        assertFalse(text.contains("first secret") || text.contains("second-secret"), "no secret in the file: " + text);

        final Credentials credentials = Credentials.load(file);
        assertEquals(2, credentials.entries().size());
        assertEquals(Credentials.Result.OK, credentials.verify(field("first secret"), 1, 7));
        assertEquals(Credentials.Result.OK, credentials.verify(field("second-secret"), 2, 7));
        assertEquals(Credentials.Result.TENANT_MISMATCH, credentials.verify(field("first secret"), 2, 7));

        final ByteArrayOutputStream checked = new ByteArrayOutputStream();
        final CredentialsCommand.CheckCommand check = new CredentialsCommand.CheckCommand();
        check.out = new PrintStream(checked, true, StandardCharsets.UTF_8);
        assertEquals(0, new CommandLine(check).execute("--file", file.toString()));
        assertTrue(checked.toString(StandardCharsets.UTF_8).contains(": 2 clients of 2 tenants"), checked.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldRefuseADuplicateAndABadSecret() throws Exception {
        final Path file = dir.resolve("credentials.txt");
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, add(file, "7", "1", "secret\n", out, err));
        assertEquals(2, add(file, "7", "1", "other\n", out, err));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("already has client 7 of tenant 1"), err.toString(StandardCharsets.UTF_8));
        assertEquals(2, add(file, "8", "1", "\n", out, err), "an empty secret");
        assertEquals(2, add(file, "8", "1", "x".repeat(33) + "\n", out, err), "longer than the Logon field");
        assertEquals(2, add(file, "-8", "1", "fine\n", out, err), "not an unsigned client id");
        assertEquals(1, Credentials.load(file).entries().size());
    }

    private static byte[] field(final String secret) {
        final byte[] field = new byte[Credentials.MAX_SECRET_BYTES];
        final byte[] bytes = secret.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, field, 0, bytes.length);
        return field;
    }
}

package io.vigil.gateway.cli;

import io.vigil.gateway.Credentials;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.Callable;

/** {@code vigil credentials}: write and check the credentials file ({@code vigil.credentials.file}). */
@Command(name = "credentials", mixinStandardHelpOptions = true,
    description = "Write and check the credentials file (vigil.credentials.file) that binds each client to its tenant.",
    subcommands = {CredentialsCommand.AddCommand.class, CredentialsCommand.CheckCommand.class})
public final class CredentialsCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /** {@code vigil credentials add}. */
    @Command(name = "add", mixinStandardHelpOptions = true,
        description = {"Add a client to a credentials file (created if absent, readable by its owner only): its tenant and a ",
            "salted PBKDF2-HMAC-SHA256 hash of its secret. The secret is read from the terminal (asked twice) or, when ",
            "stdin is not a terminal, from the first line of stdin; never from the command line. 1 to 32 printable ",
            "US-ASCII characters. A running server reads the file at start only."})
    public static final class AddCommand implements Callable<Integer> {
        @Option(names = "--file", required = true, description = "The credentials file.")
        Path file;

        @Option(names = "--client", required = true, description = "Client id (unsigned 64-bit) the client logs on with.")
        String clientId;

        @Option(names = "--tenant", required = true, description = "Tenant (unsigned 32-bit) the client belongs to.")
        String tenantId;

        @Option(names = "--iterations", defaultValue = "" + Credentials.DEFAULT_ITERATIONS,
            description = "PBKDF2 iterations (default ${DEFAULT-VALUE}); each Logon of this client costs as many.")
        int iterations;

        InputStream in = System.in;
        PrintStream out = System.out;
        Console console = System.console();

        @Override
        public Integer call() throws IOException {
            final long client;
            final int tenant;
            try {
                client = Long.parseUnsignedLong(clientId);
                tenant = Integer.parseUnsignedInt(tenantId);
            } catch (final NumberFormatException ex) {
                throw new IllegalArgumentException("--client takes an unsigned 64-bit and --tenant an unsigned 32-bit number");
            }
            if (Files.exists(file)) {
                for (final Credentials.Entry entry : Credentials.load(file).entriesOf(client)) {
                    if (entry.tenantId() == tenant) {
                        throw new IllegalArgumentException(file + " already has client " + clientId + " of tenant " +
                            tenantId + ": remove its line first to change its secret");
                    }
                }
            }
            final char[] secret = readSecret();
            try {
                final long startNs = System.nanoTime();
                final Credentials.Entry entry = Credentials.create(client, tenant, secret, iterations, new SecureRandom());
                final long tookMs = (System.nanoTime() - startNs) / 1_000_000;
                append(entry.toLine());
                out.printf("added client %s of tenant %s to %s (%s, %d iterations: hashing took %d ms in this fresh JVM; " +
                    "each Logon of this client costs about that, less on a warmed-up server)%n", clientId, tenantId, file,
                    Credentials.SCHEME, iterations, tookMs);
            } finally {
                Arrays.fill(secret, '\0');
            }
            return 0;
        }

        private char[] readSecret() throws IOException {
            if (console != null) {
                final char[] first = console.readPassword("secret of client %s (tenant %s): ", clientId, tenantId);
                final char[] again = console.readPassword("again: ");
                try {
                    if (first == null || again == null || !Arrays.equals(first, again)) {
                        throw new IllegalArgumentException("the two secrets differ");
                    }
                    Credentials.checkSecret(first);
                    return first.clone();
                } finally {
                    if (first != null) {
                        Arrays.fill(first, '\0');
                    }
                    if (again != null) {
                        Arrays.fill(again, '\0');
                    }
                }
            }
            final ByteArrayOutputStream line = new ByteArrayOutputStream(64);
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                line.write(b);
            }
            final byte[] bytes = line.toByteArray();
            int length = bytes.length;
            if (length > 0 && bytes[length - 1] == '\r') {
                length--;
            }
            final char[] secret = new char[length];
            for (int i = 0; i < length; i++) {
                secret[i] = (char)(bytes[i] & 0xFF);
            }
            Arrays.fill(bytes, (byte)0);
            Credentials.checkSecret(secret);
            return secret;
        }

        private void append(final String line) throws IOException {
            if (!Files.exists(file)) {
                final String header = "# Vigil credentials: clientId tenantId " + Credentials.SCHEME +
                    "$iterations$saltBase64$hashBase64 (see docs/operations.md)\n";
                if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                    Files.writeString(file, header, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
                } else {
                    Files.writeString(file, header, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
                }
            }
            final byte[] existing = Files.readAllBytes(file);
            final String separator = existing.length > 0 && existing[existing.length - 1] != '\n' ? "\n" : "";
            Files.writeString(file, separator + line + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        }
    }

    /** {@code vigil credentials check}. */
    @Command(name = "check", mixinStandardHelpOptions = true,
        description = "Parse and validate a credentials file as the server does at start; print its clients and tenants.")
    public static final class CheckCommand implements Callable<Integer> {
        @Option(names = "--file", required = true, description = "The credentials file.")
        Path file;

        PrintStream out = System.out;

        @Override
        public Integer call() {
            final Credentials credentials = Credentials.load(file);
            for (final Credentials.Entry entry : credentials.entries()) {
                out.printf("client %s tenant %s (%d iterations)%n", Long.toUnsignedString(entry.clientId()),
                    Integer.toUnsignedString(entry.tenantId()), entry.iterations());
            }
            out.printf("%s: %d clients of %d tenants%n", file, credentials.entries().size(), credentials.tenants());
            return 0;
        }
    }
}

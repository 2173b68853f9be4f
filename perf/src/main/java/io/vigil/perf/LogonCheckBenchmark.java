package io.vigil.perf;

import io.vigil.gateway.Credentials;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Milliseconds one Logon check costs with a credentials file: {@link Credentials#verify} of the right secret
 * (one PBKDF2-HMAC-SHA256 derivation at the entry's iterations) and of a wrong one for a client id that two tenants
 * share (two derivations: the claimed tenant's entry, then the other's, to tell a mismatch). The gateway runs it
 * on its verifier thread, never on the network thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1) // nothing but the JDK: no JVM flags needed
@State(Scope.Thread)
public class LogonCheckBenchmark {
    @Param({"600000", "100000"})
    int iterations;

    private Credentials credentials;
    private final byte[] right = field("the-right-secret");
    private final byte[] wrong = field("a-wrong-secret");

    @Setup
    public void setup() {
        final SecureRandom random = new SecureRandom();
        credentials = Credentials.parse(List.of(
            Credentials.create(7, 1, "the-right-secret".toCharArray(), iterations, random).toLine(),
            Credentials.create(7, 2, "another-secret".toCharArray(), iterations, random).toLine()), "benchmark");
    }

    private static byte[] field(final String secret) {
        final byte[] field = new byte[Credentials.MAX_SECRET_BYTES];
        final byte[] bytes = secret.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, field, 0, bytes.length);
        return field;
    }

    @Benchmark
    public Credentials.Result rightSecret() {
        return credentials.verify(right, 1, 7);
    }

    @Benchmark
    public Credentials.Result wrongSecret() {
        return credentials.verify(wrong, 1, 7);
    }
}

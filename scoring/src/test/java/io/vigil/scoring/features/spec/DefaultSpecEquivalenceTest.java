package io.vigil.scoring.features.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.vigil.scoring.features.TransactionFeatures;

/**
 * The built-in default definition, compiled, against the hand-written {@link TransactionFeatures}: every float of
 * every event must have the same bits, over random streams with several tenants, shared account ids across tenants,
 * late and out-of-order events, bursts, long gaps (past the windows and the half-day sketch), negative amounts,
 * merchant churn and times around the epoch.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DefaultSpecEquivalenceTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long T0 = 1_767_225_600L * SECOND;

    @Test
    void defaultSpecNamesAreTheKernelsNamesInOrder() {
        final FeatureSpec spec = FeatureSpec.defaultSpec();
        assertEquals(TransactionFeatures.NAMES, spec.emittedNames());
        assertEquals(TransactionFeatures.VERSION, spec.version());
    }

    @Test
    void compiledDefaultComputesTheKernelsFloatsBitForBit() {
        assertEquals(null, run(FeatureSpec.defaultSpec(), 1, 300_000, 400, T0));
    }

    @Test
    void bitForBitAroundTheEpochAndWithFewAccounts() {
        // negative event times exercise floorDiv and the bucket cache's negative side; few accounts, long streams each
        assertEquals(null, run(FeatureSpec.defaultSpec(), 2, 100_000, 5, -3600 * SECOND));
    }

    /** The comparison can fail: a definition that differs in one parameter (the new-merchant rate's alpha) is caught. */
    @Test
    void aDefinitionThatDiffersInOneParameterIsCaught() throws Exception {
        final String yaml;
        try (java.io.InputStream in = FeatureSpec.class.getResourceAsStream(FeatureSpec.DEFAULT_RESOURCE)) {
            yaml = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        final String changed = yaml.replace("alpha: 0.3", "alpha: 0.31");
        final String mismatch = run(FeatureSpec.parse(changed, "changed"), 1, 1000, 10, T0);
        org.junit.jupiter.api.Assertions.assertNotNull(mismatch);
        org.junit.jupiter.api.Assertions.assertTrue(mismatch.contains("new_merchant_rate"), mismatch);
    }

    /** @return null when every float matched, else the first mismatch. */
    private static String run(final FeatureSpec spec, final long seed, final int events, final int accounts, final long start) {
        final SplittableRandom r = new SplittableRandom(seed);
        final TransactionFeatures kernel = new TransactionFeatures(64);
        final CompiledFeatures compiled = CompiledFeatures.compile(spec, 64);
        final float[] a = new float[TransactionFeatures.WIDTH];
        final float[] b = new float[TransactionFeatures.WIDTH];
        final FeatureEvent e = new FeatureEvent();
        final long[] clock = new long[accounts];
        java.util.Arrays.fill(clock, start);
        for (int i = 0; i < events; i++) {
            final int tenant = 1 + r.nextInt(3);
            final int acc = r.nextInt(accounts);
            final long account = acc * 7919L; // the same ids in every tenant
            // advance this account's clock: bursts (ms), seconds, minutes, hours, past a half-day, or days
            final int kind = r.nextInt(100);
            final long step;
            if (kind < 40) {
                step = r.nextLong(200_000_000L);
            } else if (kind < 70) {
                step = r.nextLong(5 * SECOND);
            } else if (kind < 85) {
                step = r.nextLong(120 * SECOND);
            } else if (kind < 95) {
                step = r.nextLong(3600 * SECOND);
            } else if (kind < 98) {
                step = r.nextLong(13 * 3600 * SECOND);
            } else {
                step = r.nextLong(3 * 86_400 * SECOND);
            }
            clock[acc] += step;
            long time = clock[acc];
            final int lateness = r.nextInt(100);
            if (lateness < 10) {
                time -= r.nextLong(90 * SECOND); // late within/around the minute window
            } else if (lateness < 13) {
                time -= r.nextLong(2 * 3600 * SECOND); // late past the minute window, around the hour
            } else if (lateness < 14) {
                time -= r.nextLong(30 * 3600 * SECOND); // late past the half-day sketch
            } else if (lateness < 16) {
                time = clock[acc]; // the same instant again
            }
            final long merchant = r.nextInt(10) < 7 ? r.nextInt(20) : r.nextLong();
            final long amount = r.nextInt(50) == 0 ? -r.nextLong(10_000) : r.nextInt(20) == 0 ? r.nextLong(1L << 40) :
                r.nextLong(200_000);
            final int channel = r.nextInt(4);
            final int mcc = r.nextInt(10_000);
            kernel.onTransaction(tenant, account, merchant, mcc, amount, channel, time, a, 0);
            compiled.onEvent(e.set(tenant, account, merchant, mcc, amount, channel, time), b, 0);
            for (int f = 0; f < a.length; f++) {
                if (Float.floatToIntBits(a[f]) != Float.floatToIntBits(b[f])) {
                    return ("event " + i + " (tenant " + tenant + ", account " + account + ", t " + time + "): feature " +
                        TransactionFeatures.name(f) + " kernel " + a[f] + " compiled " + b[f]);
                }
            }
        }
        return null;
    }
}

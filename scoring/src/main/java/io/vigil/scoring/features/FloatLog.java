package io.vigil.scoring.features;

/**
 * {@code (float) Math.log1p(x)}, bit for bit, at about a third of its cost on Java 17 (where {@code Math.log1p} is
 * {@code StrictMath}'s native fdlibm behind a JNI call, and {@code Math.log} an intrinsic).
 *
 * <p>Why it is exact: for {@code x >= MIN_FAST}, {@code c = Math.log(1.0 + x)} differs from the true
 * {@code v = ln(1 + x)} by at most 2^-53 (the rounding of {@code 1.0 + x}, relative to 1 + x, which is at least 1)
 * plus one ulp of the result ({@code Math.log}'s contract), so by less than 2^-42 of {@code v} since
 * {@code v > ln(1 + MIN_FAST) > 2^-10}; {@code Math.log1p}'s result is within one ulp of {@code v} too. Rounding a
 * double to float gives the same float for every value between the same two rounding boundaries (the midpoints
 * between neighbouring floats); when {@code c} lies farther than 2^-40 of itself from both boundaries around
 * {@code (float) c}, the true value and {@code Math.log1p}'s result lie between them as well, and {@code (float) c} is
 * returned. Otherwise (about one value in 65,000), and below {@code MIN_FAST}, {@code Math.log1p} itself answers.
 *
 * <p>Stateless and thread-safe; allocation-free.
 */
public final class FloatLog {
    /** Below it {@code 1.0 + x} loses too much of {@code x}: {@code Math.log1p} answers. */
    static final double MIN_FAST = 0x1p-9;
    private static final double MARGIN = 0x1p-40;
    /** {@code (float) Math.log1p(n)} for small counts. */
    private static final float[] SMALL_COUNTS = new float[4096];

    static {
        for (int n = 0; n < SMALL_COUNTS.length; n++) {
            SMALL_COUNTS[n] = (float)Math.log1p(n);
        }
    }

    private FloatLog() {
    }

    /** {@code (float) Math.log1p(x)}, for any {@code x}. */
    public static float log1p(final double x) {
        if (!(x >= MIN_FAST) || x == Double.POSITIVE_INFINITY) {
            return (float)Math.log1p(x); // NaN, negative, tiny, infinite
        }
        final double c = Math.log(1.0 + x);
        final float f = (float)c;
        final double fd = f;
        final double margin = c * MARGIN;
        final double up = (fd + Math.nextUp(f)) * 0.5;
        final double down = (fd + Math.nextDown(f)) * 0.5;
        if (up - c > margin && c - down > margin) {
            return f;
        }
        return (float)Math.log1p(x);
    }

    /** {@code (float) Math.log1p(n)} for a count, from a table below 4096. */
    public static float log1p(final long n) {
        return n >= 0 && n < SMALL_COUNTS.length ? SMALL_COUNTS[(int)n] : log1p((double)n);
    }
}

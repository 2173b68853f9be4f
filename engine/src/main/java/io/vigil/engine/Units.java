package io.vigil.engine;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * The one parser of durations and sizes, for configuration keys and command-line options alike.
 *
 * <ul>
 * <li>Duration: a non-negative number and a unit, {@code ns us ms s m h d}: {@code 250ms}, {@code 1.5s}, {@code 7d}.
 *     A number without a unit is refused (is {@code 100} milliseconds or seconds?), except {@code 0}.</li>
 * <li>Size: a non-negative whole number of bytes with an optional suffix {@code k m g} (powers of 1024):
 *     {@code 512}, {@code 64k}, {@code 4m}.</li>
 * </ul>
 *
 * <p>Errors are {@link IllegalArgumentException}s that say what is wrong with the text; callers add the key or the
 * option it came from. Stateless and thread-safe; allocates (control plane only).
 */
public final class Units {
    private Units() {
    }

    /** @return the duration {@code text} in nanoseconds. */
    public static long durationNs(final String text) {
        final String value = text.trim().toLowerCase(Locale.ROOT);
        int split = value.length();
        while (split > 0 && Character.isLetter(value.charAt(split - 1))) {
            split--;
        }
        final String number = value.substring(0, split).trim();
        final String unit = value.substring(split);
        final long nanosPerUnit;
        switch (unit) {
            case "ns": nanosPerUnit = 1L; break;
            case "us": nanosPerUnit = 1_000L; break;
            case "ms": nanosPerUnit = 1_000_000L; break;
            case "s": nanosPerUnit = 1_000_000_000L; break;
            case "m": nanosPerUnit = 60_000_000_000L; break;
            case "h": nanosPerUnit = 3_600_000_000_000L; break;
            case "d": nanosPerUnit = 86_400_000_000_000L; break;
            case "":
                if (isZero(number)) {
                    return 0L;
                }
                throw new IllegalArgumentException("a duration needs a unit: ns, us, ms, s, m, h or d (e.g. 250ms, 5s)");
            default:
                throw new IllegalArgumentException("unknown duration unit '" + unit + "' (ns, us, ms, s, m, h, d)");
        }
        final BigDecimal amount = decimal(number, "not a duration (e.g. 250ms, 1.5s, 7d)");
        if (amount.signum() < 0) {
            throw new IllegalArgumentException("a duration cannot be negative");
        }
        try {
            return amount.multiply(BigDecimal.valueOf(nanosPerUnit)).setScale(0, RoundingMode.HALF_UP).longValueExact();
        } catch (final ArithmeticException ex) {
            throw new IllegalArgumentException("duration too long (at most about 292 years)", ex);
        }
    }

    /** @return the size {@code text} in bytes. */
    public static long sizeBytes(final String text) {
        final String value = text.trim().toLowerCase(Locale.ROOT);
        long multiplier = 1;
        String digits = value;
        if (value.endsWith("k")) {
            multiplier = 1024L;
        } else if (value.endsWith("m")) {
            multiplier = 1024L * 1024;
        } else if (value.endsWith("g")) {
            multiplier = 1024L * 1024 * 1024;
        }
        if (multiplier != 1) {
            digits = value.substring(0, value.length() - 1).trim();
        }
        final long count;
        try {
            count = Long.parseLong(digits);
        } catch (final NumberFormatException ex) {
            throw new IllegalArgumentException("not a size (e.g. 512, 64k, 16m)", ex);
        }
        if (count < 0) {
            throw new IllegalArgumentException("a size cannot be negative");
        }
        try {
            return Math.multiplyExact(count, multiplier);
        } catch (final ArithmeticException ex) {
            throw new IllegalArgumentException("size too large", ex);
        }
    }

    /** The shortest exact text of a duration with a unit {@link #durationNs} reads ({@code 1m}, {@code 90s}, {@code 250ms}). */
    public static String durationText(final long ns) {
        final long[] units = {86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L};
        final String[] names = {"d", "h", "m", "s", "ms", "us"};
        for (int i = 0; i < units.length; i++) {
            if (ns != 0 && ns % units[i] == 0) {
                return ns / units[i] + names[i];
            }
        }
        return ns + "ns";
    }

    private static boolean isZero(final String number) {
        try {
            return new BigDecimal(number).signum() == 0;
        } catch (final NumberFormatException ex) {
            return false;
        }
    }

    private static BigDecimal decimal(final String number, final String why) {
        try {
            return new BigDecimal(number);
        } catch (final NumberFormatException ex) {
            throw new IllegalArgumentException(why, ex);
        }
    }
}

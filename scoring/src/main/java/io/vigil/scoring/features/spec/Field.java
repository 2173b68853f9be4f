package io.vigil.scoring.features.spec;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The fields of a transaction event that a feature definition can read, by their names in the file. Each field is
 * an integer; {@link #bits} is how many low bits of the long it fills (for packing entity keys).
 */
public enum Field {
    ACCOUNT(64, true),
    MERCHANT(64, true),
    MCC(16, true),
    AMOUNT(64, false),
    CHANNEL(8, true),
    /** ISO 3166 alpha-2, the two ASCII bytes packed (first char in the high byte). */
    COUNTRY(16, true),
    /** ISO 4217, the three ASCII bytes packed (first char in the highest byte). */
    CURRENCY(24, true),
    /** Epoch nanoseconds. */
    EVENT_TIME(64, false);

    private final int bits;
    private final boolean keyable;

    Field(final int bits, final boolean keyable) {
        this.bits = bits;
        this.keyable = keyable;
    }

    /** @return the name in a feature file ({@code event_time}). */
    public String specName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return the low bits of the value that carry it. */
    public int bits() {
        return bits;
    }

    /** @return whether the field may be part of an entity key. */
    public boolean keyable() {
        return keyable;
    }

    /** @return the field named {@code name}, or null. */
    public static Field byName(final String name) {
        for (final Field f : values()) {
            if (f.specName().equals(name)) {
                return f;
            }
        }
        return null;
    }

    /** @return the names of all fields, for error messages. */
    public static String names() {
        return Arrays.stream(values()).map(Field::specName).collect(Collectors.joining(", "));
    }
}

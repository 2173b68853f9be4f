package io.vigil.codecs;

import java.util.List;

/**
 * Names of the Decision's reason codes (the schema's {@code ReasonCodes} set), for reports and logs: never hex.
 * Stateless; {@link #of} allocates (reports only, never the hot path).
 */
public final class ReasonNames {
    /** Choice names in bit order, as in the schema (a test checks them against the generated codec). */
    public static final List<String> NAMES = List.of("MODEL_HIGH", "MODEL_ELEVATED", "AMOUNT_ANOMALY",
        "VELOCITY_ANOMALY", "MERCHANT_HOPPING", "CARD_TESTING", "MODEL_FALLBACK", "METRIC_ANOMALY", "LATE_EVENT",
        "TOO_LATE");

    private ReasonNames() {
    }

    /** @return the names of the bits set in {@code reasons} joined by '+', "none" for 0, unknown bits as {@code bitN}. */
    public static String of(final long reasons) {
        if (reasons == 0) {
            return "none";
        }
        final StringBuilder sb = new StringBuilder();
        for (int bit = 0; bit < 64; bit++) {
            if ((reasons & (1L << bit)) != 0) {
                if (sb.length() > 0) {
                    sb.append('+');
                }
                sb.append(bit < NAMES.size() ? NAMES.get(bit) : "bit" + bit);
            }
        }
        return sb.toString();
    }
}

package io.vigil.scoring.features.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Parsing, validation (the errors name the feature and the problem) and the content hash. */
class FeatureSpecTest {
    private static final String SPEC = String.join("\n",
        "name: demo",
        "version: 3",
        "key: [account]",
        "windows:",
        "  10m: {type: sliding, size: 10m, step: 1m}",
        "features:",
        "  - name: n10",
        "    aggregate: count",
        "    window: 10m",
        "  - name: s10",
        "    aggregate: sum",
        "    of: amount",
        "    window: 10m",
        "  - name: avg",
        "    derive: ratio",
        "    of: [s10, n10]",
        "");

    /** The same definition: other formatting, comments, key order, flow style and duration spelling. */
    private static final String SAME = String.join("\n",
        "# a comment",
        "version: '3'",
        "name: demo",
        "key:",
        "  - account",
        "windows: {10m: {step: 60s, type: sliding, size: 600s}}",
        "features:",
        "  - {window: 10m, aggregate: count, name: n10}",
        "  - {name: s10, of: amount, aggregate: sum, window: 10m}   # the sum",
        "  - name: avg",
        "    of:",
        "      - s10",
        "      - n10",
        "    derive: ratio",
        "    on_zero: 0",
        "");

    @Test
    void parsesTheModel() {
        final FeatureSpec spec = FeatureSpec.parse(SPEC, "test");
        assertEquals("demo", spec.name());
        assertEquals("3", spec.version());
        assertEquals(List.of(Field.ACCOUNT), spec.key());
        assertEquals(List.of("n10", "s10", "avg"), spec.emittedNames());
        final FeatureSpec.Window w = spec.windows().get("10m");
        assertEquals(FeatureSpec.WindowType.SLIDING, w.type());
        assertEquals(600_000_000_000L, w.sizeNs());
        assertEquals(10, w.buckets());
        assertEquals(Aggregation.SUM, spec.feature("s10").aggregation());
        assertEquals(64, spec.hash().length());
    }

    @Test
    void hashIgnoresFormattingCommentsKeyOrderAndSpelling() {
        assertEquals(FeatureSpec.parse(SPEC, "a").hash(), FeatureSpec.parse(SAME, "b").hash());
    }

    @Test
    void hashChangesWithWhatIsComputed() {
        final String base = FeatureSpec.parse(SPEC, "a").hash();
        assertNotEquals(base, FeatureSpec.parse(SPEC.replace("step: 1m", "step: 2m"), "b").hash());
        assertNotEquals(base, FeatureSpec.parse(SPEC.replace("version: 3", "version: 4"), "b").hash());
        assertNotEquals(base, FeatureSpec.parse(SPEC.replace("of: [s10, n10]", "of: [n10, s10]"), "b").hash());
        assertNotEquals(base, FeatureSpec.parse(SPEC.replace("key: [account]", "key: [account, mcc]"), "b").hash());
        assertNotEquals(base, FeatureSpec.parse(SPEC + "    on_zero: -1\n", "b").hash());
    }

    @Test
    void defaultSpecHashIsStable() {
        // a changed default definition must be a deliberate change: this pins its hash (update it with the change)
        assertEquals("43d6ed1efd9ed262f97be91b5e1e6e470985615392efd673ee5f0a99d6d56a41", FeatureSpec.defaultSpec().hash());
    }

    @Test
    void allowedLatenessIsADurationOrUnboundedAndPartOfTheHashOnlyWhenDeclared() {
        final FeatureSpec none = FeatureSpec.parse(SPEC, "test");
        assertEquals(FeatureSpec.LATENESS_NOT_DECLARED, none.allowedLatenessNs());
        assertTrue(!none.declaresLateness());
        assertTrue(!none.canonicalJson().contains("allowed_lateness"), "absent: the hash is what it was before the property");
        final FeatureSpec tenMinutes = FeatureSpec.parse("allowed_lateness: 10m\n" + SPEC, "test");
        assertEquals(600_000_000_000L, tenMinutes.allowedLatenessNs());
        assertEquals(tenMinutes.hash(), FeatureSpec.parse(SPEC + "allowed_lateness: 600s\n", "test").hash(),
            "an equivalent spelling, elsewhere in the file");
        assertNotEquals(none.hash(), tenMinutes.hash());
        assertNotEquals(tenMinutes.hash(), FeatureSpec.parse("allowed_lateness: 11m\n" + SPEC, "test").hash());
        final FeatureSpec unbounded = FeatureSpec.parse("allowed_lateness: unbounded\n" + SPEC, "test");
        assertEquals(FeatureSpec.UNBOUNDED_LATENESS, unbounded.allowedLatenessNs());
        assertNotEquals(none.hash(), unbounded.hash(), "declared unbounded is not the same as not declared");
        assertEquals(0, FeatureSpec.parse("allowed_lateness: 0s\n" + SPEC, "test").allowedLatenessNs());
        assertTrue(error("allowed_lateness: soon\n" + SPEC).contains("allowed_lateness 'soon' is neither a duration"),
            error("allowed_lateness: soon\n" + SPEC));
        assertTrue(error("allowed_lateness: -5s\n" + SPEC).contains("allowed_lateness"));
        assertTrue(error("allowed_lateness: 5\n" + SPEC).contains("allowed_lateness"));
    }

    private static String error(final String yaml) {
        return assertThrows(FeatureSpecException.class, () -> FeatureSpec.parse(yaml, "test")).getMessage();
    }

    @Test
    void rejectsAnUnknownAggregationNamingTheFeature() {
        final String m = error(SPEC.replace("aggregate: sum", "aggregate: median"));
        assertTrue(m.contains("feature 's10'") && m.contains("unknown aggregation 'median'"), m);
    }

    @Test
    void rejectsAWindowWithoutASize() {
        final String m = error(SPEC.replace("{type: sliding, size: 10m, step: 1m}", "{type: tumbling}"));
        assertTrue(m.contains("window '10m'") && m.contains("size missing"), m);
        final String m2 = error(SPEC.replace("{type: sliding, size: 10m, step: 1m}", "{type: session}"));
        assertTrue(m2.contains("gap missing"), m2);
    }

    @Test
    void rejectsDuplicateNames() {
        final String m = error(SPEC + "  - name: n10\n    aggregate: count\n    window: 10m\n");
        assertTrue(m.contains("feature 'n10'") && m.contains("duplicate"), m);
    }

    @Test
    void rejectsAReferenceToAnUnknownFeature() {
        final String m = error(SPEC.replace("of: [s10, n10]", "of: [s10, n11]"));
        assertTrue(m.contains("feature 'avg'") && m.contains("unknown feature or field 'n11'"), m);
    }

    @Test
    void rejectsACycle() {
        final String yaml = String.join("\n", "name: c", "version: 1", "features:",
            "  - {name: a, derive: difference, of: [b, amount]}", "  - {name: b, derive: difference, of: [a, amount]}", "");
        final String m = error(yaml);
        assertTrue(m.contains("cyclic reference"), m);
    }

    @Test
    void rejectsAnUnknownWindowAndMisplacedWindows() {
        assertTrue(error(SPEC.replace("window: 10m\n  - name: s10", "window: 5m\n  - name: s10")).contains("unknown window '5m'"));
        final String yaml = String.join("\n", "name: c", "version: 1", "windows: {w: {type: since_first_seen}}", "features:",
            "  - {name: gap, aggregate: time_since_last, window: w}", "");
        assertTrue(error(yaml).contains("takes no window"), error(yaml));
        final String yaml2 = String.join("\n", "name: c", "version: 1", "features:", "  - {name: n, aggregate: count}", "");
        assertTrue(error(yaml2).contains("needs a window"), error(yaml2));
    }

    @Test
    void rejectsBadWindowShapes() {
        assertTrue(error(SPEC.replace("step: 1m", "step: 7m")).contains("not a multiple of step"));
        assertTrue(error(SPEC.replace("step: 1m", "step: 1s")).contains("600 buckets"));
        assertTrue(error(SPEC.replace("size: 10m", "size: ten")).contains("is not a duration"));
        assertTrue(error(SPEC.replace("type: sliding", "type: rolling")).contains("unknown type 'rolling'"));
    }

    @Test
    void rejectsUnknownPropertiesAndBadParameters() {
        assertTrue(error(SPEC.replace("    of: amount\n", "    of: amount\n    alpha: 0.1\n")).contains("unknown property 'alpha'"));
        final String ewma = String.join("\n", "name: c", "version: 1", "features:",
            "  - {name: e, aggregate: ewma, of: amount}", "");
        assertTrue(error(ewma).contains("needs alpha"), error(ewma));
        final String decay = String.join("\n", "name: c", "version: 1", "features:",
            "  - {name: d, aggregate: decayed_count}", "");
        assertTrue(error(decay).contains("needs half_life"), error(decay));
        final String hll = String.join("\n", "name: c", "version: 1", "windows: {w: {type: since_first_seen}}", "features:",
            "  - {name: d, aggregate: distinct, of: merchant, window: w, precision: 20}", "");
        assertTrue(error(hll).contains("precision must be an integer in 4..16"), error(hll));
        assertTrue(error(SPEC.replace("key: [account]", "key: [amount]")).contains("not a key field"));
        final String session = String.join("\n", "name: c", "version: 1", "windows: {s: {type: session, gap: 1m}}", "features:",
            "  - {name: n, aggregate: count, window: s, exclude_current: true}", "");
        assertTrue(error(session).contains("exclude_current does not apply to session windows"), error(session));
        assertTrue(error(SPEC.replace("aggregate: sum\n    of: amount", "aggregate: sum")).contains("needs of:"));
    }

    @Test
    void rejectsInvalidYamlAndMissingParts() {
        assertTrue(error("name: [").contains("not valid YAML"));
        assertTrue(error("name: x\nversion: 1\n").contains("features must be a non-empty list"));
        assertTrue(error(SPEC.replace("version: 3\n", "")).contains("version missing"));
        assertTrue(error(SPEC.replace("  - name: avg", "  - name: amount")).contains("the name of an event field"));
    }

    @Test
    void theDefaultSpecLoads() {
        final FeatureSpec spec = FeatureSpec.defaultSpec();
        assertEquals("transactions", spec.name());
        assertEquals(14, spec.width());
        assertEquals(15, spec.features().size());
    }
}

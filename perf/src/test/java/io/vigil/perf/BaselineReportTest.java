package io.vigil.perf;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The baseline block's sums, ratios and warnings, on made-up histograms: nothing is timed. */
@Timeout(30)
class BaselineReportTest {
    private static Histogram constant(final long ns) {
        final Histogram h = new Histogram(LoadGenerator.HIGHEST_NS, 3);
        h.recordValueWithCount(ns, 1_000);
        return h;
    }

    private static Histogram[] parts(final long echoNs, final long appendNs, final long hopNs, final long onnxNs) {
        return new Histogram[] {constant(echoNs), constant(appendNs), constant(hopNs), constant(onnxNs)};
    }

    @Test
    void shouldPrintSumAndRatiosWithoutWarningWhenEveryPartIsQuieterThanTheEngine() {
        final String report = Baseline.report(parts(6_000, 500, 200, 3_000), List.of(), constant(97_000), constant(80_000));
        assertTrue(report.contains("sum of parts                        9.70      9.70      9.70"), report);
        assertTrue(report.contains("p50 10.00x, p99 10.00x, p99.9 10.00x"), report);
        assertFalse(report.contains("WARNING"), report);
        assertFalse(report.contains("NOT a lower bound"), report);
    }

    @Test
    void shouldWarnWhenAPartIsNoisierThanTheEngine() {
        final String report = Baseline.report(parts(6_000, 500, 2_000_000, 3_000), List.of("a note"), constant(1_000_000), constant(900_000));
        assertTrue(report.contains("WARNING: baseline part 'disruptor hop (best set-up)' has p99"), report);
        assertTrue(report.contains("p99 0.50x (NOT a lower bound this run, see WARNING)"), report);
        assertTrue(report.contains("  (a note)\n"), report);
    }

    @Test
    void shouldCompareAtEachPercentile() {
        assertTrue(Baseline.noisierThanEngine(2.0, 1.0));
        assertFalse(Baseline.noisierThanEngine(1.0, 1.0));
        assertTrue(Baseline.isLowerBound(9.7, 97));
        assertFalse(Baseline.isLowerBound(98, 97));
        assertEquals(10.0, Baseline.ratio(97, 9.7), 1e-9);
        assertTrue(Double.isNaN(Baseline.ratio(97, 0)));
    }
}

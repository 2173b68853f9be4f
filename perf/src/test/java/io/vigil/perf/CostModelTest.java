package io.vigil.perf;

import io.vigil.gateway.ServerLatencies;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cost model's arithmetic, on made-up figures: no timing is measured or asserted. */
@Timeout(30)
class CostModelTest {
    @Test
    void shouldDivideCpuByEvents() {
        assertEquals(12.5, CostModel.cpuUsPerEvent(1_250_000_000L, 100_000), 1e-9);
        assertTrue(Double.isNaN(CostModel.cpuUsPerEvent(1_000, 0)));
    }

    @Test
    void shouldCountEventsPerCoreFromCpuSeconds() {
        assertEquals(80_000, CostModel.eventsPerCore(100_000, 1_250_000_000L), 1e-6);
        assertTrue(Double.isNaN(CostModel.eventsPerCore(100_000, 0)));
    }

    @Test
    void shouldRoundCoresUp() {
        assertEquals(2, CostModel.coresNeeded(100_000, 80_000));
        assertEquals(13, CostModel.coresNeeded(1_000_000, 80_000));
        assertEquals(125, CostModel.coresNeeded(10_000_000, 80_000));
        assertEquals(1, CostModel.coresNeeded(10_000, 80_000));
    }

    @Test
    void shouldNotAddACoreForARoundingError() {
        assertEquals(3, CostModel.coresNeeded(100_000, 100_000 / 3.0));
        assertEquals(2, CostModel.coresNeeded(100_000, 50_000));
    }

    @Test
    void shouldReportUnknownCoresWithoutAPerCoreRate() {
        assertEquals(-1, CostModel.coresNeeded(100_000, Double.NaN));
        assertEquals(-1, CostModel.coresNeeded(100_000, 0));
    }

    @Test
    void shouldPriceCoresFor730HoursAMonth() {
        assertEquals(2 * 730 * 0.04, CostModel.monthlyCost(2, 0.04), 1e-9);
        assertEquals(0, CostModel.monthlyCost(5, 0), 0);
    }

    @Test
    void shouldSplitCpuInProportionToLatencySums() {
        assertArrayEquals(new double[] {100, 300, 0, 600}, CostModel.split(1_000, new double[] {1, 3, 0, 6}), 1e-9);
        assertArrayEquals(new double[] {0, 0}, CostModel.split(1_000, new double[] {0, 0}), 0);
    }

    @Test
    void shouldTellTheShareOfTheStagesThatHoldWaits() {
        assertEquals(0.5, CostModel.waitShare(new double[] {20, 10, 5, 5, 8, 2}), 1e-9);
        assertEquals(0, CostModel.waitShare(new double[6]), 0);
    }

    @Test
    void shouldWeighAStageByItsMeanTimesCount() {
        final Histogram h = new Histogram(LoadGenerator.HIGHEST_NS, 3);
        h.recordValue(1_000);
        h.recordValue(3_000);
        assertEquals(4_000, CostModel.latencySum(h), 4_000 * 1e-3);
        assertEquals(0, CostModel.latencySum(null), 0);
    }

    @Test
    void shouldSizeMemoryPerMillionKeys() {
        assertEquals(1.6913, CostModel.gbPerMillionKeys(1_691.3), 1e-9);
    }

    @Test
    void shouldSizeDiskPerDay() {
        assertEquals(150.0, CostModel.bytesPerEvent(15_000, 100), 1e-9);
        assertEquals(150.0 * 100_000 * 86_400, CostModel.diskBytesPerDay(150.0, 100_000), 1e-3);
        assertEquals("1.3 TB", CostModel.bytes(150.0 * 100_000 * 86_400));
        assertEquals("512.0 B", CostModel.bytes(512));
    }

    @Test
    void shouldMeasureAFileUpToItsLastWrittenByte(@TempDir final Path dir) throws Exception {
        final Path file = dir.resolve("cycle.cq4");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(5L << 20);
            f.seek(1_234_567);
            f.write(new byte[] {1, 0, 7});
        }
        assertEquals(1_234_570, CostModel.writtenExtent(file));
        Files.write(dir.resolve("empty.cq4t"), new byte[4096]);
        Files.createDirectories(dir.resolve("sub"));
        Files.write(dir.resolve("sub").resolve("small"), new byte[] {9, 9, 0});
        assertEquals(1_234_570 + 2, CostModel.writtenBytes(dir));
        assertEquals(0, CostModel.writtenBytes(dir.resolve("missing")));
    }

    @Test
    void shouldLayOutTheCostBlock() {
        final ThreadCpu.Delta cpu = new ThreadCpu.Delta();
        cpu.events = 100_000;
        cpu.wallNs = 10_000_000_000L;
        cpu.processNs = 3_000_000_000L;
        cpu.serverNs.put(ThreadCpu.PIPELINE, 800_000_000L);
        cpu.serverNs.put(ThreadCpu.TAILER, 200_000_000L);
        cpu.serverNs.put(ThreadCpu.GATEWAY_IO, 250_000_000L);
        cpu.generatorNs.put(ThreadCpu.SENDER, 500_000_000L);
        final CostModel.Inputs in = new CostModel.Inputs();
        in.cpu = cpu;
        in.stages = new Histogram[ServerLatencies.STAGES.length];
        in.achievedRate = 10_000;
        in.waitStrategy = "sleep";
        in.inputJournalBytes = 13_000_000;
        in.outputJournalBytes = 9_000_000;
        in.inputEvents = 130_000;
        in.outputEvents = 130_000;
        in.bytesPerAccount = 1_700;
        final String report = CostModel.report(in);
        assertTrue(report.contains("server total"), report);
        assertTrue(report.contains("events/s per core (server threads): 80,000"), report);
        assertTrue(report.contains("ESTIMATE"), report);
        assertTrue(report.contains("load generator (not the server's cost): 5.00 CPU-us/event"), report);
        assertTrue(report.contains("rest of the process (JIT, GC, Chronicle's background threads; not attributed): 12.50"), report);
        assertTrue(report.matches("(?s).*\\n  10,000,000 +125 +3,650\\.00 .*"), report);
        assertTrue(report.contains("memory per million keys: 1.70 GB"), report);
    }

    @Test
    void shouldMeasureTheFeatureStatePerAccountFromARealTable() {
        final double bytes = CostModel.measureBytesPerAccount();
        assertTrue(bytes >= io.vigil.scoring.features.TransactionFeatures.SLOT_BYTES + 16 &&
            bytes < io.vigil.scoring.features.TransactionFeatures.SLOT_BYTES + 200, "bytes per account " + bytes);
    }
}

package io.vigil.engine.counters;

import io.vigil.codecs.sbe.RejectReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CountersFileTest {
    @TempDir
    Path dir;

    @Test
    void shouldAllocateEveryCounterOfTheTableWithItsTypeIdAndLabel() {
        VigilCounters.create(dir);
        try (CountersFileReader reader = CountersFileReader.open(dir)) {
            final List<CountersFileReader.Sample> samples = reader.sample();
            final Set<CounterType> seen = new HashSet<>();
            final Set<Integer> reasons = new HashSet<>();
            for (final CountersFileReader.Sample sample : samples) {
                seen.add(sample.type());
                assertEquals(sample.type().typeId(), sample.typeId());
                if (sample.type() == CounterType.REJECTED) {
                    assertEquals("rejected: " + RejectReason.get(sample.key()).name(), sample.label());
                    assertTrue(reasons.add(sample.key()), "one counter per reason");
                } else if (sample.type().keyed()) {
                    assertTrue(sample.label().startsWith(sample.type().label()), sample.label());
                } else {
                    assertEquals(sample.type().label(), sample.label());
                }
            }
            assertEquals(Set.of(CounterType.values()), seen);
            assertEquals(RejectReason.values().length - 1, reasons.size(), "every reason but NULL_VAL");
            assertEquals(-1, reader.value(CounterType.INPUT_INDEX));
            assertEquals(EngineState.STARTING.code(), reader.value(CounterType.ENGINE_STATE));
            assertEquals(ProcessHandle.current().pid(), reader.pid());
            assertTrue(reader.writerAlive());
        }
    }

    @Test
    void shouldShowWhatTheWriterWritesToAReadOnlyMappingOfTheFile() {
        final VigilCounters counters = VigilCounters.create(dir);
        try (CountersFileReader reader = CountersFileReader.open(dir)) {
            counters.counter(CounterType.EVENTS_IN).setRelease(42);
            counters.rejected(RejectReason.INVALID_AMOUNT.value()).getAndAdd(3);
            final RejectCounts tally = new RejectCounts();
            tally.increment(RejectReason.INVALID_AMOUNT.value());
            tally.increment(RejectReason.UNKNOWN_CURRENCY.value());
            tally.increment(0);
            assertEquals(0, reader.rejected(RejectReason.UNKNOWN_CURRENCY.value()), "nothing before publish");
            tally.publish(counters);
            tally.publish(counters);
            assertEquals(42, reader.value(CounterType.EVENTS_IN));
            assertEquals(4, reader.rejected(RejectReason.INVALID_AMOUNT.value()));
            assertEquals(1, reader.rejected(RejectReason.UNKNOWN_CURRENCY.value()));
        }
    }

    @Test
    void shouldReplaceAStaleFileWithoutDisturbingAReaderOfTheOldOne() {
        final VigilCounters first = VigilCounters.create(dir);
        first.counter(CounterType.ANSWERED).setRelease(7);
        try (CountersFileReader old = CountersFileReader.open(dir)) {
            final VigilCounters second = VigilCounters.create(dir);
            second.counter(CounterType.ANSWERED).setRelease(1);
            assertEquals(7, old.value(CounterType.ANSWERED), "the old mapping still reads the old file");
            try (CountersFileReader fresh = CountersFileReader.open(dir)) {
                assertEquals(1, fresh.value(CounterType.ANSWERED));
            }
        }
    }

    @Test
    void shouldSayTheFileIsStaleWhenItsProcessIsGone() throws Exception {
        final Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-version").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertEquals(0, process.waitFor());
        final long deadPid = process.pid();
        CountersFile.create(dir.resolve(VigilCounters.FILE_NAME), 8, deadPid, 1).publish();
        try (CountersFileReader reader = CountersFileReader.open(dir)) {
            assertEquals(deadPid, reader.pid());
            assertFalse(reader.writerAlive());
        }
    }

    @Test
    void shouldNotTakeAProcessThatStartedAfterTheFileForItsWriter() {
        // this JVM's pid, on a file "created" in 1970: the pid was reused, the writer is gone
        CountersFile.create(dir.resolve(VigilCounters.FILE_NAME), 8, ProcessHandle.current().pid(), 1).publish();
        try (CountersFileReader reader = CountersFileReader.open(dir)) {
            assertFalse(reader.writerAlive());
        }
    }

    @Test
    void shouldRefuseAbsentForeignAndUnpublishedFilesWithOneLineReasons() throws Exception {
        CountersFileException ex = assertThrows(CountersFileException.class, () -> CountersFileReader.open(dir));
        assertEquals(CountersFileException.Problem.ABSENT, ex.problem());
        assertTrue(ex.getMessage().contains("no counters file at"), ex.getMessage());

        final Path file = dir.resolve(VigilCounters.FILE_NAME);
        Files.write(file, new byte[10]);
        ex = assertThrows(CountersFileException.class, () -> CountersFileReader.open(dir));
        assertEquals(CountersFileException.Problem.NOT_COUNTERS, ex.problem());

        Files.write(file, "some text that is not a counters file at all, but long enough for a header......................................................".getBytes());
        ex = assertThrows(CountersFileException.class, () -> CountersFileReader.open(dir));
        assertEquals(CountersFileException.Problem.NOT_COUNTERS, ex.problem());
        assertTrue(ex.getMessage().contains("not a Vigil counters file"), ex.getMessage());
        assertFalse(ex.getMessage().contains("\n"));

        CountersFile.create(file, 8, 1, 1);
        ex = assertThrows(CountersFileException.class, () -> CountersFileReader.open(dir));
        assertEquals(CountersFileException.Problem.NOT_READY, ex.problem());
    }
}

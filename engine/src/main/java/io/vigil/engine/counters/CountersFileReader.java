package io.vigil.engine.counters;

import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the counters of a Vigil process from its counters file, from any process, through a read-only mapping:
 * {@code vigil stat} and exporters. It never writes to the file.
 *
 * <p>Not thread-safe (one reader thread); {@link #sample()} allocates (control plane only).
 */
public final class CountersFileReader implements AutoCloseable {
    /** One counter as read. */
    public record Sample(int counterId, int typeId, CounterType type, int key, String label, long value) {
    }

    private final CountersFile file;
    private final CountersReader reader;

    private CountersFileReader(final CountersFile file) {
        this.file = file;
        this.reader = new CountersReader(file.metadata(), file.values());
    }

    /**
     * Maps {@code <dataDir>/counters.dat}.
     *
     * @throws CountersFileException when it is absent or not a Vigil counters file (one-line message).
     */
    public static CountersFileReader open(final Path dataDir) {
        return new CountersFileReader(CountersFile.openReadOnly(dataDir.resolve(VigilCounters.FILE_NAME)));
    }

    public Path path() {
        return file.path();
    }

    /** Process id of the writer. */
    public long pid() {
        return file.pid();
    }

    /** Epoch milliseconds when the writer created the file. */
    public long startTimeMs() {
        return file.startTimeMs();
    }

    /**
     * Whether the writer process is still running; false: the file is stale, its values as the process left them.
     * A process with the writer's pid that is a zombie (killed, not reaped yet) or that started after the file was
     * created (the pid was reused) is not the writer.
     */
    public boolean writerAlive() {
        final ProcessHandle process = ProcessHandle.of(file.pid()).orElse(null);
        if (process == null || !process.isAlive() || isZombie(file.pid())) {
            return false;
        }
        final long startedMs = process.info().startInstant().map(Instant::toEpochMilli).orElse(Long.MIN_VALUE);
        // start instants are rounded to the clock tick: a second of slack
        return startedMs <= file.startTimeMs() + 1000;
    }

    /** Linux: the state in /proc/PID/stat is Z (zombie) or X (dead); false where that cannot be read. */
    private static boolean isZombie(final long pid) {
        try {
            final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            final int afterName = stat.lastIndexOf(')');
            final char state = afterName > 0 && afterName + 2 < stat.length() ? stat.charAt(afterName + 2) : '?';
            return state == 'Z' || state == 'X';
        } catch (final IOException | RuntimeException ex) {
            return false;
        }
    }

    /** Every allocated counter, in id order, with its value now. */
    public List<Sample> sample() {
        final List<Sample> samples = new ArrayList<>();
        reader.forEach((counterId, typeId, keyBuffer, label) -> samples.add(new Sample(counterId, typeId,
            CounterType.forTypeId(typeId), keyBuffer.getInt(0), label, reader.getCounterValue(counterId))));
        return samples;
    }

    /** The value of the first counter of {@code type} (for {@link CounterType#REJECTED}: see {@link #rejected}). */
    public long value(final CounterType type) {
        for (final Sample sample : sample()) {
            if (sample.type() == type) {
                return sample.value();
            }
        }
        throw new IllegalArgumentException("no " + type + " counter in " + file.path());
    }

    /** Rejects counted with this reason value. */
    public long rejected(final int reason) {
        for (final Sample sample : sample()) {
            if (sample.type() == CounterType.REJECTED && sample.key() == reason) {
                return sample.value();
            }
        }
        throw new IllegalArgumentException("no counter for reject reason " + reason + " in " + file.path());
    }

    @Override
    public void close() {
        file.close();
    }
}

package io.vigil.engine.counters;

import io.vigil.codecs.sbe.Action;
import io.vigil.codecs.sbe.RejectReason;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The counters of one Vigil process: every {@link CounterType} allocated once, at construction, in a memory-mapped
 * {@link CountersFile} ({@link #create}) or in memory ({@link #inMemory}, for an engine without a data directory of
 * its own to report on).
 *
 * <p>Construction and allocation happen on one control thread before any writer starts. After that each counter is
 * written by the thread {@link CounterType#writer()} names, without locks: a single writer uses plain or release
 * stores ({@code setRelease}, {@code getAndAddRelease}); a counter with two writers ({@link CounterType#REJECTED},
 * {@link CounterType#DEAD_LETTERS}, {@link CounterType#ERRORS}) takes atomic adds, once per batch or sweep. Reading
 * is safe from any thread or process. Allocates at construction only.
 */
public final class VigilCounters {
    /** Name of the counters file in the data directory. */
    public static final String FILE_NAME = "counters.dat";
    /** Room in the file: the table, one counter per key of the keyed types, and space for counters later versions add. */
    public static final int MAX_COUNTERS = 256;

    /** The actions a decision carries, each with a {@link CounterType#DECISIONS} counter, indexed by wire value. */
    public static final Action[] ACTIONS = {Action.APPROVE, Action.REVIEW, Action.DECLINE};

    /** Largest reject reason value; each value up to it that is a reason has a counter. */
    public static final int MAX_REJECT_REASON = maxRejectReason();

    private final CountersFile file;
    private final CountersManager manager;
    private final AtomicCounter[] byType = new AtomicCounter[CounterType.values().length];
    private final AtomicCounter[] rejectedByReason;
    private final AtomicCounter[] eventsByType = new AtomicCounter[CounterType.EVENT_TYPES.length];
    private final AtomicCounter[] decisionsByAction;

    private VigilCounters(final CountersFile file, final UnsafeBuffer metadata, final UnsafeBuffer values) {
        this.file = file;
        this.manager = new CountersManager(metadata, values, StandardCharsets.US_ASCII);
        this.rejectedByReason = new AtomicCounter[MAX_REJECT_REASON + 1];
        this.decisionsByAction = new AtomicCounter[ACTIONS.length];
        for (final CounterType type : CounterType.values()) {
            if (type == CounterType.REJECTED) {
                for (final RejectReason reason : RejectReason.values()) {
                    if (reason != RejectReason.NULL_VAL) {
                        rejectedByReason[reason.value()] = manager.newCounter(type.label() + reason.name(),
                            type.typeId(), key -> key.putInt(0, reason.value()));
                    }
                }
            } else if (type == CounterType.EVENTS) {
                for (int i = 0; i < CounterType.EVENT_TYPES.length; i++) {
                    final int templateId = CounterType.EVENT_TYPES[i];
                    eventsByType[i] = manager.newCounter(type.label() + CounterType.EVENT_TYPE_NAMES[i], type.typeId(),
                        key -> key.putInt(0, templateId));
                }
            } else if (type == CounterType.DECISIONS) {
                for (final Action action : ACTIONS) {
                    decisionsByAction[action.value()] = manager.newCounter(type.label() + action.name(), type.typeId(),
                        key -> key.putInt(0, action.value()));
                }
            } else {
                byType[type.ordinal()] = manager.newCounter(type.label(), type.typeId());
            }
        }
        counter(CounterType.INPUT_INDEX).setRelease(-1);
        counter(CounterType.OUTPUT_INDEX).setRelease(-1);
        counter(CounterType.COMPLETED_INDEX).setRelease(-1);
        counter(CounterType.ENGINE_STATE).setRelease(EngineState.STARTING.code());
    }

    /**
     * Creates {@value #FILE_NAME} in {@code dataDir}, replacing a stale one (a reader still mapping the old file is
     * not disturbed), allocates every counter and publishes the file.
     */
    public static VigilCounters create(final Path dataDir) {
        final CountersFile file = CountersFile.create(dataDir.resolve(FILE_NAME), MAX_COUNTERS,
            ProcessHandle.current().pid(), System.currentTimeMillis());
        final VigilCounters counters = new VigilCounters(file, file.metadata(), file.values());
        file.publish();
        return counters;
    }

    /** Counters in process memory only: nothing else can read them. */
    public static VigilCounters inMemory() {
        return new VigilCounters(null,
            new UnsafeBuffer(ByteBuffer.allocateDirect(MAX_COUNTERS * CountersReader.METADATA_LENGTH)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(MAX_COUNTERS * CountersReader.COUNTER_LENGTH)));
    }

    /** The counter of {@code type}; for {@link CounterType#REJECTED} use {@link #rejected(int)}. */
    public AtomicCounter counter(final CounterType type) {
        final AtomicCounter counter = byType[type.ordinal()];
        if (counter == null) {
            throw new IllegalArgumentException(type + " has one counter per key: use rejected(reason), " +
                "events(templateId) or decisions(action)");
        }
        return counter;
    }

    /** The counter of rejects with this reason value, or null for a value that is no reason. */
    public AtomicCounter rejected(final int reason) {
        return reason > 0 && reason < rejectedByReason.length ? rejectedByReason[reason] : null;
    }

    /** The counter of events of event template {@code templateId} ({@link CounterType#EVENT_TYPES}), or null. */
    public AtomicCounter events(final int templateId) {
        for (int i = 0; i < CounterType.EVENT_TYPES.length; i++) {
            if (CounterType.EVENT_TYPES[i] == templateId) {
                return eventsByType[i];
            }
        }
        return null;
    }

    /** The counter of decisions with this action wire value (0 APPROVE, 1 REVIEW, 2 DECLINE), or null. */
    public AtomicCounter decisions(final int action) {
        return action >= 0 && action < decisionsByAction.length ? decisionsByAction[action] : null;
    }

    private static int maxRejectReason() {
        int max = 0;
        for (final RejectReason reason : RejectReason.values()) {
            if (reason != RejectReason.NULL_VAL) {
                max = Math.max(max, reason.value());
            }
        }
        return max;
    }

    /** Sets the engine state (its one writer at a time: engine start, then the pipeline thread). */
    public void engineState(final EngineState state) {
        counter(CounterType.ENGINE_STATE).setRelease(state.code());
    }

    /** The file the counters live in, or null when they are in memory only. */
    public Path file() {
        return file == null ? null : file.path();
    }

    /** A reader over these counters, in this process (tests, exporters in the same JVM). */
    public CountersReader reader() {
        return manager;
    }
}

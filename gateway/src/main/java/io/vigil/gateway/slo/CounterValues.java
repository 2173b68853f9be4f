package io.vigil.gateway.slo;

import io.vigil.codecs.sbe.RejectReason;
import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.CountersFileReader;
import io.vigil.engine.counters.VigilCounters;
import org.agrona.concurrent.status.CountersReader;

import java.util.HashMap;
import java.util.Map;

/**
 * The counter values the SLO evaluator and the alert sources sample: from the server's own counters in this process
 * ({@link #of(VigilCounters)}), or from another process's counters file ({@link #of(CountersFileReader)}). A counter
 * the writer does not have (an older version) reads 0.
 *
 * <p>Implementations are used by one sampling thread at a time; they may allocate (control plane).
 */
public interface CounterValues {
    /** The value of the counter of {@code type} (not {@link CounterType#REJECTED}). */
    long value(CounterType type);

    /** Rejects counted with {@code reason}. */
    long rejected(RejectReason reason);

    /** Over Agrona counters in this process: counter ids are looked up once, then read with acquire loads. */
    static CounterValues of(final VigilCounters counters) {
        return of(counters.reader());
    }

    /** Over any Agrona {@link CountersReader} laid out as {@link VigilCounters} lays them out. */
    static CounterValues of(final CountersReader reader) {
        final Map<Integer, Integer> byType = new HashMap<>();
        final Map<Integer, Integer> byReason = new HashMap<>();
        reader.forEach((counterId, typeId, key, label) -> {
            if (typeId == CounterType.REJECTED.typeId()) {
                byReason.putIfAbsent(key.getInt(0), counterId);
            } else {
                byType.putIfAbsent(typeId, counterId);
            }
        });
        return new CounterValues() {
            @Override
            public long value(final CounterType type) {
                final Integer id = byType.get(type.typeId());
                return id == null ? 0 : reader.getCounterValue(id);
            }

            @Override
            public long rejected(final RejectReason reason) {
                final Integer id = byReason.get(reason.value());
                return id == null ? 0 : reader.getCounterValue(id);
            }
        };
    }

    /** Over a counters file (another process's server, {@code vigil stat}'s reader). */
    static CounterValues of(final CountersFileReader file) {
        return new CounterValues() {
            @Override
            public long value(final CounterType type) {
                try {
                    return file.value(type);
                } catch (final IllegalArgumentException absent) {
                    return 0;
                }
            }

            @Override
            public long rejected(final RejectReason reason) {
                try {
                    return file.rejected(reason.value());
                } catch (final IllegalArgumentException absent) {
                    return 0;
                }
            }
        };
    }
}

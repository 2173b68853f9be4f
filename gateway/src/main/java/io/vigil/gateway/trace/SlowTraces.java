package io.vigil.gateway.trace;

import io.vigil.gateway.PeriodicTask;

import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.VigilCounters;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reader side of slow-event traces: its own thread ({@value #THREAD}) drains the {@link TraceRing} every
 * {@value #POLL_MS} ms into a bounded list of the most recent traces ({@code vigil.trace.keep}), and appends each
 * batch to the OTLP/JSON file when one is configured ({@code vigil.trace.otlp.file}, one export request per line).
 * {@code GET /traces/slow} reads {@link #snapshot(int)}.
 *
 * <p>Thread-safe: {@link #poll()} runs on one thread at a time (the ring has one consumer); {@link #recent(int)} and
 * {@link #snapshot(int)} from any thread. Allocates per trace read (control plane, never on the event path).
 */
public final class SlowTraces implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SlowTraces.class);
    /** Name of the reader thread. */
    public static final String THREAD = "vigil-traces";
    static final int POLL_MS = 20;
    private static final int READ_LIMIT = 4096;

    private final TraceContext context;
    private final RingBuffer ring;
    private final VigilCounters counters;
    private final ArrayDeque<Trace> recent = new ArrayDeque<>();
    private final List<Trace> batch = new ArrayList<>();
    private final MessageHandler handler = (msgTypeId, buffer, index, length) -> {
        if (msgTypeId == TraceRing.MSG_TYPE && length >= TraceRing.RECORD_BYTES) {
            batch.add(Trace.read(buffer, index));
        }
    };
    private final Object pollLock = new Object();
    private PeriodicTask thread;
    private boolean otlpFailing;
    private long otlpWritten;

    /** @param counters where the recorded and dropped counts are read; null for none. */
    public SlowTraces(final TraceContext context, final TraceRing ring, final VigilCounters counters) {
        this.context = context.conclude();
        this.ring = ring.ring();
        this.counters = counters;
    }

    /** Starts the reader thread. */
    public SlowTraces start() {
        thread = PeriodicTask.start(THREAD, POLL_MS, POLL_MS, false, this::poll, LOG,
            "reading the slow-event traces failed");
        return this;
    }

    /** Drains the ring; returns the traces read. One caller at a time (others wait). */
    public int poll() {
        synchronized (pollLock) {
            int read = 0;
            long before;
            do {
                // again while a read consumed anything: one read stops at the end of the buffer (see Egress.drain)
                before = ring.consumerPosition();
                ring.read(handler, READ_LIMIT);
                if (!batch.isEmpty()) {
                    read += batch.size();
                    synchronized (this) {
                        for (final Trace trace : batch) {
                            recent.addLast(trace);
                            if (recent.size() > context.keep()) {
                                recent.removeFirst();
                            }
                        }
                    }
                    if (context.otlpFile() != null) {
                        append(context.otlpFile(), batch);
                    }
                    batch.clear();
                }
            } while (ring.consumerPosition() != before);
            return read;
        }
    }

    private void append(final Path file, final List<Trace> traces) {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
            StandardOpenOption.APPEND, StandardOpenOption.WRITE)) {
            out.write(OtlpJson.line(traces));
            out.write('\n');
            otlpWritten += traces.size();
            if (otlpFailing) {
                otlpFailing = false;
                LOG.info("writing traces to {} works again", file);
            }
        } catch (final IOException | RuntimeException ex) {
            if (!otlpFailing) {
                otlpFailing = true;
                LOG.warn("cannot append traces to {} ({}); they stay in memory (logged once until it works)", file,
                    ex.toString());
            }
        }
    }

    /** The {@code limit} most recent traces, newest first. */
    public synchronized List<Trace> recent(final int limit) {
        final List<Trace> out = new ArrayList<>(Math.min(limit, recent.size()));
        final Iterator<Trace> newestFirst = recent.descendingIterator();
        while (newestFirst.hasNext() && out.size() < limit) {
            out.add(newestFirst.next());
        }
        return out;
    }

    /** What {@code GET /traces/slow} answers: the settings, the counts, and the {@code limit} most recent traces. */
    public Map<String, Object> snapshot(final int limit) {
        poll();
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("slowThresholdUs", context.slowThresholdNs() / 1000.0);
        body.put("sampleEvery", context.sampleEvery());
        body.put("keep", context.keep());
        if (counters != null) {
            body.put("recorded", counters.counter(CounterType.TRACES_RECORDED).get());
            body.put("dropped", counters.counter(CounterType.TRACES_DROPPED).get());
        }
        if (context.otlpFile() != null) {
            body.put("otlpFile", context.otlpFile().toString());
        }
        final List<Trace> traces = recent(limit);
        body.put("count", traces.size());
        body.put("traces", traces);
        return body;
    }

    /** The context it was made with. */
    public TraceContext context() {
        return context;
    }

    /** Traces appended to the OTLP file since start. */
    public long otlpWritten() {
        synchronized (pollLock) {
            return otlpWritten;
        }
    }

    /** Stops the reader thread, then reads what is left. */
    @Override
    public void close() {
        if (thread != null) {
            thread.close();
            thread = null;
        }
        poll();
    }
}

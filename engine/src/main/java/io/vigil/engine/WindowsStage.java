package io.vigil.engine;

import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.journal.RecordHeader;
import io.vigil.scoring.features.spec.CompiledFeatures;
import io.vigil.scoring.features.spec.DeclaredWindows;
import io.vigil.scoring.time.EventTimeWindows;
import io.vigil.scoring.time.TumblingCountSum;
import io.vigil.scoring.time.Watermarks;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Event-time windows whose results go to the window-results journal ({@link WindowResultsJournal}): whenever the
 * {@link EventTimeStage}'s watermark has advanced (at an event, or at a watermark tick) every producer
 * ({@link EventTimeWindows}) emits the windows that end at or before it; then the event is added to its windows. The
 * built-in producer is {@link #ACCOUNT_WINDOW_ID}: per (tenant, account) the count and the sum of the transaction
 * amounts (minor units) per tumbling window of {@code vigil.windows.account.size}. The tumbling and session windows
 * of the running feature definition ({@code vigil.features.spec}) join through {@link #addDeclared}: they read each
 * transaction's values from the compiled definition that {@link FeaturesStage} ran on it just before, in the same
 * segment. Other producers plug in through {@link #add}.
 *
 * <p>The synthetic prober's transactions are no business events and stay out of the windows. Events before the
 * first watermark tick, too-late events and events answered before a restart that fall in
 * windows already written are handled as the contract says: no window exists before event time starts, too-late
 * events pass this stage by, and a recovery writes no result twice.
 *
 * <p>Checkpoint section {@link #SECTION_ID}: each producer's snapshot, in order. Not thread-safe: the pipeline
 * thread. Allocation-free per event in steady state (see {@link TumblingCountSum}).
 */
final class WindowsStage implements Stage {
    static final int SECTION_ID = 21;
    static final int SECTION_VERSION = 1;
    /** Window id of the built-in per-account tumbling count and sum. */
    static final int ACCOUNT_WINDOW_ID = 1;

    private final EventTimeStage eventTime;
    private final WindowResultsJournal results;
    private final TumblingCountSum accounts;
    private final List<EventTimeWindows> producers = new ArrayList<>();
    private EventTimeWindows[] windows;
    private DeclaredWindows[] declared = new DeclaredWindows[0];
    private CompiledFeatures compiled;
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final TransactionDecoder transaction = new TransactionDecoder();
    private long advancedTo = Watermarks.NONE;
    private static final int ACCOUNT_REGISTER = io.vigil.scoring.features.spec.Field.ACCOUNT.ordinal();
    private static final int EVENT_TIME_REGISTER = io.vigil.scoring.features.spec.Field.EVENT_TIME.ordinal();

    /** @param accountWindowNs size of the per-account tumbling window; 0: none. */
    WindowsStage(final EventTimeStage eventTime, final WindowResultsJournal results, final long accountWindowNs) {
        this.eventTime = eventTime;
        this.results = results;
        this.accounts = accountWindowNs > 0 ?
            new TumblingCountSum(ACCOUNT_WINDOW_ID, "account.tumbling." + Units.durationText(accountWindowNs), accountWindowNs) : null;
        if (accounts != null) {
            producers.add(accounts);
        }
        windows = producers.toArray(new EventTimeWindows[0]);
    }

    /** Adds a producer (at assembly, before the first event); its state joins this stage's checkpoint section. */
    void add(final EventTimeWindows producer) {
        producers.add(producer);
        windows = producers.toArray(new EventTimeWindows[0]);
    }

    /**
     * Adds the declared windows of the compiled definition {@link FeaturesStage} runs (at assembly, before the first
     * event), after the producers added so far.
     */
    void addDeclared(final List<DeclaredWindows> producers) {
        for (final DeclaredWindows producer : producers) {
            add(producer);
            declared = java.util.Arrays.copyOf(declared, declared.length + 1);
            declared[declared.length - 1] = producer;
            compiled = producer.compiled();
        }
    }

    List<EventTimeWindows> producers() {
        return List.copyOf(producers);
    }

    WindowResultsJournal results() {
        return results;
    }

    @Override
    public String name() {
        return "windows";
    }

    @Override
    public void onEvent(final EventSlot slot) {
        if (!eventTime.started()) {
            return;
        }
        advance(slot.input.index, slot.input.timeNs);
        if ((accounts != null || declared.length > 0) && slot.templateId == TransactionDecoder.TEMPLATE_ID &&
            slot.input.source != RecordHeader.SOURCE_SYNTHETIC) {
            final TransactionDecoder tx = transaction.wrapAndApplyHeader(slot.input.payload(), 0,
                header.wrap(slot.input.payload(), 0));
            if (accounts != null) {
                accounts.add(slot.input.tenantId, tx.accountId(), tx.eventTimeNs(), tx.amountMinor());
            }
            if (declared.length > 0) {
                if (compiled.lastTenant() != slot.input.tenantId || compiled.longValue(ACCOUNT_REGISTER) != tx.accountId() ||
                    compiled.longValue(EVENT_TIME_REGISTER) != tx.eventTimeNs()) {
                    throw new IllegalStateException("the compiled features do not hold this event's values: the windows " +
                        "stage must follow the features stage");
                }
                for (final DeclaredWindows window : declared) {
                    window.addLastEvent();
                }
            }
        }
    }

    @Override
    public void onControl(final ControlRecord control) {
        if (eventTime.started()) {
            advance(control.inputIndex(), control.timeNs());
        }
    }

    private void advance(final long inputIndex, final long timeNs) {
        final long watermark = eventTime.watermarkNs();
        if (watermark <= advancedTo) {
            return;
        }
        advancedTo = watermark;
        results.trigger(inputIndex, timeNs, watermark);
        // the lateness in force (the last tick's policy): the declared windows keep their fired windows that long
        final long lateness = eventTime.allowedLatenessNs();
        for (final EventTimeWindows window : windows) {
            window.advance(watermark, lateness, results);
        }
    }

    /** Events that came for a window already emitted (and, for the declared windows, purged), all producers together. */
    long eventsForClosedWindows() {
        long events = 0;
        for (final EventTimeWindows window : windows) {
            events += window.eventsForClosedWindows();
        }
        return events;
    }

    @Override
    public int sectionId() {
        return SECTION_ID;
    }

    @Override
    public int sectionVersion() {
        return SECTION_VERSION;
    }

    @Override
    public void writeSection(final WritableByteChannel out) throws IOException {
        final java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(12).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        head.putLong(advancedTo).putInt(windows.length).flip();
        while (head.hasRemaining()) {
            out.write(head);
        }
        for (final EventTimeWindows window : windows) {
            window.writeSnapshot(out);
        }
    }

    @Override
    public void readSection(final int version, final ReadableByteChannel in) throws IOException {
        if (version != SECTION_VERSION) {
            throw new IOException("windows section version " + version + ", this engine reads " + SECTION_VERSION);
        }
        final java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(12).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        while (head.hasRemaining()) {
            if (in.read(head) < 0) {
                throw new IOException("windows section ends early");
            }
        }
        head.flip();
        final long advanced = head.getLong();
        final int count = head.getInt();
        if (count != windows.length) {
            throw new IOException("windows section holds " + count + " producers, this engine has " + windows.length);
        }
        for (final EventTimeWindows window : windows) {
            window.readSnapshot(in);
        }
        advancedTo = advanced;
    }

    @Override
    public void clearState() {
        advancedTo = Watermarks.NONE;
        for (final EventTimeWindows window : windows) {
            window.clear();
        }
    }
}

package io.vigil.scoring.time;

/**
 * The one implementation of the event-time judgement: keeps the {@link Watermarks} of the sources and the policy in
 * force (from the watermark ticks), and tells for each event whether it is on time, {@linkplain #LATE late} (behind
 * the pipeline's watermark as it stood when the event arrived, by at most the allowed lateness: applied) or
 * {@linkplain #TOO_LATE too late} (behind it by more: not applied to any per-key state). The live pipeline's
 * event-time stage and {@code vigil features backfill} both call it, so that live and batch judge every event alike.
 *
 * <p>Event time starts at the first tick ({@link #onTick}); before it every event is on time and moves no watermark
 * (a journal written before event time existed is decided as before). Every judged event then advances its source's
 * watermark, whatever the verdict (a too-late event still shows its source is alive).
 *
 * <p>Not thread-safe: one owner thread (the pipeline's). Allocation-free per event and per tick; a new source may
 * grow the watermark tables.
 */
public final class EventTimeJudge {
    /** {@link #allowedLatenessNs()} of an unbounded lateness: every late event is applied. */
    public static final long UNBOUNDED = -1;
    /** Verdict: not behind the watermark (or event time not started). */
    public static final int ON_TIME = 0;
    /** Verdict: behind the watermark by at most the allowed lateness; applied, answered LATE_EVENT. */
    public static final int LATE = 1;
    /** Verdict: behind the watermark by more than the allowed lateness; not applied, answered TOO_LATE. */
    public static final int TOO_LATE = 2;

    private final Watermarks watermarks;
    private boolean started;
    private long idleTimeoutNs;
    private long allowedLatenessNs = UNBOUNDED;
    private long latenessNs;
    private long judgedWatermarkNs = Watermarks.NONE;

    public EventTimeJudge(final int expectedSources) {
        this.watermarks = new Watermarks(expectedSources, 0);
    }

    /**
     * Judges an event of source ({@code tenant}, {@code client}) at {@code eventTimeNs}, ingested at {@code ingestNs}
     * (the journal's stamp), against the watermark as it stands, then advances the watermarks with it.
     *
     * @return {@link #ON_TIME}, {@link #LATE} or {@link #TOO_LATE}; {@link #latenessNs()} and
     *     {@link #judgedWatermarkNs()} tell by how much and against what.
     */
    public int onEvent(final int tenant, final long client, final long eventTimeNs, final long ingestNs) {
        latenessNs = 0;
        if (!started) {
            judgedWatermarkNs = Watermarks.NONE;
            return ON_TIME;
        }
        final long watermark = watermarks.watermarkNs();
        judgedWatermarkNs = watermark;
        int verdict = ON_TIME;
        if (eventTimeNs < watermark) {
            latenessNs = watermark - eventTimeNs;
            verdict = allowedLatenessNs != UNBOUNDED && latenessNs > allowedLatenessNs ? TOO_LATE : LATE;
        }
        watermarks.onEvent(tenant, client, eventTimeNs, ingestNs);
        return verdict;
    }

    /**
     * A watermark tick observed at {@code observedNs} carrying the policy in force from it on: starts event time (at
     * the first), sets the bound, the idle timeout and the allowed lateness, and turns idle the sources silent for
     * the idle timeout.
     *
     * @return true when this tick started event time or changed the policy (worth a log line).
     * @throws IllegalArgumentException for a policy out of range (nothing changes).
     */
    public boolean onTick(final long observedNs, final long maxOutOfOrdernessNs, final long idleTimeoutNs,
        final long allowedLatenessNs) {
        if (maxOutOfOrdernessNs < 0 || idleTimeoutNs < 0 || allowedLatenessNs < UNBOUNDED) {
            throw new IllegalArgumentException("watermark tick with a policy out of range: bound " + maxOutOfOrdernessNs +
                ", idle " + idleTimeoutNs + ", allowed lateness " + allowedLatenessNs);
        }
        final boolean changed = !started || maxOutOfOrdernessNs != watermarks.maxOutOfOrdernessNs() ||
            idleTimeoutNs != this.idleTimeoutNs || allowedLatenessNs != this.allowedLatenessNs;
        started = true;
        this.idleTimeoutNs = idleTimeoutNs;
        this.allowedLatenessNs = allowedLatenessNs;
        watermarks.maxOutOfOrdernessNs(maxOutOfOrdernessNs);
        watermarks.onTick(observedNs, idleTimeoutNs);
        return changed;
    }

    /** True from the first tick on. */
    public boolean started() {
        return started;
    }

    public long idleTimeoutNs() {
        return idleTimeoutNs;
    }

    /** The allowed lateness in force, {@link #UNBOUNDED} for none. */
    public long allowedLatenessNs() {
        return allowedLatenessNs;
    }

    /** How far the last judged event lay behind the watermark (ns); 0 when it was not behind it. */
    public long latenessNs() {
        return latenessNs;
    }

    /** The watermark the last event was judged against ({@link Watermarks#NONE} before event time started). */
    public long judgedWatermarkNs() {
        return judgedWatermarkNs;
    }

    /** The sources' watermarks (read them; snapshots write and read them through it). */
    public Watermarks watermarks() {
        return watermarks;
    }

    /** Restores the policy part of a snapshot (the watermarks are read by {@link Watermarks#readSnapshot}). */
    public void restore(final boolean started, final long idleTimeoutNs, final long allowedLatenessNs) {
        this.started = started;
        this.idleTimeoutNs = idleTimeoutNs;
        this.allowedLatenessNs = allowedLatenessNs;
    }

    /** Back to the state before any tick. */
    public void clear() {
        started = false;
        idleTimeoutNs = 0;
        allowedLatenessNs = UNBOUNDED;
        latenessNs = 0;
        judgedWatermarkNs = Watermarks.NONE;
        watermarks.clear();
        watermarks.maxOutOfOrdernessNs(0);
    }
}

/**
 * Event time: per-source watermarks with bounded out-of-orderness and idleness ({@link io.vigil.scoring.time.Watermarks}),
 * and event-time windows that emit one result per key and window once the watermark passes the window's end
 * ({@link io.vigil.scoring.time.EventTimeWindows}, {@link io.vigil.scoring.time.TumblingCountSum}). Pure computation,
 * no threads, no clock: time comes from the events and from the journaled watermark ticks only, so a replay computes
 * exactly what the live run did. See {@code docs/event-time.md}.
 */
package io.vigil.scoring.time;

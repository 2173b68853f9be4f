/**
 * Per-key state off-heap: {@link io.vigil.scoring.state.KeyedSlotTable}, fixed-size slots per (tenant, key) in
 * segments that are never copied, a partitioned index that never rehashes more than one small partition at a time,
 * and snapshots written by another thread while the owner goes on (copy-on-write per slot). Single writer;
 * allocation-free per event. See {@code docs/state.md}.
 */
package io.vigil.scoring.state;

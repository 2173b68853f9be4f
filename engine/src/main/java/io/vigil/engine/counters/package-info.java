/**
 * Live counters of a running Vigil process in a memory-mapped file, {@code counters.dat} in the data directory, the
 * way Aeron keeps its counters in the CnC file: a small header ({@link io.vigil.engine.counters.CountersFile}), then
 * Agrona's counters metadata and values buffers. Each counter has one owning thread that writes it without locks;
 * any process reads the file through a read-only mapping ({@link io.vigil.engine.counters.CountersFileReader},
 * {@code vigil stat}).
 *
 * <p>{@link io.vigil.engine.counters.CounterType} is the one table of what is counted (type id, label, kind, owner):
 * writers, {@code vigil stat} and exporters all enumerate it.
 */
package io.vigil.engine.counters;

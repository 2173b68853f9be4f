/**
 * The NAB runner ({@code vigil nab}): streams a corpus in the Numenta Anomaly Benchmark layout
 * through the engine's anomaly scorer and writes NAB result files.
 */
package io.vigil.scoring.nab;

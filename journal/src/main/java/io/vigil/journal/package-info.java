/**
 * The journals: Chronicle Queues under one data directory that are the source of truth of Vigil.
 *
 * <ul>
 *   <li>{@code input/}: every event a client sent, appended before anything else happens to it. The only input of
 *   the pipeline.</li>
 *   <li>{@code output/}: every answer the pipeline produced (a Decision or a Reject), with the input index it
 *   answers.</li>
 *   <li>{@code dlq/}: the dead-letter journal: every rejected frame, with its reason and raw bytes.</li>
 * </ul>
 *
 * Every excerpt of every journal is a fixed {@link io.vigil.journal.RecordHeader} followed by a payload (an SBE
 * message for the input and output journals, the raw frame for the dead letters). {@link io.vigil.journal.JournalWriter}
 * appends, {@link io.vigil.journal.JournalReader} reads by index or in order and verifies each record's CRC32C before it
 * hands it out. {@link io.vigil.journal.JournalCheck} finds the last sound record of a journal without mapping a
 * damaged file, {@link io.vigil.journal.JournalRepair} checks a data directory at start and repairs it on request.
 */
package io.vigil.journal;

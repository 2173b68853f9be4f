package io.vigil.replay;

import io.vigil.codecs.ReasonNames;
import io.vigil.codecs.sbe.Action;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.Journals;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Compares the answers of two output journals to the same input (a recorded run and a what-if replay, or two
 * what-ifs), matched by the input index they answer: how many decisions changed, by action transition, with
 * examples. Single-threaded; allocates (control plane).
 */
final class DecisionDiff {
    /** One answer in comparable form. */
    private static final class Answer {
        String outcome;
        float modelScore;
        float anomalyScore;
        long reasons;
        long clientSequence;
    }

    private final Map<String, Long> transitions = new TreeMap<>();
    private final Map<String, List<String>> examples = new TreeMap<>();
    private final Map<String, Long> before = new TreeMap<>();
    private final Map<String, Long> after = new TreeMap<>();
    private final int examplesPerTransition;
    private long compared;
    private long changed;
    private long scoresOnly;
    private long onlyInA;
    private long onlyInB;

    DecisionDiff(final int examplesPerTransition) {
        this.examplesPerTransition = examplesPerTransition;
    }

    /** Reads both output journals to their ends. */
    DecisionDiff run(final Journals a, final Journals b) {
        try (JournalReader readerA = a.outputReader(); JournalReader readerB = b.outputReader()) {
            final JournalRecord recordA = new JournalRecord(512);
            final JournalRecord recordB = new JournalRecord(512);
            final Answer answerA = new Answer();
            final Answer answerB = new Answer();
            final MessageHeaderDecoder header = new MessageHeaderDecoder();
            final DecisionDecoder decision = new DecisionDecoder();
            final RejectDecoder reject = new RejectDecoder();
            boolean haveA = readerA.read(recordA);
            boolean haveB = readerB.read(recordB);
            while (haveA || haveB) {
                if (haveA && (!haveB || recordA.refIndex < recordB.refIndex)) {
                    onlyInA++;
                    haveA = readerA.read(recordA);
                    continue;
                }
                if (haveB && (!haveA || recordB.refIndex < recordA.refIndex)) {
                    onlyInB++;
                    haveB = readerB.read(recordB);
                    continue;
                }
                decode(recordA, answerA, header, decision, reject);
                decode(recordB, answerB, header, decision, reject);
                compare(recordA.refIndex, answerA, answerB);
                haveA = readerA.read(recordA);
                haveB = readerB.read(recordB);
            }
        }
        return this;
    }

    private static void decode(final JournalRecord record, final Answer into, final MessageHeaderDecoder header,
        final DecisionDecoder decision, final RejectDecoder reject) {
        header.wrap(record.payload(), 0);
        into.clientSequence = record.clientSequence;
        if (header.templateId() == DecisionDecoder.TEMPLATE_ID) {
            decision.wrapAndApplyHeader(record.payload(), 0, header);
            final Action action = decision.action();
            into.outcome = action == null ? "ACTION_" + decision.actionRaw() : action.name();
            into.modelScore = decision.modelScore();
            into.anomalyScore = decision.anomalyScore();
            into.reasons = decision.reasons().getRaw();
        } else {
            reject.wrapAndApplyHeader(record.payload(), 0, header);
            final RejectReason reason = reject.reason();
            into.outcome = "REJECT(" + (reason == null ? reject.reasonRaw() : reason.name()) + ")";
            into.modelScore = 0;
            into.anomalyScore = 0;
            into.reasons = 0;
        }
    }

    private void compare(final long inputIndex, final Answer a, final Answer b) {
        compared++;
        before.merge(a.outcome, 1L, Long::sum);
        after.merge(b.outcome, 1L, Long::sum);
        if (!a.outcome.equals(b.outcome)) {
            changed++;
            final String transition = a.outcome + " -> " + b.outcome;
            transitions.merge(transition, 1L, Long::sum);
            final List<String> list = examples.computeIfAbsent(transition, k -> new ArrayList<>());
            if (list.size() < examplesPerTransition) {
                list.add(String.format(Locale.ROOT, "input index %d (sequence %d): model %.4f -> %.4f, anomaly %.4f -> %.4f, " +
                    "reasons %s -> %s", inputIndex, a.clientSequence, a.modelScore, b.modelScore, a.anomalyScore,
                    b.anomalyScore, ReasonNames.of(a.reasons), ReasonNames.of(b.reasons)));
            }
        } else if (Float.floatToRawIntBits(a.modelScore) != Float.floatToRawIntBits(b.modelScore) ||
            Float.floatToRawIntBits(a.anomalyScore) != Float.floatToRawIntBits(b.anomalyScore) || a.reasons != b.reasons) {
            scoresOnly++;
        }
    }

    long compared() {
        return compared;
    }

    /** Answers whose outcome (action, or reject reason) differs. */
    long changed() {
        return changed;
    }

    /** Answers with the same outcome but other scores or reasons. */
    long scoresOnly() {
        return scoresOnly;
    }

    Map<String, Long> transitions() {
        return transitions;
    }

    void print(final PrintWriter out, final String nameA, final String nameB) {
        out.printf("replay diff%n  A = %s%n  B = %s%n", nameA, nameB);
        out.printf("  compared %,d answers to the same input events; %,d only in A, %,d only in B%n", compared, onlyInA,
            onlyInB);
        out.printf("  A by outcome: %s%n  B by outcome: %s%n", before, after);
        out.printf("  %,d decisions changed (%.3f%%); %,d more with the same outcome but other scores or reasons%n",
            changed, compared == 0 ? 0.0 : 100.0 * changed / compared, scoresOnly);
        for (final Map.Entry<String, Long> e : transitions.entrySet()) {
            out.printf("  %-30s %,d%n", e.getKey(), e.getValue());
            for (final String example : examples.get(e.getKey())) {
                out.println("      e.g. " + example);
            }
        }
        out.flush();
    }
}

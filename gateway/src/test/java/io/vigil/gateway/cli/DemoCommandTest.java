package io.vigil.gateway.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo end to end over real TCP, small: repeatable figures, and an earlier run's state never carries over unasked. */
@Timeout(180)
class DemoCommandTest {
    private static final Pattern FRAUD_LINE = Pattern.compile("fraud {6}.*");

    @TempDir
    Path tmp;

    private static final class Run {
        final int exit;
        final String out;
        final String err;

        Run(final int exit, final String out, final String err) {
            this.exit = exit;
            this.out = out;
            this.err = err;
        }
    }

    private static Run demo(final String... args) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final PrintStream stdout = System.out;
        final int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            final CommandLine command = new CommandLine(new DemoCommand());
            command.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
            exit = command.execute(args);
        } finally {
            System.setOut(stdout);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String[] args(final Path data, final String... more) {
        final String[] base = {"--events", "30000", "--rate", "15000", "--warmup", "5000", "--accounts", "2000",
            "--fraud-rate", "0.02", "--data", data.toString()};
        final String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    private static String fraudLine(final Run run) {
        final Matcher m = FRAUD_LINE.matcher(run.out);
        assertTrue(m.find(), run.out);
        return m.group();
    }

    @Test
    void twoFreshRunsGiveTheSameFiguresAndAnEarlierRunIsNotContinuedUnasked() {
        final Run first = demo(args(tmp.resolve("a")));
        assertEquals(0, first.exit, first.out + first.err);
        final Run second = demo(args(tmp.resolve("b")));
        assertEquals(0, second.exit, second.out + second.err);
        assertEquals(fraudLine(first), fraudLine(second));
        for (final String part : new String[] {"end to end, corrected", "end to end, uncorrected", "card testing",
            "amount spikes", "merchant hopping", "alerts (REVIEW or DECLINE) per 1,000 events", "missing 0, duplicate answers 0"}) {
            assertTrue(first.out.contains(part), part + " in:\n" + first.out);
        }
        assertTrue(first.out.matches("(?s).*per reason.*\\n  [A-Z_]+ +[0-9,]+ alerts, precision [01]\\.\\d{3}\\n.*"), first.out);

        // (the vigil command turns the error into one line and exit 2; picocli alone prints its stack trace, exit 1)
        final Run refused = demo(args(tmp.resolve("a")));
        assertTrue(refused.exit != 0, refused.out + refused.err);
        assertTrue(refused.err.contains("holds the journals of an earlier run") && refused.err.contains("--resume"),
            refused.err);

        final Run resumed = demo(args(tmp.resolve("a"), "--resume"));
        assertEquals(0, resumed.exit, resumed.out + resumed.err);
    }

    @Test
    void readableUnits() {
        assertEquals("850 ns", DemoCommand.Report.readable(850));
        assertEquals("182 us", DemoCommand.Report.readable(182_400));
        assertEquals("7.70 ms", DemoCommand.Report.readable(7_700_000));
        assertEquals("12.5 ms", DemoCommand.Report.readable(12_500_000));
        assertEquals("1.25 s", DemoCommand.Report.readable(1_250_000_000));
    }
}

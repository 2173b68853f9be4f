package io.vigil.peer.vigil;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.vigil.cli.VigilMain;
import picocli.CommandLine;

/**
 * The Vigil side of the comparison: runs {@code vigil replay run --data DIR --dry-run --no-model} (the command
 * itself, through Vigil's own command line) {@code --runs} times one after the other in this JVM, so that the later
 * runs are warm, and prints per run the wall time of the whole command (opening the journals, building the pipeline,
 * the replay), the replay's own figure (reading the journal to the last event) and the process CPU time it took.
 * Runs with {@code cli/target/vigil.jar} on the classpath and Vigil's JVM flags ({@code cli/target/jvm.options}).
 *
 * <pre>java @jvm.options -cp vigil.jar:target/classes io.vigil.peer.vigil.ReplayRuns --data DIR [--runs 2]</pre>
 */
public final class ReplayRuns {
    private static final Pattern REPLAYED = Pattern.compile("replayed ([\\d,]+) events in [\\d.]+ s \\(([\\d,]+) events/s\\)");

    private ReplayRuns() {
    }

    public static void main(final String[] args) {
        System.setProperty("chronicle.analytics.disable", "true");
        String data = null;
        int runs = 2;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data" -> data = args[++i];
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (data == null || runs < 1) {
            System.err.println("usage: ReplayRuns --data DIR [--runs R]");
            System.exit(2);
        }
        final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean();
        for (int run = 1; run <= runs; run++) {
            final StringWriter text = new StringWriter();
            final CommandLine command = new CommandLine(new VigilMain());
            command.setOut(new PrintWriter(text, true));
            final long cpu0 = os.getProcessCpuTime();
            final long t0 = System.nanoTime();
            final int exit = command.execute("replay", "run", "--data", data, "--dry-run", "--no-model");
            final long wallNs = System.nanoTime() - t0;
            final long cpuNs = os.getProcessCpuTime() - cpu0;
            System.out.print(text);
            final Matcher m = REPLAYED.matcher(text.toString());
            if (exit != 0 || !m.find()) {
                System.err.println("vigil replay run failed (exit " + exit + ")");
                System.exit(1);
            }
            final long events = Long.parseLong(m.group(1).replace(",", ""));
            final double inner = Double.parseDouble(m.group(2).replace(",", ""));
            final long innerNs = Math.round(events * 1e9 / inner);
            System.out.printf("vigil run %d: %,d events; wall %.3f s (%,.0f events/s), replay %.3f s (%,.0f/s); CPU %.2f s%n",
                run, events, wallNs / 1e9, events * 1e9 / wallNs, innerNs / 1e9, inner, cpuNs / 1e9);
            System.out.printf("RESULT vigil run=%d rows=%d wall_ns=%d inner_ns=%d cpu_ns=%d%n", run, events, wallNs,
                innerNs, cpuNs);
        }
        System.exit(0);
    }
}

package io.vigil.perf;

import org.openjdk.jmh.Main;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * Main class of {@code perf/target/benchmarks.jar}: JMH's command line, with the parent pom's {@code vigil.jvm.flags}
 * put in front of every fork's JVM arguments. The flags come from a resource the build filters from that one
 * property, so no copy of the list lives in code. Any other JMH option works as with {@code org.openjdk.jmh.Main}.
 */
public final class BenchmarkMain {
    static final String FLAGS_RESOURCE = "jvm.flags";

    private BenchmarkMain() {
    }

    public static void main(final String[] args) throws IOException, RunnerException {
        final CommandLineOptions cmd;
        try {
            cmd = new CommandLineOptions(args);
        } catch (final CommandLineOptionException ex) {
            System.err.println("Error parsing command line: " + ex.getMessage());
            System.exit(1);
            return;
        }
        if (cmd.shouldHelp() || cmd.shouldList() || cmd.shouldListWithParams() || cmd.shouldListProfilers() ||
            cmd.shouldListResultFormats()) {
            Main.main(args);
            return;
        }
        final List<String> prepend = new ArrayList<>(jvmFlags());
        final Collection<String> own = cmd.getJvmArgsPrepend().orElse(List.of());
        prepend.addAll(own);
        new Runner(new OptionsBuilder().parent(cmd).jvmArgsPrepend(prepend.toArray(new String[0])).build()).run();
    }

    /** The JVM flags of the parent pom's {@code vigil.jvm.flags}, one element per flag. */
    static List<String> jvmFlags() throws IOException {
        try (InputStream in = BenchmarkMain.class.getResourceAsStream(FLAGS_RESOURCE)) {
            if (in == null) {
                throw new IOException("resource " + FLAGS_RESOURCE + " missing: build perf with Maven");
            }
            final String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (text.isEmpty() || text.contains("${")) {
                throw new IOException("resource " + FLAGS_RESOURCE + " was not filtered by the build: '" + text + "'");
            }
            return Arrays.asList(text.split("\\s+"));
        }
    }
}

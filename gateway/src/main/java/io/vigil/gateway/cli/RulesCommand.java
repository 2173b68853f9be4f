package io.vigil.gateway.cli;

import io.vigil.engine.RulesControl;
import io.vigil.engine.VigilConfig;
import io.vigil.journal.Journals;
import io.vigil.scoring.rules.RulesConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code vigil rules}: change the decision rules at run time, through a control record in the input journal. */
@Command(name = "rules", mixinStandardHelpOptions = true,
    description = "Change the decision rules at run time, through a control record in the input journal.",
    subcommands = {RulesCommand.SetCommand.class})
public final class RulesCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /** {@code vigil rules set FILE}. */
    @Command(name = "set", mixinStandardHelpOptions = true,
        description = {"Append a RulesSet control record to the input journal: every event journaled after it is ",
            "decided with these rules, live (a running server applies it when its pipeline reaches it) and in every ",
            "replay. FILE holds vigil.rules.* keys in Java properties format; a key not in FILE takes its default, not ",
            "the running value. Safe while a server runs on --data."})
    public static final class SetCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "Properties file of vigil.rules.* keys.")
        Path file;

        @Option(names = "--data", defaultValue = "./vigil-data", description = "Data directory (default ${DEFAULT-VALUE}).")
        Path dataDir;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            final RulesConfig rules = RulesControl.read(file);
            if (!Files.isDirectory(dataDir.resolve(Journals.INPUT))) {
                throw new IllegalArgumentException("no journals in " + dataDir.toAbsolutePath() + " (expected " +
                    Journals.INPUT + "/ there)");
            }
            final long index;
            try (Journals journals = Journals.open(dataDir, Journals.rollCycle(VigilConfig.load().string(VigilConfig.ROLL_CYCLE)))) {
                index = RulesControl.set(journals, rules);
            }
            spec.commandLine().getOut().printf("rules set at input index %d (0x%x): %s%n", index, index, rules);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}

package io.vigil.scoring.features.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

class FeaturesCommandTest {
    @TempDir
    Path dir;

    private int run(final StringWriter out, final StringWriter err, final String... args) {
        final CommandLine cl = new CommandLine(new FeaturesCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void checksTheDefaultDefinition() {
        final StringWriter out = new StringWriter();
        assertEquals(0, run(out, new StringWriter(), "check"));
        final String s = out.toString();
        assertTrue(s.contains("name:     transactions"), s);
        assertTrue(s.contains("version:  txf-1"), s);
        assertTrue(s.contains("hash:     " + FeatureSpec.defaultSpec().hash()), s);
        assertTrue(s.contains("13 new_merchant_rate"), s);
        assertTrue(s.contains("bytes per key"), s);
    }

    @Test
    void reportsAnInvalidFileNamingTheFeature() throws Exception {
        final Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "name: x\nversion: 1\nfeatures:\n  - {name: n, aggregate: cnt}\n");
        final StringWriter err = new StringWriter();
        assertEquals(1, run(new StringWriter(), err, "check", "--features", f.toString()));
        assertTrue(err.toString().contains("feature 'n': unknown aggregation 'cnt'"), err.toString());
    }

    @Test
    void listsTheWindowResultsOfTheDefinitionsTumblingAndSessionWindows() throws Exception {
        final Path f = dir.resolve("kpi.yaml");
        Files.writeString(f, "allowed_lateness: 10m\n" + DeclaredWindowsTest.KPI);
        final StringWriter out = new StringWriter();
        assertEquals(0, run(out, new StringWriter(), "check", "--features", f.toString()));
        final String s = out.toString();
        assertTrue(s.contains("allowed lateness: 600000000000 ns"), s);
        assertTrue(s.contains("  kpi.t1m (id " + DeclaredWindows.windowId("kpi.t1m") + ", tumbling 60000000000 ns): n_1m, " +
            "sum_1m, mean_1m"), s);
        assertTrue(s.contains("  kpi.s (id " + DeclaredWindows.windowId("kpi.s") + ", session gap 30000000000 ns): n_s, sum_s, " +
            "max_s"), s);
        assertTrue(s.contains("not in window results (aggregation not supported there): distinct_1m"), s);
    }
}

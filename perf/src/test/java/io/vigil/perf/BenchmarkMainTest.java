package io.vigil.perf;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchmarkMainTest {
    /** Surefire starts this JVM with the parent pom's vigil.jvm.flags: the forks of the benchmarks get the same list. */
    @Test
    void forksGetTheFlagsOfTheParentPom() throws Exception {
        final List<String> flags = BenchmarkMain.jvmFlags();
        assertTrue(flags.contains("-Dchronicle.analytics.disable=true"), flags.toString());
        assertTrue(flags.contains("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"), flags.toString());
        final List<String> thisJvm = ManagementFactory.getRuntimeMXBean().getInputArguments();
        final int start = thisJvm.indexOf(flags.get(0));
        assertTrue(start >= 0, "surefire's argLine " + thisJvm + " lacks " + flags.get(0));
        assertEquals(flags, thisJvm.subList(start, start + flags.size()));
    }
}

package io.vigil.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jar users run ({@code cli/target/vigil.jar}, with the flags file {@code ./vigil} passes), after packaging
 * ({@code mvn verify}): everything {@code vigil run} needs at run time is in it. The class-path tests cannot see a
 * dependency the shading leaves out (a test-scoped declaration once dropped Jackson from the jar, and every admin
 * request failed).
 */
class ShadedJarIT {
    @TempDir
    Path tmp;

    @Test
    @Timeout(120)
    void shouldRunFromTheShadedJarAndAnswerTheAdminEndpoints() throws Exception {
        final Path jar = Path.of(System.getProperty("vigil.jar", "target/vigil.jar"));
        final Path flags = Path.of(System.getProperty("vigil.jvm.options", "target/jvm.options"));
        assertTrue(Files.isRegularFile(jar), jar + " (run through mvn verify, after package)");
        assertTrue(Files.isRegularFile(flags), flags.toString());
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        RunProbe.runProbeAndStop(List.of(java, "@" + flags.toAbsolutePath(), "-Dvigil.admin.port=0", "-jar",
            jar.toAbsolutePath().toString()), tmp.resolve("data"));
    }
}

package io.vigil.cli;

import io.vigil.engine.VigilConfig;
import io.vigil.gateway.GatewayConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The configuration as the {@code vigil} command sees it, with every module on the class path: the README's table is
 * the generated one, and a bad configuration is one line per key.
 */
@Timeout(60)
class ConfigurationDocsTest {
    @TempDir
    Path dir;

    @Test
    void shouldSeeTheKeysOfEveryModule() {
        final Set<String> modules = VigilConfig.keys().stream().map(VigilConfig.Key::module).collect(Collectors.toSet());
        assertEquals(Set.of(VigilConfig.ENGINE_MODULE, GatewayConfiguration.MODULE, LoggingConfiguration.MODULE), modules);
    }

    @Test
    void shouldHaveTheGeneratedConfigurationTableInTheReadme() throws IOException {
        final List<String> lines = Files.readAllLines(Path.of("..", "README.md"));
        final int heading = lines.indexOf("## Configuration");
        assertTrue(heading >= 0, "README.md has no '## Configuration' section");
        int start = heading + 1;
        while (start < lines.size() && !lines.get(start).startsWith("|") && !lines.get(start).startsWith("## ")) {
            start++;
        }
        int end = start;
        while (end < lines.size() && lines.get(end).startsWith("|")) {
            end++;
        }
        final String table = lines.subList(start, end).stream().map(l -> l + "\n").collect(Collectors.joining());
        assertEquals(VigilConfig.markdownTable(), table, "README.md's configuration table is not the one generated " +
            "from the keys: replace it with the output of './vigil config keys --markdown' (after mvn install)");
    }

    @Test
    void shouldPrintTheTableAndAPropertiesTemplate() {
        final String[] markdown = run("config", "keys", "--markdown");
        assertEquals("0", markdown[0], markdown[2]);
        assertEquals(VigilConfig.markdownTable(), markdown[1]);
        final String[] template = run("config", "keys");
        assertEquals("0", template[0], template[2]);
        assertTrue(template[1].contains("#vigil.port=7070\n") && template[1].contains("#vigil.ring.size=16384\n"),
            template[1]);
    }

    @Test
    void shouldExitTwoWithOneLinePerBadKeyOfAnyModule() throws IOException {
        final Path config = dir.resolve("vigil.properties");
        Files.writeString(config, "vigil.ring.size=1000\nvigil.max.connections=0\nvigil.frame.timeout=soon\n");
        for (final String command : new String[] {"run", "check"}) {
            final String[] args = command.equals("run") ?
                new String[] {"run", "--port", "0", "--data", dir.resolve("data").toString(), "--config", config.toString()} :
                new String[] {"config", "check", "--config", config.toString()};
            final String[] result = run(args);
            assertEquals("2", result[0], result[2]);
            final List<String> errors = result[2].lines().filter(l -> l.startsWith("vigil " + command + ":")).toList();
            assertEquals(3, errors.size(), result[2]);
            assertTrue(errors.get(0).contains("vigil.ring.size = '1000': must be a power of two"), result[2]);
            assertTrue(errors.get(1).contains("vigil.max.connections = '0': must be at least 1 (from config file)"),
                result[2]);
            assertTrue(errors.get(2).contains("vigil.frame.timeout = 'soon'"), result[2]);
        }
        assertTrue(!Files.exists(dir.resolve("data")), "nothing was created");
        final Path good = dir.resolve("good.properties");
        Files.writeString(good, "vigil.port=7171\n");
        final String[] valid = run("config", "check", "--config", good.toString());
        assertEquals("0", valid[0], valid[2]);
        assertTrue(valid[1].contains("configuration is valid"), valid[1]);
    }

    /** Logging starts before a --config file is read, so its key is refused there, naming where it belongs. */
    @Test
    void shouldRefuseTheLogFormatInAConfigFile() throws IOException {
        final Path config = dir.resolve("logging.properties");
        Files.writeString(config, "vigil.log.format=json\n");
        final String[] result = run("config", "check", "--config", config.toString());
        assertEquals("2", result[0], result[2]);
        assertTrue(result[2].contains("vigil.log.format = 'json': logging is set up before the configuration file " +
            "is read: set it as a system property (VIGIL_JAVA_OPTS=-Dvigil.log.format=json) or in the environment " +
            "(VIGIL_LOG_FORMAT=json) (from config file)"), result[2]);
        Files.writeString(config, "vigil.port=7171\n");
        assertEquals("0", run("config", "check", "--config", config.toString())[0]);
    }

    private static String[] run(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine commandLine = VigilMain.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        final int code = commandLine.execute(args);
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }
}

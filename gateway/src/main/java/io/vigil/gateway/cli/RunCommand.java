package io.vigil.gateway.cli;

import io.vigil.engine.VigilConfig;
import io.vigil.gateway.GatewayConfiguration;
import io.vigil.gateway.VigilServer;
import io.vigil.gateway.admin.VigilAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code vigil run}: the server and its admin server ({@code vigil.admin.*}), on embedded defaults unless told
 * otherwise; SIGTERM or Ctrl-C stop it cleanly (the
 * pipeline finishes what is journaled, the last checkpoint is written) and it exits 0.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run the Vigil server (TCP gateway, journals, pipeline) until SIGTERM or Ctrl-C.")
public final class RunCommand implements Callable<Integer> {
    @Option(names = "--port", description = "TCP port (default ${DEFAULT-VALUE} from vigil.port; 0 picks a free one).")
    Integer port;

    @Option(names = "--data", description = "Data directory holding the journals (vigil.data.dir, default ./vigil-data).")
    Path dataDir;

    @Option(names = "--config", description = "Properties file with configuration keys (see README).")
    Path configFile;

    @Option(names = "--repair", description = "If a journal is damaged (a cut or corrupt tail), keep the damaged " +
        "cycle file in <journal>/damaged/ and truncate the journal to its last sound record before starting; without " +
        "it a damaged journal is refused. See docs/operations.md.")
    boolean repair;

    @Override
    public Integer call() throws Exception {
        final Map<String, String> overrides = new LinkedHashMap<>();
        if (port != null) {
            overrides.put(GatewayConfiguration.PORT.name(), port.toString());
        }
        if (dataDir != null) {
            overrides.put(VigilConfig.DATA_DIR.name(), dataDir.toString());
        }
        final VigilConfig config = VigilConfig.load(configFile).with(overrides);
        for (final String warning : config.unknownLookalikes()) {
            System.err.println("vigil run: warning: " + warning);
        }
        // every key of every module checked once, before anything starts: one line per bad key, exit 2
        config.validate();
        System.out.println("Vigil effective configuration:");
        System.out.print(config.describe());
        final CountDownLatch stop = new CountDownLatch(1);
        final boolean signals = StopSignals.install(stop::countDown);
        final VigilServer server = VigilServer.start(config, repair);
        final VigilAdmin admin;
        try {
            admin = VigilAdmin.startIfEnabled(server);
        } catch (final RuntimeException | InterruptedException ex) {
            server.close(); // the admin port is taken, say: stop cleanly, then report it
            throw ex;
        }
        System.out.printf("Vigil listening on %s:%d (%s), journals in %s%n", server.host(), server.port(),
            server.transport(), server.journals().dataDir().toAbsolutePath());
        System.out.println("Vigil " + VigilAdmin.describe(admin));
        if (signals) {
            stop.await();
            stopServer(server, admin);
            return 0;
        }
        // no signal handling in this JVM: stop from a shutdown hook (the JVM then exits 143 on SIGTERM)
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopServer(server, admin);
            stopped.countDown();
        }, "vigil-shutdown"));
        stopped.await();
        return 0;
    }

    private static void stopServer(final VigilServer server, final VigilAdmin admin) {
        System.out.println("Vigil stopping");
        if (admin != null) {
            admin.close();
        }
        server.close();
        System.out.println("Vigil stopped");
    }
}

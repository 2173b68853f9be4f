package io.vigil.gateway;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.vigil.engine.ConfigContext;
import io.vigil.engine.ConfigurationException;
import io.vigil.engine.Engine;
import io.vigil.engine.EngineContext;
import io.vigil.engine.WatermarkControl;
import io.vigil.engine.RunContext;
import io.vigil.engine.StageAssembler;
import io.vigil.engine.VigilConfig;
import io.vigil.engine.counters.VigilCounters;
import io.vigil.gateway.alert.AlertContext;
import io.vigil.gateway.alert.FeatureDriftAlertSource;
import io.vigil.gateway.drift.DriftContext;
import io.vigil.gateway.drift.FeatureDriftMonitor;
import io.vigil.gateway.alert.AlertService;
import io.vigil.gateway.alert.WebhookReceiver;
import io.vigil.gateway.features.FeatureQueries;
import io.vigil.gateway.mirror.MirrorContext;
import io.vigil.gateway.mirror.RedisMirror;
import io.vigil.gateway.resp.RespContext;
import io.vigil.gateway.resp.RespServer;
import io.vigil.gateway.slo.CounterValues;
import io.vigil.gateway.slo.SloContext;
import io.vigil.gateway.slo.SloEvaluator;
import io.vigil.gateway.slo.SloObjective;
import io.vigil.gateway.slo.WallClock;
import io.vigil.gateway.synthetic.SyntheticContext;
import io.vigil.gateway.synthetic.SyntheticProber;
import io.vigil.gateway.trace.SlowTraces;
import io.vigil.gateway.trace.TraceContext;
import io.vigil.gateway.trace.TraceRing;
import io.vigil.journal.DataDirectory;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.JournalRepair;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The Vigil server: journals, the engine and the TCP gateway wired together. One event loop thread serves every
 * connection (accept, reads, journal appends, writes), which suits small machines and keeps the input journal
 * single-writer. With it run the SLO evaluator ({@link #slo()}, thread {@value SloEvaluator#THREAD}) and the
 * alerts with their webhooks ({@link #alerts()}, thread {@value AlertService#THREAD}), configured by
 * {@link SloContext} and {@link AlertContext} from the gateway's configuration, started once the gateway listens and
 * stopped first when it closes. With a feature reference ({@link DriftContext}), every pipeline it starts gets the
 * drift tap after its features stage, and the drift thread ({@link #featureDrift()}, {@value FeatureDriftMonitor#THREAD})
 * runs until the engine has stopped.
 *
 * <p>Start and close from one control thread.
 */
public final class VigilServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VigilServer.class);
    /** Name of the network thread. */
    public static final String IO_THREAD = "vigil-gateway-io";
    private static final long SWEEP_MS = 100;

    private final GatewayContext context;
    private final EngineContext engineContext;
    private final DataDirectory dataDirectory;
    private final StageAssembler stages;
    private volatile Journals journals;
    private final EventLoopGroup group;
    private final EventLoop loop;
    private final GatewayCore core;
    private final Egress egress;
    private volatile Engine engine;
    private final java.util.concurrent.atomic.AtomicBoolean recovering = new java.util.concurrent.atomic.AtomicBoolean();
    private long lastProbeNs;
    private final Channel serverChannel;
    private final String transport;
    private final VigilCounters counters;
    /** The gateway's stages and those of the engine running now. */
    private final ServerLatencies latencies = new ServerLatencies(() -> engine.latencies());
    private final SloEvaluator slo;
    private final AlertService alerts;
    private final SlowTraces traces;
    private final SyntheticProber prober;
    private final FeatureDriftMonitor drift;
    private final QueryAuthenticator queryAuthenticator;
    private final FeatureQueries featureQueries = new FeatureQueries(java.util.Map.of(FeatureQueries.ACCOUNT,
        () -> this.engine.publishedFeatures()));
    private final RespServer resp;
    private final RedisMirror mirror;

    private VigilServer(final GatewayContext context, final EngineContext engineContext, final StageAssembler stages,
        final boolean repair) throws InterruptedException {
        // every key of the gateway and the engine checked once, before anything is built from it
        final ConfigContext[] observability = concludeAll(context, engineContext);
        final SloContext sloContext = (SloContext)observability[0];
        final AlertContext alertContext = (AlertContext)observability[1];
        final TraceContext traceContext = (TraceContext)observability[2];
        final SyntheticContext syntheticContext = (SyntheticContext)observability[3];
        final DriftContext driftContext = (DriftContext)observability[4];
        final RespContext respContext = (RespContext)observability[5];
        final MirrorContext mirrorContext = (MirrorContext)observability[6];
        this.context = context;
        this.engineContext = engineContext;
        // what the run context records: the engine's values and the gateway's (SLO and alert keys included)
        final VigilConfig config = engineContext.config().with(context.values()).with(sloContext.values())
            .with(alertContext.values()).with(traceContext.values()).with(syntheticContext.values())
            .with(driftContext.values()).with(respContext.values()).with(mirrorContext.values());
        final int maxFrameBytes = engineContext.maxFrameBytes();
        final int heartbeatMs = (int)Math.max(1, TimeUnit.NANOSECONDS.toMillis(context.heartbeatIntervalNs()));
        // parsed and validated before anything is opened: a bad credentials file stops the start, naming file and line
        final Authenticator authenticator = authenticator(context);
        this.queryAuthenticator = context.credentialsFile() == null ? QueryAuthenticator.sharedSecret(context.credential()) :
            QueryAuthenticator.of(Credentials.load(context.credentialsFile()));
        // checked and locked before anything is written: one writer per data directory
        this.dataDirectory = DataDirectory.acquire(engineContext.dataDir(), engineContext.dataFreeMinBytes());
        try {
            final net.openhft.chronicle.queue.RollCycle rollCycle = engineContext.rollCycle();
            // a damaged journal is refused (or repaired when asked) before Chronicle maps a single file of it
            final JournalRepair.Result repaired = JournalRepair.checkAtStart(dataDirectory.path(), rollCycle, repair);
            for (final String action : repaired.actions()) {
                LOG.warn("repair: {}", action);
            }
            setAsideCheckpointsAfter(engineContext, repaired.inputSoundUpTo());
            // what this run starts with, for audit and replay (changes while it runs are control records)
            RunContext.of(config).record(dataDirectory.path());
            this.journals = Journals.open(dataDirectory.path(), rollCycle);
        } catch (final java.io.IOException ex) {
            dataDirectory.close();
            authenticator.close();
            queryAuthenticator.close();
            throw new IllegalStateException("data directory " + dataDirectory.path() + ": cannot record the run context: " + ex, ex);
        } catch (final RuntimeException ex) {
            dataDirectory.close();
            authenticator.close();
            queryAuthenticator.close();
            throw ex;
        }
        try {
            this.counters = VigilCounters.create(journals.dataDir());
        } catch (final RuntimeException ex) {
            journals.close();
            dataDirectory.close();
            authenticator.close();
            queryAuthenticator.close();
            throw ex;
        }
        this.core = new GatewayCore(maxFrameBytes, heartbeatMs, authenticator,
            journals.inputWriter(), journals.deadLetterWriter(), context.maxConnections(), context.frameTimeoutNs(),
            new LogonGuard(context.logonFailuresMax(), context.logonFailuresWindowNs()), counters);
        core.resends = new ResendLookup(journals, context.resendWindowEvents());
        final long clients = rebuildSequences(journals, core);

        final boolean epoll = Epoll.isAvailable();
        final IoHandlerFactory ioHandler = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        final Class<? extends ServerChannel> channelClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        this.transport = epoll ? "epoll" : "nio";
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(IO_THREAD, true), ioHandler);
        this.loop = group.next();
        this.egress = new Egress(context.egressBufferBytes(), loop, core);
        Engine started = null;
        Channel channel = null;
        SloEvaluator sloStarted = null;
        AlertService alertsStarted = null;
        SlowTraces tracesStarted = null;
        SyntheticProber proberStarted = null;
        RespServer respStarted = null;
        RedisMirror mirrorStarted = null;
        final TraceRing traceRing = traceContext.enabled() ? new TraceRing() : null;
        final FeatureDriftMonitor drift = driftContext.enabled() ? new FeatureDriftMonitor(driftContext, counters) : null;
        // the drift tap goes after the features stage of every pipeline this server starts (journal recovery too)
        this.stages = drift == null ? stages : drift.assembler(stages);
        final String syntheticCredential = syntheticContext.enabled() ? SyntheticProber.newCredential() : null;
        try {
            started = Engine.start(engineContext, journals, egress, this.stages, counters);
            this.engine = started;
            final int ringSize = started.ringSize();
            core.backpressure(() -> this.journals.inputExcerptsBetween(this.engine.completedIndex(), core.lastAppendedIndex()),
                ringSize * 3L / 4, ringSize / 4L);
            final int pendingBytes = context.clientPendingBytes();
            // set before bind: the network thread sees them through the bind task it runs
            core.engine(started);
            core.latencies = latencies;
            egress.latencies(latencies);
            if (sloContext.enabled()) {
                egress.slo(new SloLatencyCounters(counters, sloContext.latencyThresholdNs()));
            }
            if (traceRing != null) {
                final TraceRecorder recorder = new TraceRecorder(traceRing, traceContext.slowThresholdNs(),
                    traceContext.sampleEvery(), counters);
                core.traces = recorder;
                egress.traces(recorder);
            }
            if (syntheticCredential != null) {
                authenticator.syntheticSecret(syntheticCredential);
            }
            final ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(channelClass)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(pendingBytes / 2, pendingBytes))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(final SocketChannel ch) {
                        ch.pipeline()
                            .addLast("idle", new IdleStateHandler(3L * heartbeatMs, 0, 0, TimeUnit.MILLISECONDS))
                            .addLast("session", new SessionHandler(core));
                    }
                });
            core.watermarkTicks(WatermarkControl.Policy.of(engineContext), engineContext.watermarkTickIntervalNs());
            // the first tick before the first event: event time (and its policy) holds from the start of this run
            loop.submit(() -> core.watermarkTick(true)).syncUninterruptibly();
            loop.scheduleAtFixedRate(() -> {
                core.sweep();
                probeJournalRecovery();
            }, SWEEP_MS, SWEEP_MS, TimeUnit.MILLISECONDS);
            channel = bootstrap.bind(new InetSocketAddress(context.bindHost(), context.port())).sync().channel();
            final CounterValues counterValues = CounterValues.of(counters);
            if (traceRing != null) {
                tracesStarted = new SlowTraces(traceContext, traceRing, counters).start();
            }
            if (sloContext.enabled()) {
                sloStarted = new SloEvaluator(sloContext, syntheticContext.enabled() ?
                    java.util.List.of(SloObjective.synthetic(syntheticContext.target(), syntheticContext.timeoutNs())) :
                    java.util.List.of(), counterValues, WallClock.SYSTEM).start();
            }
            if (drift != null) {
                drift.start();
            }
            if (alertContext.enabled()) {
                alertsStarted = AlertService.create(alertContext, counterValues, sloStarted, () -> this.journals,
                    counters, WallClock.SYSTEM, VigilServer::logWebhookEvent, drift == null ? java.util.List.of() :
                        java.util.List.of(new FeatureDriftAlertSource(drift, driftContext.psiWarning(),
                            driftContext.psiCritical()))).start();
            }
            if (respContext.enabled()) {
                respStarted = RespServer.start(respContext, featureQueries, queryAuthenticator);
            }
            if (mirrorContext.enabled()) {
                mirrorStarted = RedisMirror.start(mirrorContext, () -> this.engine.publishedFeatures(), FeatureQueries.ACCOUNT);
            }
            if (syntheticCredential != null) {
                proberStarted = new SyntheticProber(syntheticContext, context.bindHost(),
                    ((InetSocketAddress)channel.localAddress()).getPort(), syntheticCredential, counters).start();
            }
        } catch (final RuntimeException | InterruptedException ex) {
            if (proberStarted != null) {
                proberStarted.close();
            }
            if (respStarted != null) {
                respStarted.close();
            }
            if (mirrorStarted != null) {
                mirrorStarted.close();
            }
            if (tracesStarted != null) {
                tracesStarted.close();
            }
            if (alertsStarted != null) {
                alertsStarted.close();
            }
            if (drift != null) {
                drift.close();
            }
            if (sloStarted != null) {
                sloStarted.close();
            }
            if (channel != null) {
                channel.close().syncUninterruptibly();
            }
            if (started != null) {
                started.close();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            journals.close();
            dataDirectory.close();
            authenticator.close();
            queryAuthenticator.close();
            throw ex;
        }
        this.serverChannel = channel;
        this.resp = respStarted;
        this.mirror = mirrorStarted;
        this.slo = sloStarted;
        this.alerts = alertsStarted;
        this.traces = tracesStarted;
        this.prober = proberStarted;
        this.drift = drift;
        LOG.info("listening on {} ({}), data in {}, {} (tenant, client) sequence marks restored; logons: {}",
            serverChannel.localAddress(), transport, journals.dataDir().toAbsolutePath(), clients, authenticator.describe());
    }

    /**
     * Concludes both contexts and the SLO and alert contexts seeded from the gateway's configuration, naming every bad
     * key of any in one exception.
     *
     * @return the concluded SLO, alert, trace, synthetic prober, drift, RESP and mirror contexts, in that order.
     */
    private static ConfigContext[] concludeAll(final GatewayContext gateway, final EngineContext engine) {
        final java.util.List<String> problems = new java.util.ArrayList<>();
        try {
            gateway.conclude();
        } catch (final ConfigurationException ex) {
            problems.addAll(ex.problems());
        }
        try {
            engine.conclude();
        } catch (final ConfigurationException ex) {
            problems.addAll(ex.problems());
        }
        final VigilConfig seed = gateway.isConcluded() ? gateway.config() : engine.isConcluded() ? engine.config() : null;
        // in the order the constructor reads them back
        final java.util.List<java.util.function.Function<VigilConfig, ConfigContext>> concluders = java.util.List.of(
            c -> new SloContext(c).conclude(), c -> new AlertContext(c).conclude(), c -> new TraceContext(c).conclude(),
            c -> new SyntheticContext(c).conclude(), c -> new DriftContext(c).conclude(), c -> new RespContext(c).conclude(),
            c -> new MirrorContext(c).conclude());
        final ConfigContext[] contexts = new ConfigContext[concluders.size()];
        if (seed != null) {
            for (int i = 0; i < contexts.length; i++) {
                try {
                    contexts[i] = concluders.get(i).apply(seed);
                } catch (final ConfigurationException ex) {
                    problems.addAll(ex.problems());
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
        return contexts;
    }

    private static void logWebhookEvent(final WebhookReceiver.Event event) {
        if (event.kind() == WebhookReceiver.Event.Kind.FAILED || event.kind() == WebhookReceiver.Event.Kind.DROPPED ||
            event.kind() == WebhookReceiver.Event.Kind.REFUSED) {
            LOG.debug("webhook {}: {} {}", event.receiver(), event.kind(), event.detail());
        }
    }

    /** The credentials file's clients, or, without one, the shared secret as tenant 1. */
    private static Authenticator authenticator(final GatewayContext context) {
        final java.nio.file.Path file = context.credentialsFile();
        if (file == null) {
            final String secret = context.credential();
            checkSharedSecret(secret, context.bindHost(), context.allowInsecure());
            return Authenticator.sharedSecret(secret);
        }
        final Credentials credentials = Credentials.load(file);
        if (credentials.entries().isEmpty()) {
            LOG.warn("credentials file {} has no entries: every Logon will be refused", file);
        }
        return Authenticator.of(credentials, Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors() / 2)));
    }

    /**
     * Safe defaults: an empty shared secret (anyone logs on) is refused anywhere, the published default one beyond
     * loopback, unless {@code vigil.bind.allow.insecure} says otherwise (then a warning says what is exposed).
     */
    static void checkSharedSecret(final String secret, final String bindHost, final boolean allowInsecure) {
        final boolean loopback = isLoopback(bindHost);
        final String problem;
        if (secret.isEmpty()) {
            problem = "configuration key " + GatewayConfiguration.CREDENTIAL.name() + " is empty: any client could log on";
        } else if (!loopback && secret.equals(GatewayConfiguration.CREDENTIAL.defaultValue())) {
            problem = "the gateway would listen on " + bindHost + " with the published default credential (" +
                GatewayConfiguration.CREDENTIAL.name() + "): anyone who can reach it could log on";
        } else {
            problem = null;
        }
        if (problem != null && !allowInsecure) {
            throw new IllegalArgumentException(problem + "; set a secret of your own or a " +
                GatewayConfiguration.CREDENTIALS_FILE.name() + " (or " + GatewayConfiguration.ALLOW_INSECURE.name() +
                "=true to allow it)");
        }
        if (problem != null) {
            LOG.warn("{}; allowed by {}", problem, GatewayConfiguration.ALLOW_INSECURE.name());
        }
        if (!loopback) {
            LOG.warn("listening on {} beyond loopback without TLS: events and credentials cross the network in clear", bindHost);
        }
    }

    private static boolean isLoopback(final String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (final java.net.UnknownHostException ex) {
            return false;
        }
    }

    /**
     * Checks the data directory and its journals, opens them, starts the engine and binds the gateway; a damaged
     * journal is refused ({@link DataDirectory.DataDirectoryException}).
     */
    public static VigilServer start(final VigilConfig config) throws InterruptedException {
        return start(new GatewayContext(config), new EngineContext(config), StageAssembler.DEFAULT, false);
    }

    /**
     * Like {@link #start(VigilConfig)}, from the gateway's and the engine's contexts (embedding, tests that set
     * values in code); both are concluded here, every bad key of either named in one {@link ConfigurationException}.
     * The run context records the engine's values and the gateway's.
     */
    public static VigilServer start(final GatewayContext context, final EngineContext engineContext)
        throws InterruptedException {
        return start(context, engineContext, StageAssembler.DEFAULT, false);
    }

    /** Like {@link #start(GatewayContext, EngineContext)}, with stages changed by {@code stages} and a repair. */
    public static VigilServer start(final GatewayContext context, final EngineContext engineContext,
        final StageAssembler stages, final boolean repair) throws InterruptedException {
        return new VigilServer(context, engineContext, stages, repair);
    }

    /**
     * Like {@link #start(VigilConfig)}; with {@code repair}, a damaged journal is repaired first: the damaged cycle
     * file is kept in {@code <journal>/damaged/} and the journal truncated to its last sound record
     * ({@link JournalRepair}).
     */
    public static VigilServer start(final VigilConfig config, final boolean repair) throws InterruptedException {
        return start(new GatewayContext(config), new EngineContext(config), StageAssembler.DEFAULT, repair);
    }

    /**
     * After a repair lost input records, checkpoints of state past the last surviving one no longer follow from the
     * journal (the lost events are in them): they are moved into {@code <checkpoints>/damaged/}, so the engine
     * rebuilds that state from the journal as a replay does.
     */
    private static void setAsideCheckpointsAfter(final EngineContext engineContext, final long inputSoundUpTo) {
        if (inputSoundUpTo == Long.MAX_VALUE) {
            return;
        }
        final io.vigil.engine.CheckpointStore store = io.vigil.engine.CheckpointStore.from(engineContext.config());
        try {
            for (final java.nio.file.Path file : store.list()) {
                final long index;
                try {
                    index = io.vigil.engine.CheckpointStore.read(file).inputIndex();
                } catch (final java.io.IOException unreadable) {
                    continue; // the engine passes over it anyway
                }
                if (index > inputSoundUpTo) {
                    final java.nio.file.Path aside = java.nio.file.Files.createDirectories(
                        store.dir().resolve(JournalRepair.DAMAGED_DIR)).resolve(file.getFileName());
                    java.nio.file.Files.move(file, aside, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    LOG.warn("repair: checkpoint {} reflects lost input records; moved to {}", file.getFileName(), aside);
                }
            }
        } catch (final java.io.IOException ex) {
            throw new DataDirectory.DataDirectoryException("cannot set aside the checkpoints in " + store.dir() +
                " after the repair: " + ex.getMessage(), ex);
        }
    }

    /** Like {@link #start(VigilConfig)}, with the engine's stages changed by {@code stages} (tests inject stages). */
    public static VigilServer start(final VigilConfig config, final StageAssembler stages) throws InterruptedException {
        return start(new GatewayContext(config), new EngineContext(config), stages, false);
    }

    /**
     * Restores each (tenant, client)'s highest journaled sequence, and its resend window, from the input journal,
     * whose record header carries both.
     */
    private static long rebuildSequences(final Journals journals, final GatewayCore core) {
        try (JournalReader reader = journals.inputReader()) {
            final JournalRecord record = new JournalRecord(64);
            while (reader.read(record)) {
                core.lastIngestNs(record.timeNs);
                adopt(core, record);
            }
        }
        return core.sessions.clients();
    }

    /** Takes a journaled event's sequence as its (tenant, client)'s mark, if it is above it. */
    private static void adopt(final GatewayCore core, final JournalRecord record) {
        if (record.source == RecordHeader.SOURCE_ADMIN) {
            return; // a control record: no client, no sequence
        }
        final Sessions.Client client = core.sessions.client(record.tenantId, record.clientId);
        // journaled sequences are 1 ... 2^63 - 1 (larger ones are refused with SEQUENCE_OUT_OF_RANGE)
        if (record.clientSequence > client.lastSequence) {
            client.lastSequence = record.clientSequence;
            core.resends.journaled(record.tenantId, record.clientId, record.clientSequence, record.index);
        }
    }

    /**
     * On the event loop, once a second while the input journal is unavailable: if a probe file of 1 MiB can be
     * written next to the journals, space is back, and the journals are reopened on a control thread.
     */
    private void probeJournalRecovery() {
        if (core.journalProblem() == null || recovering.get() || System.nanoTime() - lastProbeNs < 1_000_000_000L) {
            return;
        }
        lastProbeNs = System.nanoTime();
        final java.nio.file.Path probe = journals.dataDir().resolve(".space-probe");
        try {
            java.nio.file.Files.write(probe, new byte[1 << 20]);
        } catch (final java.io.IOException | RuntimeException ex) {
            return;
        } finally {
            try {
                java.nio.file.Files.deleteIfExists(probe);
            } catch (final java.io.IOException ignored) {
                // the next probe tries again
            }
        }
        if (recovering.compareAndSet(false, true)) {
            final Thread recovery = new Thread(this::recoverJournals, "vigil-journal-recovery");
            recovery.setDaemon(true);
            recovery.start();
        }
    }

    /**
     * Reopens the journals after a storage failure, in this process: stops the engine (it completes what was
     * journaled), closes every writer and reader of the failed instance, releases the write locks the failed appends
     * left, reopens, and restarts the engine from its checkpoint. Events keep being rejected with JOURNAL_UNAVAILABLE
     * until the new writers are in place.
     */
    private void recoverJournals() {
        try {
            LOG.info("space is back: reopening the journals");
            final Engine old = engine;
            old.close();
            loop.submit(() -> {
                core.input.close();
                core.deadLetters.close();
                core.resends.close();
            }).syncUninterruptibly();
            journals.close();
            final Journals reopened = Journals.reopenAfterFailure(engineContext.dataDir(), engineContext.rollCycle());
            journals = reopened;
            final Engine restarted = Engine.start(engineContext, reopened, egress, stages, counters);
            engine = restarted;
            loop.submit(() -> {
                core.engine(restarted);
                core.resends.journals(reopened);
                adoptFaultedAppends(reopened);
                core.journalsReopened(reopened.inputWriter(), reopened.deadLetterWriter());
            }).syncUninterruptibly();
            LOG.info("journals reopened: accepting events again");
        } catch (final RuntimeException ex) {
            LOG.error("reopening the journals failed; restart the server", ex);
        } finally {
            recovering.set(false);
        }
    }

    /**
     * The append that hit the fault can have completed after all: its event is then in the input journal although
     * its client was told JOURNAL_UNAVAILABLE. Its sequence is adopted like any journaled one, so a resend of it is
     * answered from the journals instead of being journaled twice; the pipeline decides it. Event loop only.
     */
    private void adoptFaultedAppends(final Journals reopened) {
        final long lastAppended = core.lastAppendedIndex();
        try (JournalReader reader = reopened.inputReader()) {
            if (lastAppended >= 0 && (!reader.moveToIndex(lastAppended) || !reader.read(new JournalRecord(64)))) {
                return;
            }
            final JournalRecord record = new JournalRecord(64);
            while (reader.read(record)) {
                LOG.warn("the append that failed had completed: tenant {} client {} sequence {} is journaled at index {} " +
                    "and will be decided", record.tenantId, record.clientId, record.clientSequence, Long.toHexString(record.index));
                adopt(core, record);
                core.appended(record.index);
                core.lastIngestNs(record.timeNs);
            }
        }
    }

    /**
     * The SLO evaluator (error budgets, burn rates, {@link SloEvaluator#fastBurn()} for readiness), or null when
     * {@code vigil.slo.enabled} is false.
     */
    public SloEvaluator slo() {
        return slo;
    }

    /** The alerts and their webhook receivers, or null when {@code vigil.alert.enabled} is false. */
    public AlertService alerts() {
        return alerts;
    }

    /** The feature drift monitor ({@code GET /drift}), or null when drift is off (no {@code vigil.drift.reference}). */
    public FeatureDriftMonitor featureDrift() {
        return drift;
    }

    /** The slow-event traces kept ({@code GET /traces/slow}), or null when {@code vigil.trace.enabled} is false. */
    public SlowTraces traces() {
        return traces;
    }

    /** The synthetic prober, or null when {@code vigil.synthetic.interval} is 0. */
    public SyntheticProber prober() {
        return prober;
    }

    /**
     * Feature queries over the running engine's published features (HTTP {@code GET /features/...}, RESP); any
     * thread.
     */
    public FeatureQueries featureQueries() {
        return featureQueries;
    }

    /** Resolves query clients' credentials (HTTP {@code Authorization}, RESP {@code AUTH}) to tenants; any thread. */
    public QueryAuthenticator queryAuthenticator() {
        return queryAuthenticator;
    }

    /** The mirror of the features to an external Redis, or null when {@code vigil.mirror.redis.url} is empty. */
    public RedisMirror mirror() {
        return mirror;
    }

    /** The RESP (Redis protocol) feature server, or null when {@code vigil.resp.enabled} is false. */
    public RespServer resp() {
        return resp;
    }

    /** Per-stage latencies, end to end: the gateway's stages around the running engine's. */
    public ServerLatencies latencies() {
        return latencies;
    }

    /** The gateway's context this server was started with, concluded. */
    public GatewayContext context() {
        return context;
    }

    /** The engine's context this server was started with, concluded. */
    public EngineContext engineContext() {
        return engineContext;
    }

    /** The port the gateway listens on. */
    public int port() {
        return ((InetSocketAddress)serverChannel.localAddress()).getPort();
    }

    public String host() {
        return ((InetSocketAddress)serverChannel.localAddress()).getHostString();
    }

    public Journals journals() {
        return journals;
    }

    public Engine engine() {
        return engine;
    }

    /** Times the gateway paused reading because the pipeline was behind (read on any thread: approximate). */
    public long backpressurePauses() {
        return core.pauses();
    }

    /**
     * Frames the gateway rejected with {@code reason} since start (and, for a close reason such as
     * {@code IDLE_TIMEOUT}, sessions it closed with it); written by the network thread, read on any thread:
     * approximate.
     */
    public long gatewayRejects(final io.vigil.codecs.sbe.RejectReason reason) {
        return core.rejects.count(reason);
    }

    /** Connection errors (exceptions that closed a connection) since start; any thread, approximate. */
    public long connectionErrors() {
        return core.rejects.connectionErrors();
    }

    /**
     * Why the gateway can no longer journal (and so rejects events with JOURNAL_UNAVAILABLE), or null while it can:
     * for health checks and operators. Any thread.
     */
    public String journalProblem() {
        return core.journalProblem();
    }

    /** The live counters of this server ({@code counters.dat} in the data directory). */
    public VigilCounters counters() {
        return counters;
    }

    /** "epoll" or "nio". */
    public String transport() {
        return transport;
    }

    /** Stops accepting, closes every session, lets the pipeline finish what is journaled, closes the journals. */
    @Override
    public void close() {
        try {
            // first: it talks to the gateway like a client
            if (prober != null) {
                prober.close();
            }
            if (resp != null) {
                resp.close();
            }
            if (mirror != null) {
                mirror.close();
            }
            // then: they read the counters and the output journal
            if (alerts != null) {
                alerts.close();
            }
            if (slo != null) {
                slo.close();
            }
            serverChannel.close().syncUninterruptibly();
            // every session stops reading now and ends, once the engine has answered what it journaled, with
            // Logout(SHUTTING_DOWN): a client learns why the connection closes
            loop.submit(() -> {
                for (final SessionHandler connection : core.connections.toArray(new SessionHandler[0])) {
                    connection.shutDown();
                }
            }).syncUninterruptibly();
            engine.close();
            if (drift != null) {
                // after the engine: nothing writes into its ring any more
                drift.close();
            }
            if (traces != null) {
                // after the engine: the last answers' traces are in the ring (or not kept: egress runs until the group stops)
                traces.close();
            }
            loop.submit(() -> {
                core.publishCounters();
                core.input.close();
                core.deadLetters.close();
                core.resends.close();
            }).syncUninterruptibly();
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            core.authenticator.close();
            queryAuthenticator.close();
            journals.close();
            dataDirectory.close();
        }
        LOG.info("stopped");
    }
}

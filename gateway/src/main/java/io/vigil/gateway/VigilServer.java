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
import io.vigil.engine.Engine;
import io.vigil.engine.VigilConfig;
import io.vigil.journal.DataDirectory;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.JournalRepair;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The Vigil server: journals, the engine and the TCP gateway wired together. One event loop thread serves every
 * connection (accept, reads, journal appends, writes), which suits small machines and keeps the input journal
 * single-writer.
 *
 * <p>Start and close from one control thread.
 */
public final class VigilServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VigilServer.class);
    /** Name of the network thread. */
    public static final String IO_THREAD = "vigil-gateway-io";
    private static final long SWEEP_MS = 100;

    private final VigilConfig config;
    private final DataDirectory dataDirectory;
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

    private VigilServer(final VigilConfig config, final boolean repair) throws InterruptedException {
        this.config = config;
        final int maxFrameBytes = config.integer(VigilConfig.MAX_FRAME_BYTES);
        if (maxFrameBytes < io.vigil.codecs.Framing.MIN_FRAME_LENGTH || maxFrameBytes > 64 * 1024) {
            throw new IllegalArgumentException("configuration key " + VigilConfig.MAX_FRAME_BYTES.name() +
                " must be between " + io.vigil.codecs.Framing.MIN_FRAME_LENGTH + " and 65536");
        }
        final long heartbeatNs = config.durationNs(VigilConfig.HEARTBEAT_INTERVAL);
        final int heartbeatMs = (int)Math.max(1, TimeUnit.NANOSECONDS.toMillis(heartbeatNs));
        // checked and locked before anything is written: one writer per data directory
        this.dataDirectory = DataDirectory.acquire(config.path(VigilConfig.DATA_DIR),
            config.size(VigilConfig.DATA_FREE_MIN));
        try {
            final net.openhft.chronicle.queue.RollCycle rollCycle = Journals.rollCycle(config.string(VigilConfig.ROLL_CYCLE));
            // a damaged journal is refused (or repaired when asked) before Chronicle maps a single file of it
            final JournalRepair.Result repaired = JournalRepair.checkAtStart(dataDirectory.path(), rollCycle, repair);
            for (final String action : repaired.actions()) {
                LOG.warn("repair: {}", action);
            }
            setAsideCheckpointsAfter(config, repaired.inputSoundUpTo());
            this.journals = Journals.open(dataDirectory.path(), rollCycle);
        } catch (final RuntimeException ex) {
            dataDirectory.close();
            throw ex;
        }
        this.core = new GatewayCore(maxFrameBytes, heartbeatMs, config.string(VigilConfig.CREDENTIAL),
            journals.inputWriter(), journals.deadLetterWriter(), config.integer(VigilConfig.MAX_CONNECTIONS),
            config.durationNs(VigilConfig.FRAME_TIMEOUT),
            new LogonGuard(config.integer(VigilConfig.LOGON_FAILURES_MAX), config.durationNs(VigilConfig.LOGON_FAILURES_WINDOW)));
        core.resends = new ResendLookup(journals, config.integer(VigilConfig.RESEND_WINDOW),
            // events up to the recovery point were answered before the restart: their answers are in the output journal
            () -> this.engine == null ? RecordHeader.NO_INDEX :
                Math.max(this.engine.completedIndex(), this.engine.recoveredUpToIndex()));
        final long clients = rebuildSequences(journals, core);

        final boolean epoll = Epoll.isAvailable();
        final IoHandlerFactory ioHandler = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        final Class<? extends ServerChannel> channelClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        this.transport = epoll ? "epoll" : "nio";
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(IO_THREAD, true), ioHandler);
        this.loop = group.next();
        this.egress = new Egress(config.integer(VigilConfig.EGRESS_BUFFER_BYTES), loop, core);
        Engine started = null;
        Channel channel = null;
        try {
            started = Engine.start(config, journals, egress);
            this.engine = started;
            final int ringSize = started.ringSize();
            core.backpressure(() -> this.journals.inputExcerptsBetween(this.engine.completedIndex(), core.lastAppendedIndex()),
                ringSize * 3L / 4, ringSize / 4L);
            final int pendingBytes = config.integer(VigilConfig.CLIENT_PENDING_BYTES);
            // set before bind: the network thread sees them through the bind task it runs
            core.latencies = started.latencies();
            egress.latencies(started.latencies());
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
            loop.scheduleAtFixedRate(() -> {
                core.sweep();
                probeJournalRecovery();
            }, SWEEP_MS, SWEEP_MS, TimeUnit.MILLISECONDS);
            channel = bootstrap.bind(new InetSocketAddress(config.string(VigilConfig.BIND_HOST),
                config.integer(VigilConfig.PORT))).sync().channel();
        } catch (final RuntimeException | InterruptedException ex) {
            if (started != null) {
                started.close();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            journals.close();
            dataDirectory.close();
            throw ex;
        }
        this.serverChannel = channel;
        LOG.info("listening on {} ({}), data in {}, {} client sequence marks restored",
            serverChannel.localAddress(), transport, journals.dataDir().toAbsolutePath(), clients);
    }

    /**
     * Checks the data directory and its journals, opens them, starts the engine and binds the gateway; a damaged
     * journal is refused ({@link DataDirectory.DataDirectoryException}).
     */
    public static VigilServer start(final VigilConfig config) throws InterruptedException {
        return new VigilServer(config, false);
    }

    /**
     * Like {@link #start(VigilConfig)}; with {@code repair}, a damaged journal is repaired first: the damaged cycle
     * file is kept in {@code <journal>/damaged/} and the journal truncated to its last sound record
     * ({@link JournalRepair}).
     */
    public static VigilServer start(final VigilConfig config, final boolean repair) throws InterruptedException {
        return new VigilServer(config, repair);
    }

    /**
     * After a repair lost input records, checkpoints of state past the last surviving one no longer follow from the
     * journal (the lost events are in them): they are moved into {@code <checkpoints>/damaged/}, so the engine
     * rebuilds that state from the journal as a replay does.
     */
    private static void setAsideCheckpointsAfter(final VigilConfig config, final long inputSoundUpTo) {
        if (inputSoundUpTo == Long.MAX_VALUE) {
            return;
        }
        final io.vigil.engine.CheckpointStore store = io.vigil.engine.CheckpointStore.from(config);
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

    /** Restores each client's highest journaled sequence, and its resend window, from the input journal. */
    private static long rebuildSequences(final Journals journals, final GatewayCore core) {
        final Sessions sessions = core.sessions;
        final ResendLookup resends = core.resends;
        long clients = 0;
        try (JournalReader reader = journals.inputReader()) {
            final JournalRecord record = new JournalRecord(64);
            while (reader.read(record)) {
                final long last = sessions.lastSequence(record.clientId);
                if (last == 0) {
                    clients++;
                }
                if (record.clientSequence > last) {
                    sessions.lastSequence(record.clientId, record.clientSequence);
                    resends.journaled(record.clientId, record.clientSequence, record.index);
                }
                core.lastIngestNs(record.timeNs);
            }
        }
        return clients;
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
            final Journals reopened = Journals.reopenAfterFailure(config.path(VigilConfig.DATA_DIR),
                Journals.rollCycle(config.string(VigilConfig.ROLL_CYCLE)));
            journals = reopened;
            engine = Engine.start(config, reopened, egress);
            loop.submit(() -> {
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
                LOG.warn("the append that failed had completed: client {} sequence {} is journaled at index {} and " +
                    "will be decided", record.clientId, record.clientSequence, Long.toHexString(record.index));
                if (record.clientSequence > core.sessions.lastSequence(record.clientId)) {
                    core.sessions.lastSequence(record.clientId, record.clientSequence);
                    core.resends.journaled(record.clientId, record.clientSequence, record.index);
                }
                core.appended(record.index);
                core.lastIngestNs(record.timeNs);
            }
        }
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
     * Why the gateway can no longer journal (and so rejects events with JOURNAL_UNAVAILABLE), or null while it can:
     * for health checks and operators. Any thread.
     */
    public String journalProblem() {
        return core.journalProblem();
    }

    /** "epoll" or "nio". */
    public String transport() {
        return transport;
    }

    /** Stops accepting, closes every session, lets the pipeline finish what is journaled, closes the journals. */
    @Override
    public void close() {
        try {
            serverChannel.close().syncUninterruptibly();
            engine.close();
            loop.submit(() -> {
                core.input.close();
                core.deadLetters.close();
                core.resends.close();
            }).syncUninterruptibly();
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            journals.close();
            dataDirectory.close();
        }
        LOG.info("stopped");
    }
}

package io.vigil.perf;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SelectStrategy;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.vigil.journal.JournalWriter;
import io.vigil.journal.Journals;
import io.vigil.scoring.model.OnnxModel;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The raw cost of the parts the engine is built from, each at its best on this machine, measured in this process
 * before the engine starts (never while it runs): a Netty echo round trip on loopback (the gateway's transport, in
 * the client/server set-up with the lowest p99, spinning or not), one Chronicle Queue append of an event-sized
 * record, one Disruptor hop (busy-spinning or blocking, whichever has the lower p99), one ONNX Runtime call on the
 * bundled model at batch 1. Each is a histogram in nanoseconds. Their sum is meant as a lower bound of an event's
 * round trip through the engine; a part that was noisier than the engine in a run breaks that, and the report says
 * so.
 *
 * <p>Spinning takes a core per spinning thread (two at most: the echo's client and server, or the hop's producer
 * and handler, one part at a time): fine for this short phase, also on 2 cores, since {@link #measure} returns only
 * once every thread it started has ended.
 *
 * <p>Not thread-safe; allocates freely (setup), the measured loops do not.
 */
final class Baseline {
    static final String[] PARTS = {"netty echo rtt (best set-up)", "chronicle append", "disruptor hop (best set-up)",
        "onnx run (batch 1)"};
    private static final String THREAD_PREFIX = "vigil-baseline-";
    private static final int PAYLOAD_BYTES = 64;
    private static final long HOP_PACING_NS = 20_000;

    private final int samples;
    private final List<String> notes = new ArrayList<>();

    Baseline(final int samples) {
        this.samples = samples;
    }

    /**
     * All parts, in {@link #PARTS} order, one after the other; returns once the parts' threads have ended, so nothing
     * of the baseline runs beside what is measured next.
     */
    Histogram[] measure(final Path scratchDir) throws Exception {
        final Histogram[] parts = {nettyEcho(), chronicleAppend(scratchDir), disruptorHop(), onnxRun()};
        awaitThreadsEnded(TimeUnit.SECONDS.toNanos(5));
        return parts;
    }

    /** How the parts were measured, where the report should say (one line each). */
    List<String> notes() {
        return notes;
    }

    private static void awaitThreadsEnded(final long timeoutNs) throws InterruptedException {
        final long deadline = System.nanoTime() + timeoutNs;
        for (final Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith(THREAD_PREFIX)) {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                if (thread.isAlive()) {
                    throw new IllegalStateException("baseline thread " + thread.getName() + " still runs: it would " +
                        "compete with the engine measured next");
                }
            }
        }
    }

    private static Histogram histogram() {
        return new Histogram(LoadGenerator.HIGHEST_NS, 3);
    }

    /**
     * Round trips of one 64-byte frame to a Netty echo server on its own event loop, in three set-ups, one after the
     * other: the client spinning on a non-blocking socket against the server's epoll loop busy-waiting
     * ({@code epoll_wait} without a timeout: no wake-up on either side, but two spinning threads), the spinning
     * client against a server blocking in {@code epoll_wait} as the gateway does, and a blocking client against it.
     * The part is the set-up with the lowest p99: on an idle machine both sides spinning is fastest, while on a loaded
     * 2-core machine a spinning thread can delay the other side's wake-up more than it saves. (Without epoll: an NIO
     * server blocking in {@code select}, and both clients.)
     */
    Histogram nettyEcho() throws InterruptedException, IOException {
        final boolean epoll = Epoll.isAvailable();
        final String[] names = {"both spinning", "client spinning, server blocking", "both blocking"};
        final Histogram[] runs = {epoll ? nettyEcho(true, true) : null, nettyEcho(false, true), nettyEcho(false, false)};
        return best(epoll ? "netty echo set-ups (epoll server)" : "netty echo set-ups (NIO server, no epoll)", names, runs);
    }

    /** The set-up with the lowest p99 among {@code runs} (nulls skipped), with a note giving each one's figures. */
    private Histogram best(final String part, final String[] names, final Histogram[] runs) {
        int best = -1;
        final StringBuilder note = new StringBuilder(part).append(", p50/p99/p99.9 us:");
        for (int i = 0; i < runs.length; i++) {
            if (runs[i] == null) {
                continue;
            }
            if (best < 0 || runs[i].getValueAtPercentile(99) < runs[best].getValueAtPercentile(99)) {
                best = i;
            }
            note.append(String.format(Locale.ROOT, " %s %.2f/%.2f/%.2f;", names[i], us(runs[i].getValueAtPercentile(50)),
                us(runs[i].getValueAtPercentile(99)), us(runs[i].getValueAtPercentile(99.9))));
        }
        notes.add(note.append(" the part is '").append(names[best]).append("' (lowest p99)").toString());
        return runs[best];
    }

    private Histogram nettyEcho(final boolean busyWaitServer, final boolean spinningClient)
        throws InterruptedException, IOException {
        final boolean epoll = Epoll.isAvailable();
        final IoHandlerFactory io = !epoll ? NioIoHandler.newFactory() : busyWaitServer ?
            EpollIoHandler.newFactory(0, () -> (selectSupplier, hasTasks) -> SelectStrategy.BUSY_WAIT) :
            EpollIoHandler.newFactory();
        final Class<? extends ServerChannel> channelClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(THREAD_PREFIX + "echo", true), io);
        try {
            final Channel server = new ServerBootstrap().group(group).channel(channelClass)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(final SocketChannel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
                                ctx.writeAndFlush((ByteBuf)msg, ctx.voidPromise());
                            }
                        });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            final Histogram h = histogram();
            try (java.nio.channels.SocketChannel client = java.nio.channels.SocketChannel.open()) {
                client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                client.connect(server.localAddress());
                client.configureBlocking(!spinningClient);
                final ByteBuffer out = ByteBuffer.allocateDirect(PAYLOAD_BYTES);
                final ByteBuffer in = ByteBuffer.allocateDirect(PAYLOAD_BYTES);
                final int warmup = samples / 4;
                for (int i = 0; i < warmup + samples; i++) {
                    final long t0 = System.nanoTime();
                    out.clear();
                    while (out.hasRemaining()) {
                        if (client.write(out) == 0) {
                            Thread.onSpinWait();
                        }
                    }
                    in.clear();
                    while (in.hasRemaining()) {
                        final int n = client.read(in);
                        if (n < 0) {
                            throw new IOException("echo server closed the connection");
                        }
                        if (n == 0) {
                            Thread.onSpinWait();
                        }
                    }
                    if (i >= warmup) {
                        h.recordValue(Math.min(System.nanoTime() - t0, h.getHighestTrackableValue()));
                    }
                }
            } finally {
                server.close().sync();
            }
            return h;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** One journal append of a 64-byte payload with Vigil's record header, through {@link JournalWriter}. */
    Histogram chronicleAppend(final Path scratchDir) throws IOException {
        final Path dir = Files.createTempDirectory(scratchDir, "baseline-journal");
        final Histogram h = histogram();
        try (Journals journals = Journals.open(dir, Journals.rollCycle("FAST_HOURLY"))) {
            final JournalWriter writer = journals.inputWriter();
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[PAYLOAD_BYTES]);
            final int warmup = samples;
            for (int i = 0; i < warmup + samples * 4; i++) {
                final long t0 = System.nanoTime();
                writer.append(t0, 1, 1, i, -1, 1, 1, 0, payload, 0, PAYLOAD_BYTES);
                final long t1 = System.nanoTime();
                if (i >= warmup) {
                    h.recordValue(Math.min(t1 - t0, h.getHighestTrackableValue()));
                }
            }
            writer.close();
        } finally {
            deleteTree(dir);
        }
        return h;
    }

    /**
     * One slot published to a Disruptor and seen by its handler thread, in two set-ups: a busy-spinning handler with
     * a spinning producer, and a blocking handler ({@link BlockingWaitStrategy}) with a producer that yields and
     * parks; the part is the one with the lower p99 (spinning wins on an idle machine; with more runnable threads
     * than cores, a spinner is often off its core when the slot comes, and a woken thread gets there sooner).
     * Either way the producer publishes the next slot only after the handler has seen the previous one, and ~20 us
     * later, so the handler is always waiting for it: this is the hop's latency, never time queued behind earlier
     * slots (open loop, a handler descheduled by the OS delayed every slot published meanwhile, which put the median
     * in milliseconds on a busy 2-core machine).
     */
    Histogram disruptorHop() {
        return best("disruptor hop set-ups", new String[] {"busy-spin", "blocking"},
            new Histogram[] {disruptorHop(true), disruptorHop(false)});
    }

    private Histogram disruptorHop(final boolean spin) {
        final Histogram h = histogram();
        final int warmup = samples / 4;
        final int total = warmup + samples;
        final Sequence seen = new Sequence(-1);
        final Disruptor<long[]> disruptor = new Disruptor<>(() -> new long[1], 1024,
            new DefaultThreadFactory(THREAD_PREFIX + "hop", true), ProducerType.SINGLE,
            spin ? new BusySpinWaitStrategy() : new BlockingWaitStrategy());
        final EventHandler<long[]> handler = (event, sequence, endOfBatch) -> {
            final long now = System.nanoTime();
            if (sequence >= warmup) {
                h.recordValue(Math.min(Math.max(0, now - event[0]), h.getHighestTrackableValue()));
            }
            seen.set(sequence);
        };
        disruptor.handleEventsWith(handler);
        final RingBuffer<long[]> ring = disruptor.start();
        for (int i = 0; i < total; i++) {
            final long sequence = ring.next();
            ring.get(sequence)[0] = System.nanoTime();
            ring.publish(sequence);
            while (seen.get() < sequence) {
                if (spin) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            if (spin) {
                final long until = System.nanoTime() + HOP_PACING_NS;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            } else {
                LockSupport.parkNanos(HOP_PACING_NS);
            }
        }
        disruptor.shutdown();
        return h;
    }

    /** One call of the bundled model on one row. */
    Histogram onnxRun() {
        final Histogram h = histogram();
        try (OnnxModel model = OnnxModel.loadDefault(64)) {
            final float[] scores = new float[model.maxBatch()];
            for (int i = 0; i < model.width(); i++) {
                model.input().put(i, 0.5f);
            }
            final int warmup = samples / 4;
            for (int i = 0; i < warmup + samples; i++) {
                final long t0 = System.nanoTime();
                model.run(1, scores);
                final long t1 = System.nanoTime();
                if (i >= warmup) {
                    h.recordValue(Math.min(t1 - t0, h.getHighestTrackableValue()));
                }
            }
        }
        return h;
    }

    /**
     * The baseline block of the report: each part's p50, p99 and p99.9, their sums, the engine's end-to-end figures
     * and the ratios engine / sum. A part whose p99 is above the engine's corrected p99 was noisier than the engine
     * (the machine's, not the part's, doing): a WARNING line names it, and each ratio whose sum is not a lower bound
     * this run says so.
     */
    static String report(final Histogram[] parts, final List<String> notes, final Histogram corrected,
        final Histogram uncorrected) {
        final double[] percentiles = {50, 99, 99.9};
        final double[] sums = new double[percentiles.length];
        final StringBuilder sb = new StringBuilder(
            "baseline: the parts on this machine, each at its best, same run, before the engine, microseconds\n");
        sb.append("  part                               p50       p99     p99.9   count\n");
        for (int i = 0; i < parts.length; i++) {
            sb.append(String.format(Locale.ROOT, "  %-30s", PARTS[i]));
            for (int p = 0; p < percentiles.length; p++) {
                final double us = us(parts[i].getValueAtPercentile(percentiles[p]));
                sums[p] += us;
                sb.append(String.format(Locale.ROOT, " %9.2f", us));
            }
            sb.append(String.format(Locale.ROOT, " %,7d%n", parts[i].getTotalCount()));
        }
        final double[] engine = new double[percentiles.length];
        final double[] engineUncorrected = new double[percentiles.length];
        for (int p = 0; p < percentiles.length; p++) {
            engine[p] = us(corrected.getValueAtPercentile(percentiles[p]));
            engineUncorrected[p] = us(uncorrected.getValueAtPercentile(percentiles[p]));
        }
        for (final String note : notes) {
            sb.append("  (").append(note).append(")\n");
        }
        sb.append(String.format(Locale.ROOT, "  %-30s %9.2f %9.2f %9.2f%n", "sum of parts", sums[0], sums[1], sums[2]));
        sb.append(String.format(Locale.ROOT, "  %-30s %9.2f %9.2f %9.2f%n", "engine end to end, corrected",
            engine[0], engine[1], engine[2]));
        sb.append(String.format(Locale.ROOT, "  %-30s %9.2f %9.2f %9.2f%n", "engine end to end, uncorrected",
            engineUncorrected[0], engineUncorrected[1], engineUncorrected[2]));
        boolean noisyPart = false;
        for (int i = 0; i < parts.length; i++) {
            final double partP99 = us(parts[i].getValueAtPercentile(99));
            if (noisierThanEngine(partP99, engine[1])) {
                noisyPart = true;
                sb.append(String.format(Locale.ROOT, "WARNING: baseline part '%s' has p99 %.2f us, above the engine's " +
                    "corrected p99 %.2f us: it was noisier than the engine this run, so the sum of parts is not a lower " +
                    "bound (the machine was busy while it ran; rerun)%n", PARTS[i], partP99, engine[1]));
            }
        }
        for (int p = 0; p < percentiles.length; p++) {
            if (!(p == 1 && noisyPart) && !isLowerBound(sums[p], engine[p])) {
                sb.append(String.format(Locale.ROOT, "WARNING: the sum of parts at p%s (%.2f us) is above the engine's " +
                    "corrected p%s (%.2f us): not a lower bound this run%n",
                    label(percentiles[p]), sums[p], label(percentiles[p]), engine[p]));
            }
        }
        sb.append("headline ratio (engine corrected / sum of parts):");
        for (int p = 0; p < percentiles.length; p++) {
            final boolean bound = isLowerBound(sums[p], engine[p]) && !(p == 1 && noisyPart);
            sb.append(String.format(Locale.ROOT, "%s p%s %.2fx%s", p == 0 ? "" : ",", label(percentiles[p]),
                ratio(engine[p], sums[p]), bound ? "" : " (NOT a lower bound this run, see WARNING)"));
        }
        sb.append(String.format(Locale.ROOT, "  (uncorrected: p50 %.2fx, p99 %.2fx, p99.9 %.2fx)%n",
            ratio(engineUncorrected[0], sums[0]), ratio(engineUncorrected[1], sums[1]), ratio(engineUncorrected[2], sums[2])));
        return sb.toString();
    }

    /** Whether a part's p99 is above the engine's: the part was noisier than the engine (values in one unit). */
    static boolean noisierThanEngine(final double partP99, final double engineP99) {
        return partP99 > engineP99;
    }

    /** Whether the sum of the parts at a percentile is at most the engine's there: a lower bound, as meant. */
    static boolean isLowerBound(final double sumOfParts, final double engine) {
        return sumOfParts <= engine;
    }

    /** Engine over sum of parts; NaN when the sum is 0. */
    static double ratio(final double engine, final double sumOfParts) {
        return sumOfParts > 0 ? engine / sumOfParts : Double.NaN;
    }

    private static String label(final double percentile) {
        return percentile == Math.rint(percentile) ? Long.toString((long)percentile) : Double.toString(percentile);
    }

    private static double us(final long ns) {
        return ns / 1000.0;
    }

    static void deleteTree(final Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (final IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            });
        } catch (final IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}

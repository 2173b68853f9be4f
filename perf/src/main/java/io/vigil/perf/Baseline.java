package io.vigil.perf;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
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
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.vigil.engine.WaitStrategies;
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
import java.util.concurrent.TimeUnit;

/**
 * The raw cost of the parts the engine is built from, measured on this machine, in this process, right before or
 * after the engine itself: a Netty echo round trip on loopback (the gateway's transport, the bench's blocking
 * client), one Chronicle Queue append of an event-sized record, one Disruptor hop with the engine's wait strategy,
 * one ONNX Runtime call on the bundled model at batch 1. Each is a histogram in nanoseconds.
 *
 * <p>Not thread-safe; allocates freely (setup), the measured loops do not.
 */
final class Baseline {
    static final String[] PARTS = {"netty echo rtt", "chronicle append", "disruptor hop", "onnx run (batch 1)"};
    private static final int PAYLOAD_BYTES = 64;

    private final String waitStrategy;
    private final int samples;

    Baseline(final String waitStrategy, final int samples) {
        this.waitStrategy = waitStrategy;
        this.samples = samples;
    }

    /** All parts, in {@link #PARTS} order. */
    Histogram[] measure(final Path scratchDir) throws Exception {
        return new Histogram[] {nettyEcho(), chronicleAppend(scratchDir), disruptorHop(), onnxRun()};
    }

    private static Histogram histogram() {
        return new Histogram(LoadGenerator.HIGHEST_NS, 3);
    }

    /** Round trips of one 64-byte frame: blocking NIO client, Netty echo server on its own event loop. */
    Histogram nettyEcho() throws InterruptedException, IOException {
        final boolean epoll = Epoll.isAvailable();
        final IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        final Class<? extends ServerChannel> channelClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("vigil-baseline-echo", true), io);
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
                final ByteBuffer out = ByteBuffer.allocateDirect(PAYLOAD_BYTES);
                final ByteBuffer in = ByteBuffer.allocateDirect(PAYLOAD_BYTES);
                final int warmup = samples / 4;
                for (int i = 0; i < warmup + samples; i++) {
                    final long t0 = System.nanoTime();
                    out.clear();
                    while (out.hasRemaining()) {
                        client.write(out);
                    }
                    in.clear();
                    while (in.hasRemaining()) {
                        if (client.read(in) < 0) {
                            throw new IOException("echo server closed the connection");
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

    /** One slot published to a Disruptor and seen by its handler thread, producer paced every ~20 us. */
    Histogram disruptorHop() throws InterruptedException {
        final Histogram h = histogram();
        final int warmup = samples / 4;
        final int total = warmup + samples;
        final long[] seen = new long[1];
        final Disruptor<long[]> disruptor = new Disruptor<>(() -> new long[1], 1024,
            new DefaultThreadFactory("vigil-baseline-hop", true), ProducerType.SINGLE,
            WaitStrategies.waitStrategy(waitStrategy));
        final EventHandler<long[]> handler = (event, sequence, endOfBatch) -> {
            final long now = System.nanoTime();
            if (sequence >= warmup) {
                h.recordValue(Math.min(Math.max(0, now - event[0]), h.getHighestTrackableValue()));
            }
            seen[0] = sequence;
        };
        disruptor.handleEventsWith(handler);
        final RingBuffer<long[]> ring = disruptor.start();
        for (int i = 0; i < total; i++) {
            final long sequence = ring.next();
            ring.get(sequence)[0] = System.nanoTime();
            ring.publish(sequence);
            final long until = System.nanoTime() + 20_000;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
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

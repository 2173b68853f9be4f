package io.vigil.gateway.mirror;

import io.vigil.scoring.features.SingleWriterFeatureTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.exceptions.JedisDataException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Mirrors the published features to an external Redis, so that readers that already speak to a Redis cache see
 * Vigil's values there, and keeps that cache coherent: a key's hash is written only if its event index is newer than
 * the one Redis holds, by a Lua check-and-set ({@link #SCRIPT}), so a late, retried or replayed write (a mirror
 * restarted, a batch re-sent after a lost connection) never overwrites a newer value.
 *
 * <p>One thread of its own ({@value #THREAD}), never the pipeline's: it walks the published table's slots, compares
 * each key's publication count with the one it last wrote (one read per key, nothing on the pipeline's side) and
 * writes the changed keys in pipelined batches of {@code vigil.mirror.batch.keys} ({@code EVALSHA} each). A key is
 * marked written only once its batch was acknowledged; after a failure the connection is dropped, and the next pass
 * (after a pause) reconnects and writes again whatever is not acknowledged. A new mirror (a restart) starts by writing
 * every key once. Keys: {@code <vigil.mirror.key.prefix><tenant>:<entity-type>:<id>}; fields: the feature names, plus
 * {@code _feature_set}, {@code _feature_set_hash}, {@code _event_index}, {@code _event_time_ns} (as the RESP server
 * answers {@code HGETALL}).
 *
 * <p>Thread-safe to start and close from one control thread; the counters from any thread. Allocates per write
 * (its own thread only).
 */
public final class RedisMirror implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisMirror.class);
    /** Name of the mirror's thread. */
    public static final String THREAD = "vigil-mirror";
    /**
     * The check-and-set: KEYS[1] the hash, ARGV[1] the event index (decimal, no leading zeros), ARGV[2..] field,
     * value pairs. Writes (replacing the hash's fields) and answers 1 when Redis holds no index or an older one;
     * answers 0 and writes nothing otherwise. Indexes are compared as decimal strings (length, then text), exact for
     * every 64-bit index, where Lua's numbers would round beyond 2^53.
     */
    public static final String SCRIPT =
        "local cur = redis.call('HGET', KEYS[1], '_event_index')\n" +
        "if cur and (#cur > #ARGV[1] or (#cur == #ARGV[1] and cur >= ARGV[1])) then return 0 end\n" +
        "redis.call('HSET', KEYS[1], '_event_index', unpack(ARGV))\n" +
        "return 1\n";

    private final MirrorContext context;
    private final Supplier<SingleWriterFeatureTable> tables;
    private final String entityType;
    private final Thread thread;
    private volatile boolean running = true;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong keptNewer = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong passes = new AtomicLong();
    private volatile long behind;

    private Jedis jedis;
    private String sha;
    private SingleWriterFeatureTable table;
    private long[] seen = new long[1024];

    private RedisMirror(final MirrorContext context, final Supplier<SingleWriterFeatureTable> tables, final String entityType) {
        this.context = context;
        this.tables = tables;
        this.entityType = entityType;
        this.thread = new Thread(this::run, THREAD);
        thread.setDaemon(true);
    }

    /**
     * Starts mirroring the table {@code tables} supplies (asked again on every pass: a restarted engine has a new one)
     * to the Redis {@code context} names; {@code context} is concluded here and must be enabled.
     */
    public static RedisMirror start(final MirrorContext context, final Supplier<SingleWriterFeatureTable> tables,
        final String entityType) {
        context.conclude();
        if (!context.enabled()) {
            throw new IllegalArgumentException(MirrorConfiguration.REDIS_URL.name() + " is empty: no Redis to mirror to");
        }
        final RedisMirror mirror = new RedisMirror(context, tables, entityType);
        mirror.thread.start();
        LOG.info("mirroring the {} features to {}:{} (keys {}<tenant>:{}:<id>)", entityType,
            context.redisUrl().getHost(), context.redisUrl().getPort(), context.keyPrefix(), entityType);
        return mirror;
    }

    /** Hashes written to Redis since start (each newer than what Redis held). */
    public long written() {
        return written.get();
    }

    /** Writes Redis refused because it held the key at a newer (or the same) event index. */
    public long keptNewer() {
        return keptNewer.get();
    }

    /** Failed round trips (connection lost, Redis errors) since start. */
    public long failures() {
        return failures.get();
    }

    /** Passes over the keys completed since start. */
    public long passes() {
        return passes.get();
    }

    /** Keys changed but not yet acknowledged by Redis, as of the last pass. */
    public long behind() {
        return behind;
    }

    private void run() {
        final long intervalNs = context.intervalNs();
        final long reconnectNs = Math.max(TimeUnit.SECONDS.toNanos(1), intervalNs * 100);
        while (running) {
            try {
                final int wrote = pass();
                passes.incrementAndGet();
                if (wrote == 0) {
                    LockSupport.parkNanos(intervalNs);
                }
            } catch (final RuntimeException ex) {
                failures.incrementAndGet();
                if (Long.bitCount(failures.get()) == 1) {
                    LOG.warn("mirroring features to {}:{} failed ({} failures so far); retrying: {}",
                        context.redisUrl().getHost(), context.redisUrl().getPort(), failures.get(), ex.toString());
                }
                disconnect();
                LockSupport.parkNanos(reconnectNs);
            }
        }
        disconnect();
    }

    /** One walk over every key: writes the changed ones. @return keys written (or refused as older). */
    private int pass() {
        final SingleWriterFeatureTable current = tables.get();
        if (current == null) {
            return 0; // serving is off: nothing is published
        }
        if (current != table) {
            table = current;
            Arrays.fill(seen, 0); // another table (a restarted engine): every key once more
        }
        final long size = current.size();
        if (size > seen.length) {
            seen = Arrays.copyOf(seen, (int)Math.min(Integer.MAX_VALUE - 8, Math.max(size, seen.length * 2L)));
        }
        final SingleWriterFeatureTable.View view = current.newView();
        final int batchKeys = context.batchKeys();
        final List<long[]> batch = new ArrayList<>(batchKeys);
        Pipeline pipeline = null;
        int wrote = 0;
        long changed = 0;
        for (long slot = 0; slot < size && running; slot++) {
            if (current.publications(slot) == seen[(int)slot]) {
                continue;
            }
            changed++;
            current.readSlot(slot, view);
            if (pipeline == null) {
                pipeline = connection().pipelined();
            }
            pipeline.evalsha(sha, List.of(key(view)), arguments(current, view));
            batch.add(new long[] {slot, view.publications()});
            if (batch.size() == batchKeys) {
                wrote += acknowledge(pipeline, batch);
                changed -= batch.size();
                batch.clear();
                pipeline = null;
            }
        }
        if (pipeline != null) {
            wrote += acknowledge(pipeline, batch);
            changed -= batch.size();
        }
        behind = changed;
        return wrote;
    }

    private int acknowledge(final Pipeline pipeline, final List<long[]> batch) {
        final List<Object> results = pipeline.syncAndReturnAll();
        for (int i = 0; i < results.size(); i++) {
            final Object result = results.get(i);
            if (result instanceof JedisDataException) {
                throw (JedisDataException)result;
            }
            if (Long.valueOf(1).equals(result)) {
                written.incrementAndGet();
            } else {
                keptNewer.incrementAndGet();
            }
            final long[] entry = batch.get(i);
            seen[(int)entry[0]] = entry[1];
        }
        return results.size();
    }

    private String key(final SingleWriterFeatureTable.View view) {
        return context.keyPrefix() + Integer.toUnsignedString(view.tenant()) + ":" + entityType + ":" +
            Long.toUnsignedString(view.key());
    }

    private static List<String> arguments(final SingleWriterFeatureTable table, final SingleWriterFeatureTable.View view) {
        final List<String> args = new ArrayList<>(2 * table.width() + 7);
        args.add(Long.toString(view.eventIndex()));
        for (int i = 0; i < table.width(); i++) {
            args.add(table.names().get(i));
            args.add(Float.toString(view.value(i)));
        }
        args.add("_feature_set");
        args.add(table.version());
        args.add("_feature_set_hash");
        args.add(table.hash());
        args.add("_event_time_ns");
        args.add(Long.toString(view.eventTimeNs()));
        return args;
    }

    private Jedis connection() {
        if (jedis == null) {
            final Jedis connected = new Jedis(context.redisUrl());
            try {
                sha = connected.scriptLoad(SCRIPT);
            } catch (final RuntimeException ex) {
                connected.close();
                throw ex;
            }
            jedis = connected;
        }
        return jedis;
    }

    private void disconnect() {
        if (jedis != null) {
            try {
                jedis.close();
            } catch (final RuntimeException ignored) {
                // closing a broken connection
            }
            jedis = null;
        }
    }

    /** Stops the thread (it finishes the round trip in flight) and closes the connection. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (final InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}

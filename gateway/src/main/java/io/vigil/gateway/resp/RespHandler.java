package io.vigil.gateway.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.InlineCommandRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.util.ReferenceCountUtil;
import io.vigil.gateway.QueryAuthenticator;
import io.vigil.gateway.features.FeatureQueries;
import io.vigil.scoring.features.SingleWriterFeatureTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One RESP connection: runs each decoded command and writes its reply; replies to a batch of pipelined commands go
 * out in one write. Keys are {@code <entity-type>:<id>} ({@code account:42}) and read in the connection's tenant
 * only, which {@code AUTH} (or {@code HELLO ... AUTH}) sets from a credential; before that, data commands are answered
 * {@code -NOAUTH}. The commands (see docs/feature-serving.md):
 *
 * <ul>
 * <li>data: {@code HGETALL key}, {@code HMGET key field...}, {@code HGET key field}, {@code HEXISTS}, {@code HLEN},
 * {@code HKEYS}, {@code HVALS}, {@code EXISTS key...}, {@code TYPE key}, {@code GET key} (a JSON object of all the
 * key's features) and {@code GET key:feature} (one value). A key's hash holds its features by name, plus
 * {@value #FEATURE_SET}, {@value #FEATURE_SET_HASH}, {@value #EVENT_INDEX} and {@value #EVENT_TIME};</li>
 * <li>connection: {@code PING}, {@code ECHO}, {@code HELLO [2|3] [AUTH user pass] [SETNAME name]}, {@code AUTH},
 * {@code SELECT 0}, {@code CLIENT SETNAME|GETNAME|SETINFO|ID}, {@code QUIT}, {@code RESET};</li>
 * <li>introspection: {@code INFO}, {@code COMMAND}, {@code COMMAND COUNT|DOCS|INFO|LIST}, {@code CONFIG GET}
 * (answers nothing);</li>
 * <li>every write command: {@code -READONLY}; anything else: {@code -ERR unknown command}.</li>
 * </ul>
 *
 * <p>Not thread-safe: one per connection, on the RESP thread. Allocates per command (the argument copies and the
 * reply text; control plane, off the event path).
 */
final class RespHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(RespHandler.class);
    /** Hash field of the feature set's version. */
    static final String FEATURE_SET = "_feature_set";
    /** The feature set's content hash (lineage: what a model trained on these values must declare). */
    static final String FEATURE_SET_HASH = "_feature_set_hash";
    /** Hash field of the input journal index of the event the values reflect. */
    static final String EVENT_INDEX = "_event_index";
    /** Hash field of the event time (ns since the epoch) of that event. */
    static final String EVENT_TIME = "_event_time_ns";
    /** The fields of every key's hash after its features, in this order. */
    private static final String[] META_FIELDS = {FEATURE_SET, FEATURE_SET_HASH, EVENT_INDEX, EVENT_TIME};
    /** Version that {@code HELLO} and {@code INFO} give: the Redis version whose commands these replies follow. */
    static final String REDIS_VERSION = "7.0.0";
    private static final int MAX_QUEUED_WHILE_AUTHENTICATING = 1024;

    /** Commands that change data in Redis: refused, Vigil's features change only through events. */
    static final Set<String> WRITES = Set.of("SET", "SETNX", "SETEX", "PSETEX", "MSET", "MSETNX", "APPEND", "INCR",
        "INCRBY", "INCRBYFLOAT", "DECR", "DECRBY", "GETSET", "GETDEL", "GETEX", "SETRANGE", "SETBIT", "DEL", "UNLINK",
        "EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT", "PERSIST", "RENAME", "RENAMENX", "COPY", "MOVE", "RESTORE",
        "HSET", "HSETNX", "HMSET", "HDEL", "HINCRBY", "HINCRBYFLOAT", "LPUSH", "RPUSH", "LPUSHX", "RPUSHX", "LPOP",
        "RPOP", "LSET", "LINSERT", "LREM", "LTRIM", "LMOVE", "RPOPLPUSH", "SADD", "SREM", "SPOP", "SMOVE", "ZADD",
        "ZREM", "ZINCRBY", "ZPOPMIN", "ZPOPMAX", "XADD", "XDEL", "XTRIM", "PFADD", "PFMERGE", "GEOADD", "FLUSHDB",
        "FLUSHALL", "SWAPDB", "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FUNCTION", "SCRIPT", "MULTI", "EXEC");

    /** The commands answered, with their arity as COMMAND reports it (negative: at least that many). */
    static final Map<String, Integer> COMMANDS = Map.ofEntries(
        Map.entry("hgetall", 2), Map.entry("hmget", -3), Map.entry("hget", 3), Map.entry("hexists", 3),
        Map.entry("hlen", 2), Map.entry("hkeys", 2), Map.entry("hvals", 2), Map.entry("exists", -2),
        Map.entry("type", 2), Map.entry("get", 2), Map.entry("ping", -1), Map.entry("echo", 2),
        Map.entry("hello", -1), Map.entry("auth", -2), Map.entry("select", 2), Map.entry("client", -2),
        Map.entry("quit", -1), Map.entry("reset", 1), Map.entry("info", -1), Map.entry("command", -1),
        Map.entry("config", -2));

    private final FeatureQueries queries;
    private final QueryAuthenticator authenticator;
    private final long clientId;
    private final AtomicLong commands;
    private final RespWriter writer = new RespWriter();
    private final ArrayDeque<List<String>> queued = new ArrayDeque<>();
    private ByteBuf out;
    /** The table of the last key read, and the view its values were read into (reused). */
    private SingleWriterFeatureTable viewTable;
    private SingleWriterFeatureTable.View view;
    /** The authenticated tenant (unsigned int in a long), or -1. */
    private long tenant = -1;
    private String clientName;
    private boolean authenticating;
    private boolean closing;

    RespHandler(final FeatureQueries queries, final QueryAuthenticator authenticator, final long clientId,
        final AtomicLong commands) {
        this.queries = queries;
        this.authenticator = authenticator;
        this.clientId = clientId;
        this.commands = commands;
    }

    /** Writes one error reply and closes the connection (bad framing, oversized input). */
    static void refuseAndClose(final ChannelHandlerContext ctx, final String error) {
        final ByteBuf buffer = ctx.alloc().buffer();
        new RespWriter().into(buffer).error(error);
        ctx.writeAndFlush(buffer).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
        final List<String> args;
        try {
            args = arguments((RedisMessage)msg);
        } finally {
            ReferenceCountUtil.release(msg);
        }
        if (closing) {
            return;
        }
        if (args == null) {
            closing = true;
            flush(ctx);
            refuseAndClose(ctx, "ERR Protocol error: a command is an array of bulk strings or an inline line");
            return;
        }
        if (args.isEmpty()) {
            return; // an empty inline line, as Redis ignores it
        }
        if (authenticating) {
            queued.add(args);
            if (queued.size() > MAX_QUEUED_WHILE_AUTHENTICATING) {
                closing = true;
                refuseAndClose(ctx, "ERR too many commands pipelined behind AUTH");
            }
            return;
        }
        execute(ctx, args);
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx) {
        flush(ctx);
    }

    @Override
    public void channelWritabilityChanged(final ChannelHandlerContext ctx) {
        updateAutoRead(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    private void updateAutoRead(final ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(ctx.channel().isWritable() && !authenticating);
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
        LOG.debug("RESP connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        if (closing || !ctx.channel().isActive()) {
            ctx.close();
            return;
        }
        closing = true;
        flush(ctx);
        final Throwable root = cause.getCause() != null ? cause.getCause() : cause;
        refuseAndClose(ctx, "ERR Protocol error: " + root.getMessage());
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) {
        if (out != null) {
            out.release();
            out = null;
        }
        ctx.fireChannelInactive();
    }

    private void flush(final ChannelHandlerContext ctx) {
        if (out != null) {
            final ByteBuf batch = out;
            out = null;
            if (batch.isReadable()) {
                ctx.writeAndFlush(batch);
            } else {
                batch.release();
            }
        }
    }

    private RespWriter reply(final ChannelHandlerContext ctx) {
        if (out == null) {
            out = ctx.alloc().buffer(512);
        }
        return writer.into(out);
    }

    /** The command's arguments as text, or null when the message is not a command. */
    private static List<String> arguments(final RedisMessage msg) {
        if (msg instanceof InlineCommandRedisMessage) {
            final String line = ((InlineCommandRedisMessage)msg).content().strip();
            final List<String> args = new ArrayList<>();
            for (final String word : line.split("\\s+")) {
                if (!word.isEmpty()) {
                    args.add(word);
                }
            }
            return args;
        }
        if (!(msg instanceof ArrayRedisMessage) || ((ArrayRedisMessage)msg).isNull()) {
            return null;
        }
        final List<RedisMessage> children = ((ArrayRedisMessage)msg).children();
        final List<String> args = new ArrayList<>(children.size());
        for (final RedisMessage child : children) {
            if (!(child instanceof FullBulkStringRedisMessage) || ((FullBulkStringRedisMessage)child).isNull()) {
                return null;
            }
            args.add(((FullBulkStringRedisMessage)child).content().toString(StandardCharsets.UTF_8));
        }
        return args;
    }

    private void execute(final ChannelHandlerContext ctx, final List<String> args) {
        commands.incrementAndGet();
        final String command = args.get(0).toUpperCase(Locale.ROOT);
        final RespWriter r = reply(ctx);
        final Integer arity = COMMANDS.get(command.toLowerCase(Locale.ROOT));
        if (arity != null && (arity > 0 ? args.size() != arity : args.size() < -arity)) {
            r.error("ERR wrong number of arguments for '" + command.toLowerCase(Locale.ROOT) + "' command");
            return;
        }
        switch (command) {
            case "PING":
                if (args.size() > 2) {
                    r.error("ERR wrong number of arguments for 'ping' command");
                } else if (args.size() == 2) {
                    r.bulk(args.get(1));
                } else {
                    r.simple("PONG");
                }
                return;
            case "ECHO":
                r.bulk(args.get(1));
                return;
            case "QUIT":
                r.simple("OK");
                closing = true;
                flush(ctx);
                ctx.close();
                return;
            case "RESET":
                tenant = -1;
                clientName = null;
                r.protocol(2);
                r.simple("RESET");
                return;
            case "AUTH":
                if (args.size() > 3) {
                    r.error("ERR syntax error");
                    return;
                }
                authenticate(ctx, args.size() == 3 ? args.get(1) : null, args.get(args.size() - 1), () -> reply(ctx).simple("OK"));
                return;
            case "HELLO":
                hello(ctx, args);
                return;
            case "SELECT":
                if ("0".equals(args.get(1))) {
                    r.simple("OK");
                } else {
                    r.error("ERR DB index is out of range");
                }
                return;
            case "CLIENT":
                client(r, args);
                return;
            case "COMMAND":
                command(r, args);
                return;
            case "CONFIG":
                if ("GET".equalsIgnoreCase(args.get(1))) {
                    r.map(0);
                } else {
                    r.error("ERR CONFIG " + args.get(1) + " is not supported: the server is Vigil's read-only feature store");
                }
                return;
            default:
                break;
        }
        if (WRITES.contains(command)) {
            r.error("READONLY Vigil serves features read-only: they change only through the events it decides");
            return;
        }
        if (arity == null) {
            r.error(unknown(args));
            return;
        }
        if (tenant < 0) {
            r.error("NOAUTH Authentication required.");
            return;
        }
        try {
            data(r, command, args);
        } catch (final FeatureQueries.BadQueryException ex) {
            r.error("ERR " + ex.getMessage());
        }
    }

    private static String unknown(final List<String> args) {
        final StringBuilder text = new StringBuilder("ERR unknown command '").append(abbreviate(args.get(0)))
            .append("', with args beginning with: ");
        for (int i = 1; i < args.size() && i <= 4; i++) {
            text.append('\'').append(abbreviate(args.get(i))).append("' ");
        }
        return text.toString();
    }

    private static String abbreviate(final String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }

    private void data(final RespWriter r, final String command, final List<String> args) {
        final int tenantId = (int)tenant;
        switch (command) {
            case "HGETALL": {
                if (!read(tenantId, args.get(1))) {
                    r.map(0);
                    return;
                }
                final SingleWriterFeatureTable t = viewTable;
                r.map(t.width() + META_FIELDS.length);
                for (int i = 0; i < t.width(); i++) {
                    r.bulk(t.names().get(i)).bulkAscii(Float.toString(view.value(i)));
                }
                r.bulkAscii(FEATURE_SET).bulk(t.version());
                r.bulkAscii(FEATURE_SET_HASH).bulkAscii(t.hash());
                r.bulkAscii(EVENT_INDEX).bulkAscii(Long.toString(view.eventIndex()));
                r.bulkAscii(EVENT_TIME).bulkAscii(Long.toString(view.eventTimeNs()));
                return;
            }
            case "HMGET": {
                final boolean found = read(tenantId, args.get(1));
                r.array(args.size() - 2);
                for (int i = 2; i < args.size(); i++) {
                    field(r, found, args.get(i));
                }
                return;
            }
            case "HGET":
                field(r, read(tenantId, args.get(1)), args.get(2));
                return;
            case "HEXISTS":
                r.integer(read(tenantId, args.get(1)) && fieldValue(args.get(2)) != null ? 1 : 0);
                return;
            case "HLEN":
                r.integer(read(tenantId, args.get(1)) ? viewTable.width() + META_FIELDS.length : 0);
                return;
            case "HKEYS":
            case "HVALS": {
                if (!read(tenantId, args.get(1))) {
                    r.array(0);
                    return;
                }
                final SingleWriterFeatureTable t = viewTable;
                r.array(t.width() + META_FIELDS.length);
                final boolean keys = command.equals("HKEYS");
                for (int i = 0; i < t.width(); i++) {
                    r.bulk(keys ? t.names().get(i) : Float.toString(view.value(i)));
                }
                for (final String meta : META_FIELDS) {
                    r.bulk(keys ? meta : fieldValue(meta));
                }
                return;
            }
            case "EXISTS": {
                long count = 0;
                for (int i = 1; i < args.size(); i++) {
                    final String[] key = splitKey(args.get(i), false);
                    if (queries.exists(tenantId, key[0], key[1])) {
                        count++;
                    }
                }
                r.integer(count);
                return;
            }
            case "TYPE": {
                final String[] key = splitKey(args.get(1), false);
                r.simple(queries.exists(tenantId, key[0], key[1]) ? "hash" : "none");
                return;
            }
            case "GET": {
                final String[] key = splitKey(args.get(1), true);
                if (key[2] != null) {
                    field(r, read(tenantId, key[0] + ":" + key[1]), key[2]);
                    return;
                }
                final FeatureQueries.Features f = queries.find(tenantId, key[0], key[1]);
                if (f == null) {
                    r.nil();
                } else {
                    r.bulk(json(f));
                }
                return;
            }
            case "INFO":
                r.bulk(info());
                return;
            default:
                r.error(unknown(args));
        }
    }

    /**
     * Reads {@code key}'s latest values into {@link #view} (of {@link #viewTable}), reused from one command to the
     * next. @return false when the key has none in the tenant.
     */
    private boolean read(final int tenantId, final String key) {
        final String[] parts = splitKey(key, false);
        final SingleWriterFeatureTable t = queries.table(parts[0]);
        final long id = FeatureQueries.parseKey(parts[1]);
        if (t != viewTable) {
            viewTable = t;
            view = t.newView();
        }
        return t.read(tenantId, id, view);
    }

    /**
     * {@code type:id} (or, with {@code feature}, also {@code type:id:name}) as {type, id, name or null}.
     */
    private static String[] splitKey(final String key, final boolean feature) {
        final int first = key.indexOf(':');
        if (first <= 0) {
            throw badKey(key);
        }
        final int second = key.indexOf(':', first + 1);
        if (second < 0) {
            return new String[] {key.substring(0, first), key.substring(first + 1), null};
        }
        if (!feature) {
            throw badKey(key);
        }
        return new String[] {key.substring(0, first), key.substring(first + 1, second), key.substring(second + 1)};
    }

    /** A key that is not {@code <entity-type>:<id>}. */
    private static FeatureQueries.BadQueryException badKey(final String key) {
        return new FeatureQueries.BadQueryException("bad key '" + abbreviate(key) +
            "': keys are <entity-type>:<id>, e.g. account:42", false);
    }

    private void field(final RespWriter r, final boolean found, final String name) {
        final String value = found ? fieldValue(name) : null;
        if (value == null) {
            r.nil();
        } else {
            r.bulk(value);
        }
    }

    /** Field {@code name} of the key just {@link #read}, as text, or null. */
    private String fieldValue(final String name) {
        final int index = viewTable.indexOf(name);
        if (index >= 0) {
            return Float.toString(view.value(index));
        }
        switch (name) {
            case FEATURE_SET:
                return viewTable.version();
            case FEATURE_SET_HASH:
                return viewTable.hash();
            case EVENT_INDEX:
                return Long.toString(view.eventIndex());
            case EVENT_TIME:
                return Long.toString(view.eventTimeNs());
            default:
                return null;
        }
    }

    private static String json(final FeatureQueries.Features f) {
        try {
            return Json.MAPPER.writeValueAsString(f.toJson());
        } catch (final com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** Jackson, shared (thread-safe once configured). */
    private static final class Json {
        static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = new com.fasterxml.jackson.databind.ObjectMapper();
    }

    private void hello(final ChannelHandlerContext ctx, final List<String> args) {
        int protocol = writer.protocol();
        int i = 1;
        if (args.size() > 1) {
            try {
                protocol = Integer.parseInt(args.get(1));
            } catch (final NumberFormatException ex) {
                reply(ctx).error("ERR Protocol version is not an integer or out of range");
                return;
            }
            if (protocol != 2 && protocol != 3) {
                reply(ctx).error("NOPROTO unsupported protocol version");
                return;
            }
            i = 2;
        }
        String user = null;
        String password = null;
        String name = null;
        while (i < args.size()) {
            final String option = args.get(i).toUpperCase(Locale.ROOT);
            if (option.equals("AUTH") && i + 2 < args.size()) {
                user = args.get(i + 1);
                password = args.get(i + 2);
                i += 3;
            } else if (option.equals("SETNAME") && i + 1 < args.size()) {
                name = args.get(i + 1);
                i += 2;
            } else {
                reply(ctx).error("ERR Syntax error in HELLO option '" + abbreviate(args.get(i)) + "'");
                return;
            }
        }
        final int version = protocol;
        final String setName = name;
        final Runnable answer = () -> {
            writer.protocol(version);
            if (setName != null) {
                clientName = setName;
            }
            final RespWriter r = reply(ctx);
            r.map(7);
            r.bulkAscii("server").bulkAscii("vigil");
            r.bulkAscii("version").bulkAscii(REDIS_VERSION);
            r.bulkAscii("proto").integer(version);
            r.bulkAscii("id").integer(clientId);
            r.bulkAscii("mode").bulkAscii("standalone");
            r.bulkAscii("role").bulkAscii("master");
            r.bulkAscii("modules").array(0);
        };
        if (password != null) {
            authenticate(ctx, user, password, answer);
        } else {
            answer.run();
        }
    }

    /**
     * Resolves the credential to a tenant; on success runs {@code then} (which writes the reply), on failure replies
     * {@code -WRONGPASS}. A credentials-file derivation runs off this thread: the connection reads nothing meanwhile
     * and the commands already received wait, in order.
     */
    private void authenticate(final ChannelHandlerContext ctx, final String user, final String password, final Runnable then) {
        final String client = authenticator.needsClientId() ? user : null;
        final CompletableFuture<Long> result = authenticator.tenantOfAsync(client, password);
        if (result.isDone()) {
            authenticated(ctx, result.join(), then);
            return;
        }
        authenticating = true;
        updateAutoRead(ctx);
        result.whenComplete((resolved, failure) -> ctx.executor().execute(() -> {
            authenticating = false;
            if (!ctx.channel().isActive()) {
                queued.clear();
                return;
            }
            authenticated(ctx, failure != null || resolved == null ? QueryAuthenticator.REFUSED : resolved, then);
            while (!authenticating && !closing && !queued.isEmpty()) {
                execute(ctx, queued.poll());
            }
            flush(ctx);
            updateAutoRead(ctx);
        }));
    }

    private void authenticated(final ChannelHandlerContext ctx, final long resolved, final Runnable then) {
        if (resolved < 0) {
            reply(ctx).error("WRONGPASS invalid username-password pair or user is disabled.");
            return;
        }
        tenant = resolved;
        then.run();
    }

    private void client(final RespWriter r, final List<String> args) {
        final String sub = args.get(1).toUpperCase(Locale.ROOT);
        switch (sub) {
            case "SETNAME":
                if (args.size() != 3) {
                    r.error("ERR wrong number of arguments for 'client|setname' command");
                    return;
                }
                clientName = args.get(2);
                r.simple("OK");
                return;
            case "GETNAME":
                if (clientName == null) {
                    r.nil();
                } else {
                    r.bulk(clientName);
                }
                return;
            case "SETINFO":
                if (args.size() != 4) {
                    r.error("ERR wrong number of arguments for 'client|setinfo' command");
                    return;
                }
                r.simple("OK");
                return;
            case "ID":
                r.integer(clientId);
                return;
            default:
                r.error("ERR unknown subcommand '" + abbreviate(args.get(1)) + "'. Try CLIENT HELP.");
        }
    }

    private void command(final RespWriter r, final List<String> args) {
        if (args.size() == 1) {
            r.array(COMMANDS.size());
            for (final String name : new java.util.TreeSet<>(COMMANDS.keySet())) {
                commandInfo(r, name);
            }
            return;
        }
        final String sub = args.get(1).toUpperCase(Locale.ROOT);
        switch (sub) {
            case "COUNT":
                r.integer(COMMANDS.size());
                return;
            case "LIST":
                r.array(COMMANDS.size());
                for (final String name : new java.util.TreeSet<>(COMMANDS.keySet())) {
                    r.bulkAscii(name);
                }
                return;
            case "INFO": {
                r.array(args.size() - 2);
                for (int i = 2; i < args.size(); i++) {
                    final String name = args.get(i).toLowerCase(Locale.ROOT);
                    if (COMMANDS.containsKey(name)) {
                        commandInfo(r, name);
                    } else {
                        r.nil();
                    }
                }
                return;
            }
            case "DOCS": {
                final List<String> names = new ArrayList<>();
                if (args.size() == 2) {
                    names.addAll(new java.util.TreeSet<>(COMMANDS.keySet()));
                } else {
                    for (int i = 2; i < args.size(); i++) {
                        final String name = args.get(i).toLowerCase(Locale.ROOT);
                        if (COMMANDS.containsKey(name)) {
                            names.add(name);
                        }
                    }
                }
                r.map(names.size());
                for (final String name : names) {
                    r.bulkAscii(name);
                    r.map(3);
                    r.bulkAscii("summary").bulk(summary(name));
                    r.bulkAscii("since").bulkAscii("1.0.0");
                    r.bulkAscii("group").bulkAscii(name.startsWith("h") && !name.equals("hello") ? "hash" :
                        name.equals("get") ? "string" : name.equals("exists") || name.equals("type") ? "generic" :
                        name.equals("info") || name.equals("command") || name.equals("config") ? "server" : "connection");
                }
                return;
            }
            default:
                r.error("ERR unknown subcommand '" + abbreviate(args.get(1)) + "'. Try COMMAND HELP.");
        }
    }

    /** Classic COMMAND reply: name, arity, flags, first key, last key, step. */
    private static void commandInfo(final RespWriter r, final String name) {
        final int arity = COMMANDS.get(name);
        final boolean keyed = name.startsWith("h") && !name.equals("hello") || name.equals("get") ||
            name.equals("exists") || name.equals("type");
        r.array(6);
        r.bulkAscii(name);
        r.integer(arity);
        r.array(keyed ? 2 : 1);
        if (keyed) {
            r.simple("readonly").simple("fast");
        } else {
            r.simple("fast");
        }
        r.integer(keyed ? 1 : 0);
        r.integer(keyed ? (name.equals("exists") ? -1 : 1) : 0);
        r.integer(keyed ? 1 : 0);
    }

    private static String summary(final String name) {
        switch (name) {
            case "hgetall":
                return "Every feature of an entity (account:<id>), with the feature set and the event index they reflect";
            case "hmget":
                return "Some features of an entity by name";
            case "hget":
                return "One feature of an entity";
            case "get":
                return "GET account:<id>: all features as JSON; GET account:<id>:<feature>: one value";
            case "exists":
                return "How many of the entities have features";
            default:
                return "As in Redis (Vigil's read-only feature server)";
        }
    }

    private String info() {
        final StringBuilder text = new StringBuilder();
        text.append("# Server\r\n");
        text.append("redis_version:").append(REDIS_VERSION).append("\r\n");
        text.append("server_name:vigil\r\n");
        text.append("redis_mode:standalone\r\n");
        text.append("vigil_feature_store:read-only\r\n");
        text.append("# Clients\r\n");
        text.append("client_name:").append(clientName == null ? "" : clientName).append("\r\n");
        text.append("# Features\r\n");
        for (final String type : new java.util.TreeSet<>(queries.entityTypes())) {
            try {
                final SingleWriterFeatureTable table = queries.table(type);
                text.append(type).append("_feature_set:").append(table.version()).append("\r\n");
                text.append(type).append("_features:").append(table.width()).append("\r\n");
            } catch (final FeatureQueries.BadQueryException ex) {
                text.append(type).append("_feature_set:off\r\n");
            }
        }
        text.append("# Keyspace\r\n");
        return text.toString();
    }
}

package io.vigil.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.vigil.codecs.FrameValidator;
import io.vigil.codecs.Framing;
import io.vigil.codecs.sbe.HeartbeatDecoder;
import io.vigil.codecs.sbe.HeartbeatEncoder;
import io.vigil.codecs.sbe.LogonAckEncoder;
import io.vigil.codecs.sbe.LogonDecoder;
import io.vigil.codecs.sbe.LogoutDecoder;
import io.vigil.codecs.sbe.LogoutEncoder;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.codecs.sbe.RejectEncoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.engine.EpochClock;
import io.vigil.journal.JournalWriter;
import io.vigil.journal.RecordHeader;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * One TCP connection: splits the byte stream into SOFH frames in place (no object per frame), enforces the session
 * rules, journals each accepted event before anything else and rejects everything else with a reason.
 *
 * <p>Identity: the session's tenant is its credential's, checked by {@link Authenticator}; sequences, resends and
 * answers are those of its (tenant, client id), and a newer Logon of the same pair replaces this session. A Logon
 * checked against a credentials file is verified off this thread; until it is decided the connection reads nothing
 * more, and bytes already read behind the Logon wait in the cumulation buffer.
 *
 * <p>It keeps its own cumulation buffer (at most one partial frame survives a read, or, while a Logon is being
 * verified, what the read loop in progress brought in) so that pausing reads for backpressure really stops reading. Runs on the gateway's one event loop thread, like every other connection, so
 * the shared {@link GatewayCore} needs no locks. Allocation per frame: none but the pooled buffer each outgoing
 * frame is written into.
 */
final class SessionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(SessionHandler.class);
    /** Longest wait, once a close is decided, for answers to events already journaled on the connection. */
    static final long DRAIN_TIMEOUT_NS = 5_000_000_000L;
    /** Longest wait, after the server's last byte, for the client to close its side. */
    static final long LINGER_NS = 2_000_000_000L;

    private final GatewayCore core;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer target = new UnsafeBuffer(0, 0);
    private final byte[] copy;
    private ChannelHandlerContext ctx;
    private long sessionId;
    private long clientId;
    private int tenantId;
    /** State of (tenant, client) once logged on: sequence mark and current session. */
    private Sessions.Client client;
    private boolean loggedOn;
    /** The session of the built-in synthetic prober: its events are journaled as {@link RecordHeader#SOURCE_SYNTHETIC}. */
    private boolean synthetic;
    /** A Logon is being verified off the network thread: nothing more is read or handled until it is decided. */
    private boolean logonPending;
    private boolean closing;
    private boolean closed;
    private boolean logoutWhenDrained;
    /** Logout.reason of the server's Logout: 0 when the client asked, else the RejectReason value of why not. */
    private int logoutReason = Framing.LOGOUT_NORMAL;
    private long closingSinceNs;
    /** Set by every write, cleared by the sweep: the network thread reads no clock per write. */
    private boolean wroteSinceHeartbeatCheck;
    private long lastWriteSeenNs = System.nanoTime();
    /** Events journaled on this connection whose answers have not been written yet. */
    private long pendingAnswers;
    private boolean dirty;
    private ByteBuf cumulation;
    private long partialSinceNs;
    /** System.nanoTime() when the frame being handled was found in the read buffer (stage latencies). */
    private long frameNs;

    SessionHandler(final GatewayCore core) {
        this.core = core;
        this.copy = new byte[core.maxFrameBytes];
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(final ChannelHandlerContext ctx) throws Exception {
        if (core.connections.size() >= core.maxConnections) {
            core.rejects.record(RejectReason.TOO_MANY_CONNECTIONS);
            if (core.rejects.shouldLog(RejectReason.TOO_MANY_CONNECTIONS, System.nanoTime())) {
                LOG.warn("connection from {} refused: {} connections open", ctx.channel().remoteAddress(), core.connections.size());
            }
            sendReject(0, RejectReason.TOO_MANY_CONNECTIONS, 0);
            closeAfterFlush();
            return;
        }
        core.connections.add(this);
        updateAutoRead();
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
        final ByteBuf in = (ByteBuf)msg;
        try {
            if (closing) {
                return;
            }
            if (cumulation == null || !cumulation.isReadable()) {
                process(in);
                if (in.isReadable() && !closing) {
                    if (cumulation == null) {
                        cumulation = ctx.alloc().directBuffer(Math.max(2 * core.maxFrameBytes, in.readableBytes()));
                    }
                    cumulation.clear().writeBytes(in);
                }
            } else {
                cumulation.writeBytes(in);
                process(cumulation);
                cumulation.discardReadBytes();
            }
        } finally {
            in.release();
        }
        // checked per read, not per read loop: a read loop can take in many times the ring's worth of frames
        core.checkBackpressure();
    }

    /** Handles every whole frame readable in {@code in}; leaves a partial frame unread. */
    private void process(final ByteBuf in) {
        while (!closing && !logonPending) {
            final int readable = in.readableBytes();
            if (readable == 0) {
                partialSinceNs = 0;
                return;
            }
            final int viewLength = wrap(in, readable);
            final int result = FrameValidator.frameLength(view, 0, viewLength, core.maxFrameBytes);
            if (result == FrameValidator.NEED_MORE) {
                if (partialSinceNs == 0) {
                    partialSinceNs = System.nanoTime();
                }
                return;
            }
            if (result < 0) {
                final RejectReason reason = RejectReason.get(-result);
                if (core.rejects.shouldLog(reason, System.nanoTime())) {
                    LOG.warn("session {} from {}: broken framing ({}), closing", sessionId, ctx.channel().remoteAddress(), reason);
                }
                reject(view, 0, Math.min(viewLength, core.maxFrameBytes), 0, reason, 0);
                in.skipBytes(readable);
                closeAfterFlush();
                return;
            }
            frameNs = System.nanoTime();
            onFrame(view, 0, result);
            in.skipBytes(result);
            partialSinceNs = 0;
        }
        if (closing) {
            in.skipBytes(in.readableBytes());
        }
    }

    /**
     * Called by the gateway's sweep (every 100 ms): sends a Heartbeat when nothing was written for a heartbeat
     * interval, rejects and closes a connection whose frame stayed incomplete too long, and ends drains and lingers
     * that outlast their bounds.
     */
    void checkFrameTimeout(final long nowNs) {
        if (wroteSinceHeartbeatCheck) {
            wroteSinceHeartbeatCheck = false;
            lastWriteSeenNs = nowNs;
        } else if (loggedOn && !closing && nowNs - lastWriteSeenNs >= core.heartbeatIntervalMs * 1_000_000L) {
            sendHeartbeat(EpochClock.nowNs());
            flushNow();
            wroteSinceHeartbeatCheck = false;
            lastWriteSeenNs = nowNs;
        }
        if (closed) {
            return;
        }
        if (closing) {
            if (!closed && nowNs - closingSinceNs > DRAIN_TIMEOUT_NS) {
                LOG.warn("session {}: {} answers still pending {} ms after close was requested; closing anyway",
                    sessionId, pendingAnswers, DRAIN_TIMEOUT_NS / 1_000_000);
                finishClose();
            }
            return;
        }
        if (partialSinceNs == 0 || nowNs - partialSinceNs < core.frameTimeoutNs) {
            return;
        }
        if (core.rejects.shouldLog(RejectReason.FRAME_TIMEOUT, nowNs)) {
            LOG.warn("session {} from {}: a frame stayed incomplete for longer than {} ms, closing", sessionId,
                ctx.channel().remoteAddress(), core.frameTimeoutNs / 1_000_000);
        }
        rejectPartialFrame();
    }

    /** Rejects the incomplete frame waiting in the cumulation buffer with FRAME_TIMEOUT (dead-lettered), and closes. */
    private void rejectPartialFrame() {
        final ByteBuf partial = cumulation;
        if (partial != null && partial.isReadable()) {
            final int viewLength = wrap(partial, partial.readableBytes());
            reject(view, 0, Math.min(viewLength, core.maxFrameBytes), 0, RejectReason.FRAME_TIMEOUT, 0);
            partial.clear();
        } else {
            reject(view, 0, 0, 0, RejectReason.FRAME_TIMEOUT, 0);
        }
        closeAfterFlush();
    }

    /** Reads from this connection only while the pipeline keeps up and the client consumes its answers. */
    void updateAutoRead() {
        if (!closed) {
            ctx.channel().config().setAutoRead(!closing && !logonPending && !core.readingPaused() && ctx.channel().isWritable());
        }
    }

    @Override
    public void channelWritabilityChanged(final ChannelHandlerContext ctx) throws Exception {
        updateAutoRead();
        super.channelWritabilityChanged(ctx);
    }

    private int wrap(final ByteBuf in, final int readable) {
        if (in.hasMemoryAddress()) {
            view.wrap(in.memoryAddress() + in.readerIndex(), readable);
            return readable;
        }
        if (in.hasArray()) {
            view.wrap(in.array(), in.arrayOffset() + in.readerIndex(), readable);
            return readable;
        }
        final int length = Math.min(readable, copy.length);
        in.getBytes(in.readerIndex(), copy, 0, length);
        view.wrap(copy, 0, length);
        return length;
    }

    private void onFrame(final DirectBuffer buffer, final int offset, final int length) {
        final RejectReason invalid = FrameValidator.validateMessage(buffer, offset, length);
        final int templateId = FrameValidator.templateId(buffer, offset);
        if (invalid != null) {
            reject(buffer, offset, length, 0, invalid, invalid == RejectReason.UNKNOWN_SCHEMA ? 0 : templateId);
            return;
        }
        final int messageOffset = offset + Framing.SOFH_LENGTH;
        final int messageLength = length - Framing.SOFH_LENGTH;
        final MessageHeaderDecoder header = core.headerDecoder.wrap(buffer, messageOffset);
        switch (templateId) {
            case TransactionDecoder.TEMPLATE_ID: {
                final long sequence = core.transactionDecoder.wrapAndApplyHeader(buffer, messageOffset, header).clientSequence();
                onEvent(buffer, offset, length, messageOffset, messageLength, templateId, sequence);
                break;
            }
            case MetricSampleDecoder.TEMPLATE_ID: {
                final long sequence = core.metricDecoder.wrapAndApplyHeader(buffer, messageOffset, header).clientSequence();
                onEvent(buffer, offset, length, messageOffset, messageLength, templateId, sequence);
                break;
            }
            case LogonDecoder.TEMPLATE_ID:
                onLogon(buffer, offset, length, core.logonDecoder.wrapAndApplyHeader(buffer, messageOffset, header));
                break;
            case HeartbeatDecoder.TEMPLATE_ID:
            case LogoutDecoder.TEMPLATE_ID:
                if (!loggedOn) {
                    reject(buffer, offset, length, 0, RejectReason.NOT_LOGGED_ON, templateId);
                } else if (templateId == LogoutDecoder.TEMPLATE_ID) {
                    logoutWhenDrained = true;
                    closeAfterFlush();
                } else {
                    sendHeartbeat(core.heartbeatDecoder.wrapAndApplyHeader(buffer, messageOffset, header).timestampNs());
                }
                break;
            default:
                reject(buffer, offset, length, 0, RejectReason.UNEXPECTED_MESSAGE, templateId);
        }
    }

    private void onLogon(final DirectBuffer buffer, final int offset, final int length, final LogonDecoder logon) {
        // what goes to the dead-letter journal: the Logon frame without its secret
        final int credentialAt = logon.offset() + LogonDecoder.credentialEncodingOffset();
        final UnsafeBuffer blanked = new UnsafeBuffer(new byte[length]);
        blanked.putBytes(0, buffer, offset, length);
        blanked.setMemory(credentialAt - offset, LogonDecoder.credentialLength(), (byte)0);
        if (loggedOn) {
            reject(blanked, 0, length, 0, RejectReason.ALREADY_LOGGED_ON, LogonDecoder.TEMPLATE_ID);
            return;
        }
        final InetAddress address = remoteAddress();
        if (core.logonGuard.refused(address, System.nanoTime())) {
            if (core.rejects.shouldLog(RejectReason.TOO_MANY_LOGON_FAILURES, System.nanoTime())) {
                LOG.warn("logon from {} refused: too many failed logons", ctx.channel().remoteAddress());
            }
            reject(blanked, 0, length, 0, RejectReason.TOO_MANY_LOGON_FAILURES, LogonDecoder.TEMPLATE_ID);
            closeAfterFlush();
            return;
        }
        final byte[] secret = new byte[LogonDecoder.credentialLength()];
        buffer.getBytes(credentialAt, secret);
        final int claimedTenant = (int)logon.tenantId();
        final long claimedClient = logon.clientId();
        if (core.authenticator.inline() || claimedTenant == Authenticator.SYNTHETIC_TENANT) {
            completeLogon(core.authenticator.verify(secret, claimedTenant, claimedClient), claimedTenant, claimedClient,
                blanked, address);
            return;
        }
        // PBKDF2 takes milliseconds: verified on the authenticator's thread, decided back on this one
        logonPending = true;
        updateAutoRead();
        final boolean submitted = core.authenticator.verifyAsync(secret, claimedTenant, claimedClient, result -> {
            try {
                ctx.executor().execute(() -> onLogonVerified(result, claimedTenant, claimedClient, blanked, address));
            } catch (final java.util.concurrent.RejectedExecutionException ex) {
                // the gateway is shutting down: the connection goes with it
            }
        });
        if (!submitted) {
            logonPending = false;
            completeLogon(Authenticator.BAD_CREDENTIAL, claimedTenant, claimedClient, blanked, address);
        }
    }

    /** On the event loop, once the authenticator has decided a Logon; then handles what was read meanwhile. */
    private void onLogonVerified(final long result, final int claimedTenant, final long claimedClient,
        final UnsafeBuffer blanked, final InetAddress address) {
        logonPending = false;
        if (closing) {
            return;
        }
        completeLogon(result, claimedTenant, claimedClient, blanked, address);
        if (!closing && cumulation != null && cumulation.isReadable()) {
            process(cumulation);
            cumulation.discardReadBytes();
        }
        updateAutoRead();
        core.sessions.flushDirty();
        core.checkBackpressure();
    }

    /**
     * Accepts or refuses a verified Logon. The session's tenant is the credential's ({@code result}), never the
     * claim; a logged-on session of the same (tenant, client) is replaced: told so by a Logout and closed.
     */
    private void completeLogon(final long result, final int claimedTenant, final long claimedClient,
        final UnsafeBuffer blanked, final InetAddress address) {
        if (result < 0) {
            core.logonGuard.failed(address, System.nanoTime());
            final RejectReason reason = result == Authenticator.TENANT_MISMATCH ? RejectReason.TENANT_MISMATCH : RejectReason.BAD_CREDENTIAL;
            if (core.rejects.shouldLog(reason, System.nanoTime())) {
                if (reason == RejectReason.TENANT_MISMATCH) {
                    LOG.warn("logon from {} of client {} claims tenant {}, not its credential's: closing",
                        ctx.channel().remoteAddress(), Long.toUnsignedString(claimedClient),
                        Integer.toUnsignedString(claimedTenant));
                } else {
                    LOG.warn("logon from {} with a wrong credential, closing", ctx.channel().remoteAddress());
                }
            }
            reject(blanked, 0, blanked.capacity(), 0, reason, LogonDecoder.TEMPLATE_ID);
            closeAfterFlush();
            return;
        }
        loggedOn = true;
        tenantId = (int)result;
        // only the internal credential logs on as this tenant (Authenticator.verify): a client cannot claim it
        synthetic = tenantId == Authenticator.SYNTHETIC_TENANT;
        clientId = claimedClient;
        client = core.sessions.client(tenantId, clientId);
        sessionId = core.sessions.newSessionId();
        final SessionHandler replaced = core.sessions.add(sessionId, this, client);
        LOG.info("session {} logged on: client {} tenant {} from {}", sessionId, Long.toUnsignedString(clientId),
            Integer.toUnsignedString(tenantId), ctx.channel().remoteAddress());
        if (replaced != null) {
            // before the LogonAck: the older session reads nothing more, so lastJournaledSequence below is final
            replaced.replacedBy(sessionId);
        }
        final LogonAckEncoder ack = core.logonAckEncoder.wrapAndApplyHeader(core.out, Framing.SOFH_LENGTH, core.headerEncoder)
            .sessionId(sessionId)
            .lastJournaledSequence(client.lastSequence)
            .heartbeatIntervalMs(core.heartbeatIntervalMs)
            .maxFrameBytes(core.maxFrameBytes);
        send(MessageHeaderEncoder.ENCODED_LENGTH + ack.encodedLength());
    }

    /**
     * A newer session of the same (tenant, client) logged on: this one stops reading, hands the answers still due to
     * it over to the newer one (see {@link Egress}), then sends {@code Logout(reason = LOGOUT_SESSION_REPLACED)} and
     * closes.
     */
    void replacedBy(final long newerSessionId) {
        if (closing) {
            return;
        }
        LOG.info("session {} (client {} tenant {}) replaced by session {} of the same client: closing it", sessionId,
            Long.toUnsignedString(clientId), Integer.toUnsignedString(tenantId), newerSessionId);
        closeWithLogout(RejectReason.SESSION_REPLACED);
    }

    private void onEvent(final DirectBuffer buffer, final int offset, final int length, final int messageOffset,
        final int messageLength, final int templateId, final long sequence) {
        if (!loggedOn) {
            reject(buffer, offset, length, sequence, RejectReason.NOT_LOGGED_ON, templateId);
            return;
        }
        if (sequence < 0) {
            // 2^63 or above as the uint64 it is on the wire: outside the sequences a client may use (1 ... 2^63 - 1),
            // refused as such rather than taken for a regression (or, compared unsigned, for a jump that would leave
            // the client id no sequence to continue with)
            reject(buffer, offset, length, sequence, RejectReason.SEQUENCE_OUT_OF_RANGE, templateId);
            return;
        }
        if (sequence <= client.lastSequence) {
            onResend(buffer, offset, length, sequence, templateId);
            return;
        }
        final long ingestNs = core.ingestTimeNs();
        final long index = core.input.append(ingestNs, sessionId, clientId, sequence, RecordHeader.NO_INDEX,
            tenantId, templateId, synthetic ? RecordHeader.SOURCE_SYNTHETIC : 0, buffer, messageOffset, messageLength);
        if (index == JournalWriter.FAILED) {
            core.journalFailure(core.input);
            reject(buffer, offset, length, sequence, RejectReason.JOURNAL_UNAVAILABLE, templateId);
            return;
        }
        if (core.latencies != null || core.traces != null) {
            final long ingestNanoTime = EpochClock.toNanoTime(ingestNs);
            final long appendedNs = System.nanoTime();
            if (core.latencies != null) {
                core.latencies.recordIngest(frameNs, ingestNanoTime, appendedNs);
            }
            if (core.traces != null) {
                core.traces.ingested(index, ingestNanoTime - frameNs, appendedNs - ingestNanoTime);
            }
        }
        client.lastSequence = sequence;
        core.resends.journaled(tenantId, clientId, sequence, index);
        core.appended(index);
        pendingAnswers++;
    }

    /**
     * An event whose sequence is at or below the client's last journaled one: never journaled again. If its answer
     * is in the output journal it is sent again as recorded; if the event is journaled but not answered yet, its
     * answer will come from the pipeline (to this session, the client's current one); otherwise (a sequence that was
     * never journaled) it is rejected with SEQUENCE_NOT_INCREASING as before.
     */
    private void onResend(final DirectBuffer buffer, final int offset, final int length, final long sequence,
        final int templateId) {
        switch (core.resends.find(tenantId, clientId, sequence)) {
            case ResendLookup.ANSWERED:
                sendAnswer(core.resends.answer(), 0, core.resends.answerLength());
                break;
            case ResendLookup.IN_FLIGHT:
                // the original's one answer is on its way (counted when it was journaled) and answers both
                break;
            default:
                reject(buffer, offset, length, sequence, RejectReason.SEQUENCE_NOT_INCREASING, templateId);
        }
    }

    /** State of the (tenant, client) this session logged on as; null before Logon. */
    Sessions.Client client() {
        return client;
    }

    private void reject(final DirectBuffer buffer, final int offset, final int length, final long sequence,
        final RejectReason reason, final int templateId) {
        core.rejects.record(reason);
        final long dlqIndex = core.deadLetters.append(EpochClock.nowNs(), sessionId, clientId, sequence, RecordHeader.NO_INDEX,
            tenantId, reason.value(), RecordHeader.SOURCE_GATEWAY, buffer, offset, length);
        if (dlqIndex == JournalWriter.FAILED) {
            core.journalFailure(core.deadLetters);
        }
        sendReject(sequence, reason, templateId);
    }

    /** Sends a Reject that refers to no journaled event. */
    private void sendReject(final long sequence, final RejectReason reason, final int templateId) {
        core.countReject(reason);
        final RejectEncoder reject = core.rejectEncoder.wrapAndApplyHeader(core.out, Framing.SOFH_LENGTH, core.headerEncoder)
            .clientSequence(sequence)
            .reason(reason)
            .journalIndex(RecordHeader.NO_INDEX)
            .refTemplateId(templateId);
        send(MessageHeaderEncoder.ENCODED_LENGTH + reject.encodedLength());
    }

    private void sendHeartbeat(final long timestampNs) {
        final HeartbeatEncoder heartbeat = core.heartbeatEncoder.wrapAndApplyHeader(core.out, Framing.SOFH_LENGTH, core.headerEncoder)
            .timestampNs(timestampNs);
        send(MessageHeaderEncoder.ENCODED_LENGTH + heartbeat.encodedLength());
    }

    /** Sends the message encoded in {@code core.out} after room for the SOFH; flushed at the end of the read. */
    private void send(final int messageLength) {
        final int frameLength = Framing.writeSofh(core.out, 0, messageLength);
        final ByteBuf buf = ctx.alloc().directBuffer(frameLength);
        buf.writeBytes(core.out.byteArray(), 0, frameLength);
        ctx.write(buf, ctx.voidPromise());
        markDirty();
    }

    /** Sends an answer from the pipeline; called by {@link Egress} on the event loop. */
    void sendAnswer(final DirectBuffer message, final int offset, final int length) {
        if (closed || !ctx.channel().isActive()) {
            return;
        }
        final int frameLength = Framing.SOFH_LENGTH + length;
        final ByteBuf buf = ctx.alloc().directBuffer(frameLength);
        buf.writeInt(frameLength);
        buf.writeShort(Framing.SBE_LE_ENCODING_TYPE);
        final int writerIndex = buf.writerIndex();
        if (buf.hasMemoryAddress()) {
            target.wrap(buf.memoryAddress() + writerIndex, length);
            message.getBytes(offset, target, 0, length);
        } else {
            for (int i = 0; i < length; i++) {
                buf.setByte(writerIndex + i, message.getByte(offset + i));
            }
        }
        buf.writerIndex(writerIndex + length);
        ctx.write(buf, ctx.voidPromise());
        markDirty();
    }

    /** An answer to an event of this connection went to the client's newer session instead. */
    void answerTakenElsewhere() {
        if (--pendingAnswers <= 0 && closing) {
            finishClose();
        }
    }

    /** Delivers the pipeline's answer to an event journaled on this connection; called by {@link Egress}. */
    void deliverAnswer(final DirectBuffer message, final int offset, final int length) {
        sendAnswer(message, offset, length);
        if (--pendingAnswers <= 0 && closing) {
            finishClose();
        }
    }

    private InetAddress remoteAddress() {
        final java.net.SocketAddress remote = ctx.channel().remoteAddress();
        return remote instanceof InetSocketAddress ? ((InetSocketAddress)remote).getAddress() : null;
    }

    private void markDirty() {
        wroteSinceHeartbeatCheck = true;
        if (!dirty) {
            dirty = true;
            core.sessions.markDirty(this);
        }
    }

    void flushNow() {
        dirty = false;
        ctx.flush();
    }

    /**
     * Stops reading and closes once every event journaled on this connection has been answered (at most
     * {@link #DRAIN_TIMEOUT_NS} later), after a Logout if the client asked for one.
     */
    private void closeAfterFlush() {
        if (!closing) {
            closing = true;
            closingSinceNs = System.nanoTime();
            ctx.channel().config().setAutoRead(false);
        }
        if (pendingAnswers <= 0) {
            finishClose();
        }
    }

    /**
     * Ends the session on the server's initiative without a Reject to explain it: the orderly close of
     * {@link #closeAfterFlush}, ending with a Logout whose reason says why.
     */
    private void closeWithLogout(final RejectReason reason) {
        if (!closing) {
            logoutWhenDrained = true;
            logoutReason = reason.value();
        }
        closeAfterFlush();
    }

    /** The server is stopping: stop reading, deliver the answers still due, then Logout(SHUTTING_DOWN) and close. */
    void shutDown() {
        if (!closed) {
            closeWithLogout(RejectReason.SHUTTING_DOWN);
        }
    }

    private void finishClose() {
        if (closed) {
            return;
        }
        closed = true;
        if (logoutWhenDrained) {
            send(core.logoutEncoder.wrapAndApplyHeader(core.out, Framing.SOFH_LENGTH, core.headerEncoder).reason(logoutReason)
                .encodedLength() + MessageHeaderEncoder.ENCODED_LENGTH);
        }
        // Lingering close: once everything written is flushed, half-close (FIN after the last answer) and discard what
        // the client still sends until it closes too, or LINGER_NS passes. Closing with unread input would make the
        // kernel reset the connection, and a reset can destroy answers the client has not read yet.
        final io.netty.channel.Channel channel = ctx.channel();
        ctx.executor().schedule(() -> {
            if (channel.isOpen()) {
                channel.close();
            }
        }, LINGER_NS, java.util.concurrent.TimeUnit.NANOSECONDS);
        ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(future -> {
            if (channel instanceof io.netty.channel.socket.DuplexChannel && channel.isActive()) {
                ((io.netty.channel.socket.DuplexChannel)channel).shutdownOutput();
                channel.config().setAutoRead(true);
            } else {
                channel.close();
            }
        });
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx) throws Exception {
        core.runInline();
        core.sessions.flushDirty();
        core.checkBackpressure();
        super.channelReadComplete(ctx);
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            final IdleState state = ((IdleStateEvent)evt).state();
            if (state == IdleState.READER_IDLE && closed) {
                ctx.close();
            } else if (state == IdleState.READER_IDLE && !ctx.channel().config().isAutoRead()) {
                // reads are paused (backpressure, or the client does not read its answers): silence is ours
                return;
            } else if (state == IdleState.READER_IDLE && cumulation != null && cumulation.isReadable()) {
                // silent in the middle of a frame: it will not complete, so it is rejected (and dead-lettered) as
                // a frame timeout, before vigil.frame.timeout when that is longer than 3 heartbeat intervals
                if (core.rejects.shouldLog(RejectReason.FRAME_TIMEOUT, System.nanoTime())) {
                    LOG.warn("session {} from {}: nothing read for 3 heartbeat intervals in the middle of a frame, closing",
                        sessionId, ctx.channel().remoteAddress());
                }
                rejectPartialFrame();
            } else if (state == IdleState.READER_IDLE) {
                core.rejects.record(RejectReason.IDLE_TIMEOUT);
                if (core.rejects.shouldLog(RejectReason.IDLE_TIMEOUT, System.nanoTime())) {
                    LOG.info("session {} from {}: nothing read for 3 heartbeat intervals, closing", sessionId, ctx.channel().remoteAddress());
                }
                closeWithLogout(RejectReason.IDLE_TIMEOUT);
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) throws Exception {
        final ByteBuf partial = cumulation;
        // bytes held behind a Logon still being verified were never read as frames: they go with the connection
        if (partial != null && partial.isReadable() && !closing && !logonPending) {
            final int viewLength = wrap(partial, partial.readableBytes());
            reject(view, 0, Math.min(viewLength, core.maxFrameBytes), 0, RejectReason.TRUNCATED_FRAME, 0);
        }
        closing = true;
        core.connections.remove(this);
        if (loggedOn) {
            core.sessions.remove(sessionId);
            LOG.info("session {} closed", sessionId);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx) {
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
        core.rejects.recordConnectionError();
        if (core.rejects.shouldLogConnectionError(System.nanoTime())) {
            LOG.warn("session {} from {}: {}, closing", sessionId, ctx.channel().remoteAddress(), cause.toString());
        }
        closing = true;
        ctx.close();
    }
}

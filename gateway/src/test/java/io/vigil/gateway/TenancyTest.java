package io.vigil.gateway;

import io.vigil.codecs.Framing;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.LogonAckDecoder;
import io.vigil.codecs.sbe.LogonDecoder;
import io.vigil.codecs.sbe.LogoutDecoder;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.client.VigilClient;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.Journals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Identity bound to tenants, over real TCP, with a credentials file: client id 7 exists in tenants 1 and 2. */
@Timeout(60)
class TenancyTest {
    static final String ALPHA = "alpha-secret";
    static final String BETA = "beta-secret";

    @TempDir
    Path dir;
    private VigilServer server;
    private VigilConfig config;

    @BeforeEach
    void startServer() throws Exception {
        final Path credentials = dir.resolve("credentials.txt");
        Files.write(credentials, List.of(
            CredentialsTest.line(7, 1, ALPHA),
            CredentialsTest.line(7, 2, BETA)));
        config = VigilConfig.of(Map.of(
            VigilConfig.DATA_DIR.name(), dir.resolve("data").toString(),
            GatewayConfiguration.PORT.name(), "0",
            GatewayConfiguration.CREDENTIALS_FILE.name(), credentials.toString(),
            VigilConfig.ROLL_CYCLE.name(), "FAST_DAILY",
            GatewayConfiguration.LOGON_FAILURES_MAX.name(), "1000"));
        server = VigilServer.start(config);
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void shouldRejectALogonWhoseTenantIsNotItsCredentials() throws Exception {
        try (RawConnection raw = new RawConnection(server.port())) {
            raw.send(raw.frame, raw.logon(BETA, 1, 7));
            assertEquals(RejectReason.TENANT_MISMATCH, raw.readReject().reason());
            assertEquals(LogonDecoder.TEMPLATE_ID, raw.reject.refTemplateId());
            assertTrue(raw.closedByServer());
        }
        // the dead letter keeps the Logon, but not its secret
        try (JournalReader dlq = server.journals().deadLetterReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            assertTrue(dlq.read(record));
            assertEquals(RejectReason.TENANT_MISMATCH.value(), record.code);
            final byte[] frame = new byte[record.payloadLength];
            record.payload().getBytes(0, frame);
            final int credentialAt = Framing.SOFH_LENGTH + MessageHeaderDecoder.ENCODED_LENGTH + LogonDecoder.credentialEncodingOffset();
            for (int i = 0; i < LogonDecoder.credentialLength(); i++) {
                assertEquals(0, frame[credentialAt + i], "credential byte " + i);
            }
            assertEquals(7, record.payload().getLong(Framing.SOFH_LENGTH + MessageHeaderDecoder.ENCODED_LENGTH +
                LogonDecoder.clientIdEncodingOffset(), MessageHeaderDecoder.BYTE_ORDER), "the rest is kept");
            assertTrue(!new String(frame, java.nio.charset.StandardCharsets.US_ASCII).contains(BETA));
        }
    }

    @Test
    void shouldRejectAWrongSecretAndAnUnknownClient() throws Exception {
        for (final long clientId : new long[] {7, 8}) {
            try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
                final VigilClient.LogonRejectedException ex = assertThrows(VigilClient.LogonRejectedException.class,
                    () -> client.logon(clientId == 7 ? "alpha-secreT" : ALPHA, 1, clientId, 1, new GatewayEndToEndTest.Answers()));
                assertEquals(RejectReason.BAD_CREDENTIAL, ex.reason(), "client " + clientId);
            }
        }
    }

    @Test
    void shouldHandleEventsSentRightBehindTheLogonOnceItIsVerified() throws Exception {
        final long nowNs = System.currentTimeMillis() * 1_000_000L;
        try (RawConnection raw = new RawConnection(server.port())) {
            // Logon and three events in one write: the events wait, unread, while the secret is checked
            final ByteArrayOutputStream burst = new ByteArrayOutputStream();
            append(burst, raw, raw.logon(ALPHA, 1, 7));
            for (long seq = 1; seq <= 3; seq++) {
                append(burst, raw, raw.transaction(seq, nowNs, 1500, "EUR"));
            }
            raw.send(burst.toByteArray());
            assertEquals(LogonAckDecoder.TEMPLATE_ID, raw.readFrame());
            for (long seq = 1; seq <= 3; seq++) {
                assertEquals(DecisionDecoder.TEMPLATE_ID, raw.readFrame());
                assertEquals(seq, new DecisionDecoder().wrapAndApplyHeader(raw.frame, Framing.SOFH_LENGTH, raw.header).clientSequence());
            }
        }
    }

    private static void append(final ByteArrayOutputStream out, final RawConnection raw, final int length) {
        out.write(raw.frame.byteArray(), 0, length);
    }

    @Test
    void shouldReplaceTheOlderSessionOfTheSameTenantAndClientOnly() throws Exception {
        final GatewayEndToEndTest.Answers first = new GatewayEndToEndTest.Answers();
        final GatewayEndToEndTest.Answers other = new GatewayEndToEndTest.Answers();
        final GatewayEndToEndTest.Answers second = new GatewayEndToEndTest.Answers();
        final long nowNs = System.currentTimeMillis() * 1_000_000L;
        try (VigilClient older = VigilClient.connect(server.host(), server.port());
             VigilClient otherTenant = VigilClient.connect(server.host(), server.port());
             VigilClient newer = VigilClient.connect(server.host(), server.port())) {
            older.logon(ALPHA, 1, 7, 1, first);
            otherTenant.logon(BETA, 2, 7, 1, other);
            older.sendTransaction(1, nowNs, 42, 9, 5411, 1200, "EUR", "DE", io.vigil.codecs.sbe.Channel.POS, io.vigil.codecs.sbe.Label.UNKNOWN);
            first.await(1);
            assertEquals(1, newer.logon(ALPHA, 1, 7, 2, second), "the newer session continues the client's sequence");
            assertTrue(older.awaitClosed(5, TimeUnit.SECONDS), "the older session is closed");
            assertEquals(Framing.LOGOUT_SESSION_REPLACED, older.logoutReason(), "and told why");

            // the same client id of tenant 2 was not touched: its session still works, with its own sequence space
            otherTenant.sendTransaction(1, nowNs, 42, 9, 5411, 1300, "EUR", "DE", io.vigil.codecs.sbe.Channel.POS, io.vigil.codecs.sbe.Label.UNKNOWN);
            other.await(1);
            assertEquals("DECISION", other.bySequence.get(1L));
            newer.sendTransaction(2, nowNs, 42, 9, 5411, 1400, "EUR", "DE", io.vigil.codecs.sbe.Channel.POS, io.vigil.codecs.sbe.Label.UNKNOWN);
            second.await(1);
            assertEquals("DECISION", second.bySequence.get(2L));
            assertNotEquals(first.journalIndex.get(1L), other.journalIndex.get(1L), "two events, not a resend");
            assertEquals(-1, otherTenant.logoutReason(), "no Logout for tenant 2's session");
        }
    }

    @Test
    void shouldRestoreSequenceMarksPerTenantAfterARestart() throws Exception {
        final long nowNs = System.currentTimeMillis() * 1_000_000L;
        final GatewayEndToEndTest.Answers answers = new GatewayEndToEndTest.Answers();
        try (VigilClient alpha = VigilClient.connect(server.host(), server.port());
             VigilClient beta = VigilClient.connect(server.host(), server.port())) {
            alpha.logon(ALPHA, 1, 7, 1, answers);
            beta.logon(BETA, 2, 7, 1, new GatewayEndToEndTest.Answers());
            for (long seq = 1; seq <= 5; seq++) {
                alpha.sendTransaction(seq, nowNs, 42, 9, 5411, 1000 + seq, "EUR", "DE", io.vigil.codecs.sbe.Channel.POS, io.vigil.codecs.sbe.Label.UNKNOWN);
            }
            beta.sendTransaction(2, nowNs, 42, 9, 5411, 999, "EUR", "DE", io.vigil.codecs.sbe.Channel.POS, io.vigil.codecs.sbe.Label.UNKNOWN);
            answers.await(5);
            alpha.logout();
            beta.logout();
            assertTrue(alpha.awaitClosed(5, TimeUnit.SECONDS));
            assertTrue(beta.awaitClosed(5, TimeUnit.SECONDS));
        }
        server.close();
        server = null;
        server = VigilServer.start(config);
        try (VigilClient alpha = VigilClient.connect(server.host(), server.port());
             VigilClient beta = VigilClient.connect(server.host(), server.port())) {
            assertEquals(5, alpha.logon(ALPHA, 1, 7, 6, new GatewayEndToEndTest.Answers()));
            assertEquals(2, beta.logon(BETA, 2, 7, 3, new GatewayEndToEndTest.Answers()));
        }
    }

    @Test
    void shouldRefuseToStartOnABadCredentialsFile() throws Exception {
        final Path bad = dir.resolve("bad.txt");
        Files.write(bad, List.of("# ok", CredentialsTest.line(1, 1, "x"), "2 1 plain-text-secret"));
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> VigilServer.start(config.with(Map.of(
            GatewayConfiguration.CREDENTIALS_FILE.name(), bad.toString(), VigilConfig.DATA_DIR.name(), dir.resolve("other").toString()))));
        assertTrue(ex.getMessage().contains(bad + " line 3"), ex.getMessage());
    }

    @Test
    void shouldLogEveryClientOnAsTenant1WithoutACredentialsFile() throws Exception {
        server.close();
        server = null;
        server = VigilServer.start(VigilConfig.of(Map.of(
            VigilConfig.DATA_DIR.name(), dir.resolve("shared").toString(),
            GatewayConfiguration.PORT.name(), "0",
            GatewayConfiguration.CREDENTIAL.name(), "shared-secret")));
        try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
            assertEquals(0, client.logon("shared-secret", 1, 12345, 1, new GatewayEndToEndTest.Answers()));
        }
        try (RawConnection raw = new RawConnection(server.port())) {
            raw.send(raw.frame, raw.logon("shared-secret", 2, 12345));
            assertEquals(RejectReason.TENANT_MISMATCH, raw.readReject().reason());
            assertTrue(raw.closedByServer());
        }
        try (RawConnection raw = new RawConnection(server.port())) {
            raw.send(raw.frame, raw.logon("not-it", 2, 12345));
            assertEquals(RejectReason.BAD_CREDENTIAL, raw.readReject().reason(), "a wrong secret says nothing of the tenant");
        }
    }

    @Test
    void shouldSendTheReplacedSessionALogoutFrame() throws Exception {
        try (RawConnection older = new RawConnection(server.port());
             VigilClient newer = VigilClient.connect(server.host(), server.port())) {
            older.send(older.frame, older.logon(BETA, 2, 7));
            assertEquals(LogonAckDecoder.TEMPLATE_ID, older.readFrame());
            newer.logon(BETA, 2, 7, 1, new GatewayEndToEndTest.Answers());
            int template;
            while ((template = older.readFrame()) != LogoutDecoder.TEMPLATE_ID) {
                assertTrue(template > 0, "closed before a Logout");
            }
            assertEquals(Framing.LOGOUT_SESSION_REPLACED,
                new LogoutDecoder().wrapAndApplyHeader(older.frame, Framing.SOFH_LENGTH, older.header).reason());
            assertTrue(older.closedByServer());
        }
    }
}

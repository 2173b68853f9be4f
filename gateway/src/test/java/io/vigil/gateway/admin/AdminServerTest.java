package io.vigil.gateway.admin;

import io.vigil.engine.VigilConfig;
import io.vigil.gateway.GatewayContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin HTTP server over real sockets on loopback, fed raw bytes: routing, the error body, and each kind of bad
 * input (malformed, huge headers, huge bodies, slow clients, too many connections).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminServerTest {
    private static final long TIMEOUT_MS = 400;
    private AdminServer server;

    private AdminServer start(final AdminRoutes routes, final AdminAccess access) throws Exception {
        final GatewayContext context = new GatewayContext(VigilConfig.of(Map.of()))
            .adminPort(0)
            .adminMaxConnections(4)
            .adminMaxBodyBytes(1024)
            .adminMaxHeaderBytes(1024)
            .adminRequestTimeoutNs(TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS));
        server = AdminServer.start(context, routes, access);
        return server;
    }

    private AdminServer start() throws Exception {
        return start(new AdminRoutes()
            .get("/hello", request -> {
                request.allowOnly("name");
                final String name = request.param("name");
                if (name != null && name.isBlank()) {
                    throw AdminException.badParameter("name must not be blank");
                }
                return AdminResponse.json(Map.of("hello", name == null ? "world" : name));
            }, "greets")
            .post("/echo", request -> AdminResponse.text(request.bodyText()), "echoes the body")
            .get("/text", request -> AdminResponse.text("plain\n"), "text")
            .get("/boom", request -> {
                throw new IllegalStateException("kaput");
            }, "fails")
            .resources("/site/", "io/vigil/gateway/admin/testsite/", "static files"), AdminAccess.ALLOW_ALL);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void shouldAnswerARouteWithJsonAndKeepTheConnectionOpen() throws Exception {
        start();
        try (RawHttp http = new RawHttp(server.port())) {
            final RawHttp.Response first = http.get("/hello?name=vigil").read();
            assertEquals(200, first.status());
            assertEquals(AdminResponse.JSON_TYPE, first.header("content-type"));
            assertEquals("{\n  \"hello\" : \"vigil\"\n}\n", first.body());
            final RawHttp.Response second = http.get("/text").read();
            assertEquals(200, second.status(), "a second request on the same keep-alive connection");
            assertEquals("plain\n", second.body());
            assertTrue(second.header("content-type").startsWith("text/plain"));
        }
    }

    @Test
    void shouldAnswerUnknownPathsWith404AndTheErrorBody() throws Exception {
        start();
        try (RawHttp http = new RawHttp(server.port())) {
            final RawHttp.Response response = http.get("/nowhere").read();
            assertEquals(404, response.status());
            assertTrue(response.body().contains("\"error\" : \"not_found\""), response.body());
            assertTrue(response.body().contains("\"reason\" : \"no endpoint /nowhere"), response.body());
        }
    }

    @Test
    void shouldAnswerAnotherMethodWith405AndAllow() throws Exception {
        start();
        try (RawHttp http = new RawHttp(server.port())) {
            final RawHttp.Response response = http.send("DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(405, response.status());
            assertEquals("GET", response.header("allow"));
            assertTrue(response.body().contains("method_not_allowed"), response.body());
        }
    }

    @Test
    void shouldAnswerBadParametersWith400() throws Exception {
        start();
        try (RawHttp http = new RawHttp(server.port())) {
            final RawHttp.Response unknown = http.get("/hello?nmae=x").read();
            assertEquals(400, unknown.status());
            assertTrue(unknown.body().contains("unknown parameter 'nmae'"), unknown.body());
            final RawHttp.Response blank = http.get("/hello?name=%20").read();
            assertEquals(400, blank.status());
            assertTrue(blank.body().contains("name must not be blank"), blank.body());
        }
    }

    @Test
    void shouldAnswerMalformedRequestsWith400AndClose() throws Exception {
        start();
        try (RawHttp http = new RawHttp(server.port())) {
            final RawHttp.Response response = http.send("THIS IS NOT\u0001HTTP AT ALL\r\n\r\n").read();
            assertEquals(400, response.status());
            assertTrue(response.body().contains("bad_request"), response.body());
            assertTrue(http.closedWithin(2000));
        }
        try (RawHttp http = new RawHttp(server.port())) {
            final RawHttp.Response response = http.send("GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: twelve\r\n\r\n").read();
            assertEquals(400, response.status());
            assertTrue(http.closedWithin(2000));
        }
    }

    @Test
    void shouldAnswerAMalformedQueryWith400() throws Exception {
        start();
        try (RawHttp http = new RawHttp(server.port())) {
            final RawHttp.Response response = http.get("/hello?name=%zz").read();
            assertEquals(400, response.status());
            assertTrue(response.body().contains("bad_request"), response.body());
        }
    }

    @Test
    void shouldAnswerHugeHeadersWith431AndClose() throws Exception {
        start();
        try (RawHttp http = new RawHttp(server.port())) {
            final RawHttp.Response response = http.get("/hello", "X-Big: " + "a".repeat(4096)).read();
            assertEquals(431, response.status());
            assertTrue(response.body().contains("headers_too_large"), response.body());
            assertTrue(http.closedWithin(2000));
        }
    }

    @Test
    void shouldAnswerAHugeRequestLineWith414() throws Exception {
        start();
        try (RawHttp http = new RawHttp(server.port())) {
            final RawHttp.Response response = http.get("/hello?name=" + "b".repeat(AdminServer.MAX_INITIAL_LINE_BYTES + 10)).read();
            assertEquals(414, response.status());
            assertTrue(http.closedWithin(2000));
        }
    }

    @Test
    void shouldAnswerAHugeBodyWith413AndClose() throws Exception {
        start();
        try (RawHttp http = new RawHttp(server.port())) {
            final RawHttp.Response fits = http.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello").read();
            assertEquals(200, fits.status());
            assertEquals("hello", fits.body());
            final RawHttp.Response response = http.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" +
                "x".repeat(2048)).read();
            assertEquals(413, response.status());
            assertTrue(response.body().contains("body_too_large"), response.body());
            assertTrue(http.closedWithin(2000));
        }
        try (RawHttp http = new RawHttp(server.port())) {
            final String chunk = Integer.toHexString(2048) + "\r\n" + "y".repeat(2048) + "\r\n";
            final RawHttp.Response response = http.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                chunk).read();
            assertEquals(413, response.status(), "a chunked body is cut at the same limit");
        }
    }

    @Test
    void shouldAnswerASlowClientWith408AndClose() throws Exception {
        start();
        try (RawHttp http = new RawHttp(server.port())) {
            // a slow loris: the header block never ends, one byte at a time, each well within any read timeout
            http.send("GET /hello HTTP/1.1\r\nHost: x\r\n");
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            try {
                while (System.nanoTime() < deadline && !http.readable()) {
                    http.send("X");
                    Thread.sleep(50);
                }
            } catch (final IOException closed) {
                // the server closed after answering: the answer is still to be read
            }
            final RawHttp.Response response = http.read();
            assertEquals(408, response.status());
            assertTrue(response.body().contains("request_timeout"), response.body());
            assertTrue(http.closedWithin(2000));
        }
    }

    @Test
    void shouldCloseAnIdleConnection() throws Exception {
        start();
        try (RawHttp http = new RawHttp(server.port())) {
            assertEquals(200, http.get("/text").read().status());
            assertTrue(http.closedWithin(5000), "an idle keep-alive connection is closed after the request timeout");
        }
        try (RawHttp http = new RawHttp(server.port())) {
            assertTrue(http.closedWithin(5000), "so is one that never sends anything");
        }
    }

    @Test
    void shouldStopAcceptingWhenConnectionsComeFasterThanTheAcceptRateAndCloseWhatTheKernelQueuedBeyondIt()
        throws Exception {
        server = AdminServer.start(new GatewayContext(VigilConfig.of(Map.of())).adminPort(0).adminMaxAcceptRate(2),
            new AdminRoutes().get("/text", request -> AdminResponse.text("plain\n"), "text"), AdminAccess.ALLOW_ALL);
        for (int i = 0; i < 2; i++) {
            try (RawHttp http = new RawHttp(server.port())) {
                assertEquals(200, http.get("/text").read().status(), "the burst (2) is served");
            }
        }
        // the bucket is empty: accepting pauses until 2 tokens are due (1 s); the kernel queues what comes meanwhile
        final List<RawHttp> queued = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                queued.add(new RawHttp(server.port()).get("/text"));
            }
            Thread.sleep(300);
            for (final RawHttp http : queued) {
                assertTrue(!http.readable(), "nothing is accepted before a token is due");
            }
            int served = 0;
            int closed = 0;
            for (final RawHttp http : queued) {
                try {
                    assertEquals(200, http.read().status());
                    served++;
                } catch (final IOException ex) {
                    closed++; // accepted in the same read as the served ones, with no token left: closed unanswered
                }
            }
            assertEquals(2, served, "as many as the tokens due when accepting resumed");
            assertEquals(3, closed);
            assertEquals(3, server.rateLimitedConnections());
        } finally {
            for (final RawHttp http : queued) {
                http.close();
            }
        }
    }

    @Test
    void shouldRefuseConnectionsBeyondTheLimitWith503() throws Exception {
        start();
        final List<RawHttp> held = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                final RawHttp http = new RawHttp(server.port());
                assertEquals(200, http.get("/text").read().status());
                held.add(http);
            }
            try (RawHttp extra = new RawHttp(server.port())) {
                final RawHttp.Response response = extra.read();
                assertEquals(503, response.status());
                assertTrue(response.body().contains("too_many_connections"), response.body());
            }
            assertEquals(1, server.refusedConnections());
            held.remove(0).close();
            awaitConnections(3);
            try (RawHttp again = new RawHttp(server.port())) {
                assertEquals(200, again.get("/text").read().status(), "a freed slot is served again");
            }
        } finally {
            for (final RawHttp http : held) {
                http.close();
            }
        }
    }

    private void awaitConnections(final int count) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (server.connections() > count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(count, server.connections());
    }

    @Test
    void shouldAnswerAFailingRouteWith500() throws Exception {
        start();
        try (RawHttp http = new RawHttp(server.port())) {
            final RawHttp.Response response = http.get("/boom").read();
            assertEquals(500, response.status());
            assertTrue(response.body().contains("IllegalStateException: kaput"), response.body());
            assertEquals(200, http.get("/text").read().status(), "the connection survives");
        }
    }

    @Test
    void shouldServeStaticResourcesAndRefuseEscapes() throws Exception {
        start();
        try (RawHttp http = new RawHttp(server.port())) {
            final RawHttp.Response index = http.get("/site/").read();
            assertEquals(200, index.status());
            assertTrue(index.header("content-type").startsWith("text/html"));
            assertTrue(index.body().contains("hello"));
            assertEquals("text/css; charset=utf-8", http.get("/site/site.css").read().header("content-type"));
            assertEquals(404, http.get("/site/missing.js").read().status());
            assertEquals(400, http.get("/site/../AdminServerTest.class").read().status());
        }
    }

    @Test
    void shouldAnswerHeadLikeGetWithoutABody() throws Exception {
        start();
        try (RawHttp http = new RawHttp(server.port())) {
            final RawHttp.Response head = http.send("HEAD /text HTTP/1.1\r\nHost: x\r\n\r\n").readHeadOnly();
            assertEquals(200, head.status());
            assertEquals("6", head.header("content-length"));
            assertEquals("plain\n", http.get("/text").read().body(), "no body bytes came after the HEAD answer");
        }
    }

    @Test
    void shouldLetTheAccessHookRefuseARequest() throws Exception {
        start(new AdminRoutes().get("/secret", request -> AdminResponse.text("s3cr3t"), "guarded"), (request, route) ->
            "Bearer let-me-in".equals(request.header("authorization")) ? null :
                AdminResponse.error(401, "unauthorized", "a bearer token is needed for " + route));
        try (RawHttp http = new RawHttp(server.port())) {
            final RawHttp.Response refused = http.get("/secret").read();
            assertEquals(401, refused.status());
            assertTrue(refused.body().contains("a bearer token is needed for /secret"), refused.body());
            final RawHttp.Response allowed = http.get("/secret", "Authorization: Bearer let-me-in").read();
            assertEquals(200, allowed.status());
            assertEquals("s3cr3t", allowed.body());
        }
    }

    @Test
    void shouldRefuseTheSameRouteTwice() {
        final AdminRoutes routes = new AdminRoutes().get("/a", request -> AdminResponse.text("a"), "a");
        assertThrows(IllegalArgumentException.class, () -> routes.get("/a", request -> AdminResponse.text("b"), "b"));
        assertNull(routes.find("GET", "/b").entry());
    }
}

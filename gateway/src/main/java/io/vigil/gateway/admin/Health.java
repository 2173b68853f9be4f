package io.vigil.gateway.admin;

import io.vigil.engine.AgentHealth;
import io.vigil.engine.Engine;
import io.vigil.engine.EngineHealth;
import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.CountersFileReader;
import io.vigil.engine.counters.EngineState;
import io.vigil.gateway.VigilServer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /health/live} and {@code GET /health/ready}, for Kubernetes probes: 200 when every check passes, 503
 * otherwise, and a JSON body listing every check with its reason either way.
 *
 * <ul>
 * <li>live: the supervised threads are alive and make progress: the engine's agents (tailer, pipeline) as the
 * {@link io.vigil.engine.Watchdog} last saw them (not dead, not stalled), and the gateway's network thread, whose
 * sweep counter (read from the counters file) must advance;</li>
 * <li>ready: the engine is {@code LIVE} (recovery caught up), the input journal accepts appends (not in
 * journal-failure mode), the model is loaded, every agent runs, and every check added with
 * {@link #addReadinessCheck}.</li>
 * </ul>
 *
 * <p>State comes from the counters file and published snapshots ({@link Engine#health()}), never from the pipeline.
 * Thread-safe: probes are synchronized; checks may be added at any time.
 */
public final class Health {
    /** The gateway's network thread is taken for stuck when its sweep counter stands still this long. */
    static final long SWEEP_STALL_NS = TimeUnit.SECONDS.toNanos(3);

    private record Named(String name, ReadinessCheck check) {
    }

    private final VigilServer server;
    private final Path dataDir;
    private final List<Named> readiness = new CopyOnWriteArrayList<>();
    private CountersFileReader reader;
    private long lastSweeps = -1;
    private long lastSweepChangeNs;

    Health(final VigilServer server, final Path dataDir) {
        this.server = server;
        this.dataDir = dataDir;
        sweepsStalledNs(); // the first look, so that a later probe can tell whether the thread advanced
    }

    /** Adds a readiness condition, reported under {@code name}; {@code /health/ready} fails while it fails. */
    public Health addReadinessCheck(final String name, final ReadinessCheck check) {
        readiness.add(new Named(name, check));
        return this;
    }

    AdminResponse live(final AdminRequest request) {
        request.allowOnly();
        final List<Map<String, Object>> checks = new ArrayList<>();
        agentChecks(checks, false);
        final long stalledNs;
        synchronized (this) {
            stalledNs = sweepsStalledNs();
        }
        checks.add(check(VigilServer.IO_THREAD, stalledNs < SWEEP_STALL_NS, stalledNs < SWEEP_STALL_NS ?
            "sweeps advancing (" + lastSweeps + ")" :
            "no sweep for " + TimeUnit.NANOSECONDS.toMillis(stalledNs) + " ms: the network thread is stuck or gone"));
        return answer(checks);
    }

    AdminResponse ready(final AdminRequest request) {
        request.allowOnly();
        final List<Map<String, Object>> checks = new ArrayList<>();
        final long state;
        final long unavailable;
        synchronized (this) {
            state = counters().value(CounterType.ENGINE_STATE);
            unavailable = counters().value(CounterType.JOURNAL_UNAVAILABLE);
        }
        final EngineState engineState = EngineState.of(state);
        checks.add(check("engine", engineState == EngineState.LIVE, engineState == null ? "unknown state " + state :
            switch (engineState) {
                case LIVE -> "LIVE: deciding new events";
                case RECOVERING -> "RECOVERING: replaying the events answered before the restart; new ones wait";
                case STARTING -> "STARTING: opening the journals and loading the checkpoint";
                case STOPPED -> "STOPPED: shutting down, or reopening the journals after a storage failure";
            }));
        final String problem = server.journalProblem();
        final boolean writable = unavailable == 0 && problem == null;
        checks.add(check("journals", writable, writable ? "the input journal accepts appends" :
            "journal failure: events are rejected JOURNAL_UNAVAILABLE" + (problem == null ? "" : " (" + problem + ")")));
        final Engine engine = server.engine();
        final String model = engine == null ? null : engine.modelVersion();
        checks.add(check("model", model != null, model != null ? "model " + model + " loaded" : "no model loaded"));
        agentChecks(checks, true);
        for (final Named named : readiness) {
            ReadinessCheck.Result result;
            try {
                result = named.check.check();
            } catch (final RuntimeException ex) {
                result = ReadinessCheck.Result.failed("the check failed: " + ex);
            }
            checks.add(check(named.name, result != null && result.ok(), result == null ? "no result" : result.reason()));
        }
        return answer(checks);
    }

    /** Every engine agent: for liveness not dead and not stalled; for readiness running. */
    private void agentChecks(final List<Map<String, Object>> checks, final boolean mustRun) {
        final Engine engine = server.engine();
        final EngineHealth health = engine == null ? null : engine.health();
        if (health == null) {
            checks.add(check("engine agents", false, "no engine"));
            return;
        }
        for (final AgentHealth agent : health.agents()) {
            final boolean ok = mustRun ? agent.state() == AgentHealth.State.RUNNING :
                agent.state() != AgentHealth.State.DEAD && agent.state() != AgentHealth.State.STALLED;
            checks.add(check(agent.name(), ok, agent.toString()));
        }
    }

    /** Nanoseconds the sweep counter has stood still (0 when it just advanced). */
    private long sweepsStalledNs() {
        final long now = System.nanoTime();
        final long sweeps = counters().value(CounterType.GATEWAY_SWEEPS);
        if (sweeps != lastSweeps) {
            lastSweeps = sweeps;
            lastSweepChangeNs = now;
        }
        return now - lastSweepChangeNs;
    }

    private CountersFileReader counters() {
        if (reader == null) {
            reader = CountersFileReader.open(dataDir);
        }
        return reader;
    }

    private static Map<String, Object> check(final String name, final boolean ok, final String reason) {
        final Map<String, Object> check = new LinkedHashMap<>();
        check.put("name", name);
        check.put("ok", ok);
        check.put("reason", reason);
        return check;
    }

    private static AdminResponse answer(final List<Map<String, Object>> checks) {
        boolean up = true;
        for (final Map<String, Object> check : checks) {
            up &= (Boolean)check.get("ok");
        }
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", up ? "UP" : "DOWN");
        body.put("checks", checks);
        return AdminResponse.json(up ? 200 : 503, body);
    }

    synchronized void close() {
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }
}

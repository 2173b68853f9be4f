package io.vigil.gateway;

import org.slf4j.Logger;

import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A control-plane task that runs periodically on a daemon thread of its own (the SLO evaluator, the alerts, the
 * slow-trace reader): a failed run is logged and the schedule goes on; {@link #close} waits for a run in progress.
 * Never used on the event path. Thread-safe.
 */
public final class PeriodicTask implements AutoCloseable {
    private final ScheduledExecutorService executor;

    private PeriodicTask(final String threadName) {
        executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            final Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Starts {@code task} on a new daemon thread named {@code threadName}, after {@code initialDelayMs} and then every
     * {@code periodMs}: at a fixed rate (run starts {@code periodMs} apart) or with a fixed delay between runs.
     *
     * @param failure logs a run that threw, with {@code what} as the message.
     */
    public static PeriodicTask start(final String threadName, final long initialDelayMs, final long periodMs,
        final boolean fixedRate, final Runnable task, final Logger failure, final String what) {
        final PeriodicTask periodic = new PeriodicTask(threadName);
        final Runnable safe = () -> {
            try {
                task.run();
            } catch (final RuntimeException ex) {
                // the schedule survives: the next period tries again
                failure.error(what, ex);
            }
        };
        if (fixedRate) {
            periodic.executor.scheduleAtFixedRate(safe, initialDelayMs, periodMs, TimeUnit.MILLISECONDS);
        } else {
            periodic.executor.scheduleWithFixedDelay(safe, initialDelayMs, periodMs, TimeUnit.MILLISECONDS);
        }
        return periodic;
    }

    /**
     * Runs {@code task} once on the task's thread, after a run in progress, and waits up to {@code timeoutMs} for it
     * (for what must be closed on the thread that used it).
     *
     * @return false if it failed, timed out, or the task is closed already.
     */
    public boolean runOnThread(final Runnable task, final long timeoutMs) throws InterruptedException {
        try {
            executor.submit(task).get(timeoutMs, TimeUnit.MILLISECONDS);
            return true;
        } catch (final RejectedExecutionException | java.util.concurrent.TimeoutException |
            java.util.concurrent.ExecutionException ex) {
            return false;
        }
    }

    /** Stops the thread, waiting up to 5 s for a run in progress. */
    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (final InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}

package io.vigil.engine;

import com.lmax.disruptor.EventHandler;

/**
 * Drives the {@link Pipeline} from the Disruptor: stages each event and flushes at the end of every Disruptor
 * batch, so inference is batched without holding any event longer than the batch that is already waiting.
 *
 * <p>Runs on the one pipeline thread; allocation-free.
 */
final class PipelineHandler implements EventHandler<EventSlot> {
    private final Pipeline pipeline;
    private final Runnable onShutdown;
    private volatile long completedIndex = -1;
    private volatile long answered;

    PipelineHandler(final Pipeline pipeline, final Runnable onShutdown) {
        this.pipeline = pipeline;
        this.onShutdown = onShutdown;
    }

    @Override
    public void onEvent(final EventSlot slot, final long sequence, final boolean endOfBatch) {
        pipeline.stage(slot);
        if (endOfBatch) {
            pipeline.flush();
            completedIndex = pipeline.lastInputIndex();
            answered = pipeline.answered();
        }
    }

    @Override
    public void onShutdown() {
        pipeline.flush();
        completedIndex = pipeline.lastInputIndex();
        answered = pipeline.answered();
        onShutdown.run();
    }

    /** Input index of the last event completed, as of the end of the last batch; safe from any thread. */
    long completedIndex() {
        return completedIndex;
    }

    /** Events answered, as of the end of the last batch; safe from any thread. */
    long answered() {
        return answered;
    }
}

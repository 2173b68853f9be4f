package io.vigil.scoring.state;

import java.lang.ref.Cleaner;

import org.agrona.UnsafeApi;

/**
 * Blocks of native memory from {@code malloc} (not zeroed, not counted against {@code -XX:MaxDirectMemorySize}),
 * freed together by {@link #free()} or, at the latest, when the owner registered with {@link #register} becomes
 * unreachable.
 *
 * <p>Not thread-safe: one thread allocates; {@link #free()} may run on another thread once that one is done with
 * the memory (the caller provides the happens-before). {@link #allocate} allocates on the heap only when its
 * address list grows.
 */
final class NativeMemory implements Runnable {
    static final Cleaner CLEANER = Cleaner.create(runnable -> {
        final Thread thread = new Thread(runnable, "vigil-native-memory-cleaner");
        thread.setDaemon(true);
        return thread;
    });

    private long[] addresses = new long[16];
    private int count;
    private long bytes;
    private Cleaner.Cleanable cleanable;

    /** Frees this memory when {@code owner} becomes unreachable; {@code owner} must not be reachable from here. */
    void register(final Object owner) {
        cleanable = CLEANER.register(owner, this);
    }

    /** @return the address of {@code length} bytes of uninitialised memory. */
    long allocate(final long length) {
        final long address = UnsafeApi.allocateMemory(length);
        if (count == addresses.length) {
            addresses = java.util.Arrays.copyOf(addresses, count * 2);
        }
        addresses[count++] = address;
        bytes += length;
        return address;
    }

    /** @return bytes allocated and not freed. */
    long bytes() {
        return bytes;
    }

    /** Frees every block; idempotent. */
    void free() {
        if (cleanable != null) {
            cleanable.clean(); // runs run() once, and unregisters
        } else {
            run();
        }
    }

    @Override
    public void run() {
        for (int i = 0; i < count; i++) {
            UnsafeApi.freeMemory(addresses[i]);
            addresses[i] = 0L;
        }
        count = 0;
        bytes = 0;
    }
}

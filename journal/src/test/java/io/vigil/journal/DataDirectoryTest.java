package io.vigil.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataDirectoryTest {
    @TempDir
    Path tmp;

    @Test
    void createsTheDirectoryAndNamesItsHolder() {
        final Path dir = tmp.resolve("a/b/data");
        try (DataDirectory data = DataDirectory.acquire(dir, 0)) {
            assertTrue(Files.isDirectory(dir));
            assertEquals(dir.toAbsolutePath().normalize(), data.path());
            assertTrue(DataDirectory.holder(dir).startsWith("pid " + ProcessHandle.current().pid() + " on host "),
                DataDirectory.holder(dir));
        }
    }

    @Test
    void aSecondWriterInThisProcessIsRefusedUntilTheFirstLetsGo() {
        final DataDirectory first = DataDirectory.acquire(tmp, 0);
        final DataDirectory.DataDirectoryException ex =
            assertThrows(DataDirectory.DataDirectoryException.class, () -> DataDirectory.acquire(tmp, 0));
        assertTrue(ex.getMessage().contains("is in use by pid " + ProcessHandle.current().pid()), ex.getMessage());
        first.close();
        DataDirectory.acquire(tmp, 0).close();
    }

    /** The real case: another JVM holds the directory; this one is refused, and gets it once that one exits. */
    @Test
    void aWriterInAnotherProcessIsRefusedWithItsPid() throws Exception {
        final Path ready = tmp.resolve("ready");
        final Process other = new ProcessBuilder(javaCommand(Holder.class.getName(), tmp.toString(), ready.toString()))
            .redirectErrorStream(true).start();
        try {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(ready) && other.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            if (!Files.exists(ready)) {
                other.destroyForcibly();
                throw new AssertionError("the other JVM did not take the lock: " +
                    new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            final DataDirectory.DataDirectoryException ex =
                assertThrows(DataDirectory.DataDirectoryException.class, () -> DataDirectory.acquire(tmp, 0));
            assertTrue(ex.getMessage().contains("is in use by pid " + other.pid()), ex.getMessage());
            assertFalse(ex.getMessage().contains("\n"), "one line: " + ex.getMessage());
        } finally {
            other.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        // the operating system released the killed holder's lock: no stale lock to clean up by hand
        DataDirectory.acquire(tmp, 0).close();
    }

    @Test
    void aFileIsNotADataDirectory() throws IOException {
        final Path file = Files.writeString(tmp.resolve("plain"), "x");
        final DataDirectory.DataDirectoryException ex =
            assertThrows(DataDirectory.DataDirectoryException.class, () -> DataDirectory.acquire(file, 0));
        assertTrue(ex.getMessage().endsWith("is not a directory"), ex.getMessage());
    }

    @Test
    void aDirectoryUnderAFileCannotBeCreated() throws IOException {
        final Path file = Files.writeString(tmp.resolve("plain"), "x");
        final DataDirectory.DataDirectoryException ex =
            assertThrows(DataDirectory.DataDirectoryException.class, () -> DataDirectory.acquire(file.resolve("data"), 0));
        assertTrue(ex.getMessage().contains("cannot be created"), ex.getMessage());
    }

    @Test
    void tooLittleFreeSpaceIsRefused() {
        final DataDirectory.DataDirectoryException ex = assertThrows(DataDirectory.DataDirectoryException.class,
            () -> DataDirectory.acquire(tmp, Long.MAX_VALUE));
        assertTrue(ex.getMessage().contains("required (vigil.data.free.min)"), ex.getMessage());
    }

    /** Run in a child JVM by the test above: takes the lock, says so, and holds it until killed. */
    public static final class Holder {
        public static void main(final String[] args) throws Exception {
            final DataDirectory data = DataDirectory.acquire(Path.of(args[0]), 0);
            Files.writeString(Path.of(args[1]), "locked");
            Thread.sleep(TimeUnit.MINUTES.toMillis(2));
            data.close();
        }
    }

    private static List<String> javaCommand(final String mainClass, final String... args) {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(List.of(args));
        return command;
    }
}

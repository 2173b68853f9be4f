package io.vigil.replay;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A one-line progress bar on stderr for long replays and exports: percentage, events, rate and ETA, redrawn at most
 * five times a second and only once the work has run for {@link #DELAY_NS}. Silent when stderr is not a terminal
 * (a pipe, a file, CI), so logs stay clean.
 *
 * <p>Single-threaded: called by the replaying thread. {@link #update} allocates only when it redraws.
 */
public class Progress {
    /** Shows nothing. */
    public static final Progress NONE = new Progress(null, "");
    /** Work shorter than this shows no bar. */
    public static final long DELAY_NS = 2_000_000_000L;
    private static final long REDRAW_NS = 200_000_000L;
    private static final int WIDTH = 30;

    private final PrintStream out;
    private final String label;
    private long total;
    private long startNs;
    private long lastDrawNs;
    private boolean drawn;

    /** @param out where to draw, null for nowhere. */
    public Progress(final PrintStream out, final String label) {
        this.out = out;
        this.label = label;
    }

    /** A bar on stderr when stderr is a terminal, else {@link #NONE}. */
    public static Progress onStderr(final String label) {
        return stderrIsTerminal() ? new Progress(System.err, label) : NONE;
    }

    /** Whether stderr is a terminal: on Linux from /proc/self/fd/2, elsewhere from the console. */
    static boolean stderrIsTerminal() {
        try {
            final String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (final IOException | UnsupportedOperationException | SecurityException ex) {
            return System.console() != null;
        }
    }

    /** @param total events expected, 0 when unknown. */
    public void start(final long total) {
        this.total = total;
        this.startNs = System.nanoTime();
        this.lastDrawNs = startNs;
    }

    /** @param done events done so far. */
    public void update(final long done) {
        if (out == null) {
            return;
        }
        final long now = System.nanoTime();
        if (now - startNs < DELAY_NS || now - lastDrawNs < REDRAW_NS) {
            return;
        }
        lastDrawNs = now;
        draw(done, now, false);
    }

    /** Ends the bar (a final line) if one was drawn. */
    public void finish(final long done) {
        if (out != null && drawn) {
            draw(done, System.nanoTime(), true);
        }
    }

    private void draw(final long done, final long now, final boolean last) {
        drawn = true;
        final double seconds = Math.max(1e-9, (now - startNs) / 1e9);
        final double rate = done / seconds;
        final StringBuilder line = new StringBuilder(120).append('\r').append(label).append(' ');
        if (total > 0) {
            final double fraction = Math.min(1.0, (double)done / total);
            final int filled = (int)(fraction * WIDTH);
            line.append('[').append("#".repeat(filled)).append(".".repeat(WIDTH - filled)).append("] ")
                .append(String.format(Locale.ROOT, "%5.1f%% ", fraction * 100));
        }
        line.append(String.format(Locale.ROOT, "%,d", done));
        if (total > 0) {
            line.append(String.format(Locale.ROOT, "/%,d", total));
        }
        line.append(String.format(Locale.ROOT, " events  %,.0f ev/s", rate));
        if (last) {
            line.append(String.format(Locale.ROOT, "  %s elapsed%n", clock(seconds)));
        } else if (total > 0 && rate > 0) {
            line.append("  ETA ").append(clock(Math.max(0, total - done) / rate)).append("   ");
        }
        out.print(line);
        out.flush();
    }

    static String clock(final double seconds) {
        final long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) :
            String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}

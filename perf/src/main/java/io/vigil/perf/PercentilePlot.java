package io.vigil.perf;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The percentile distribution plot HdrHistogram users know: latency (log axis, microseconds) against
 * {@code 1/(1-percentile)} on a log axis, so 90%, 99%, 99.9%... are equally spaced and the tail is as visible as the
 * median. Rendered headless with java.awt into a PNG, and into a self-contained HTML page that embeds the PNG and
 * the percentile tables.
 *
 * <p>Not thread-safe; allocates (reporting only).
 */
final class PercentilePlot {
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 600;
    private static final int LEFT = 80;
    private static final int RIGHT = 30;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;
    private static final double[] TABLE_PERCENTILES = {50, 90, 99, 99.9, 99.99};

    private final String title;
    private final List<String> names = new ArrayList<>();
    private final List<Histogram> histograms = new ArrayList<>();

    PercentilePlot(final String title) {
        this.title = title;
    }

    /** Adds one curve; the histogram holds nanoseconds. Empty histograms are skipped. */
    PercentilePlot add(final String name, final Histogram nanos) {
        if (nanos != null && nanos.getTotalCount() > 0) {
            names.add(name);
            histograms.add(nanos);
        }
        return this;
    }

    byte[] png() throws IOException {
        final BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);

        long maxCount = 1;
        double minUs = Double.MAX_VALUE;
        double maxUs = 0;
        for (final Histogram h : histograms) {
            maxCount = Math.max(maxCount, h.getTotalCount());
            minUs = Math.min(minUs, Math.max(0.1, h.getMinNonZeroValue() / 1000.0));
            maxUs = Math.max(maxUs, h.getMaxValue() / 1000.0);
        }
        if (histograms.isEmpty()) {
            minUs = 1;
            maxUs = 10;
        }
        final int xDecades = Math.max(2, Math.min(6, (int)Math.ceil(Math.log10(maxCount))));
        final double yLow = Math.floor(Math.log10(minUs));
        final double yHigh = Math.max(yLow + 1, Math.ceil(Math.log10(Math.max(maxUs, minUs * 1.01))));
        final int plotW = WIDTH - LEFT - RIGHT;
        final int plotH = HEIGHT - TOP - BOTTOM;

        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.setColor(Color.BLACK);
        g.drawString(title, LEFT, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));

        // grid and axis labels
        for (int d = 0; d <= xDecades; d++) {
            final int x = LEFT + (int)Math.round(plotW * d / (double)xDecades);
            g.setColor(new Color(0xdddddd));
            g.drawLine(x, TOP, x, TOP + plotH);
            g.setColor(Color.DARK_GRAY);
            final String label = d == 0 ? "0%" : percentLabel(d);
            g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, TOP + plotH + 18);
        }
        for (double e = yLow; e <= yHigh + 1e-9; e += 1) {
            for (int m = 1; m <= 9; m++) {
                final double v = Math.log10(m) + e;
                if (v > yHigh + 1e-9) {
                    break;
                }
                final int y = TOP + plotH - (int)Math.round(plotH * (v - yLow) / (yHigh - yLow));
                g.setColor(m == 1 ? new Color(0xcccccc) : new Color(0xf0f0f0));
                g.drawLine(LEFT, y, LEFT + plotW, y);
                if (m == 1) {
                    g.setColor(Color.DARK_GRAY);
                    final String label = microsLabel(Math.pow(10, e));
                    g.drawString(label, LEFT - 8 - g.getFontMetrics().stringWidth(label), y + 4);
                }
            }
        }
        g.setColor(Color.BLACK);
        g.drawRect(LEFT, TOP, plotW, plotH);
        g.drawString("percentile (axis: 1/(1-p), log)", LEFT + plotW / 2 - 90, HEIGHT - 15);
        final Graphics2D rotated = (Graphics2D)g.create();
        rotated.rotate(-Math.PI / 2);
        rotated.drawString("latency (log)", -(TOP + plotH / 2) - 35, 18);
        rotated.dispose();

        // curves
        g.setStroke(new BasicStroke(2f));
        for (int i = 0; i < histograms.size(); i++) {
            final Path2D path = new Path2D.Double();
            boolean first = true;
            for (final HistogramIterationValue v : histograms.get(i).percentiles(5)) {
                final double p = v.getPercentileLevelIteratedTo() / 100.0;
                final double xDecade = p >= 1.0 ? xDecades : Math.min(xDecades, Math.log10(1.0 / (1.0 - p)));
                final double us = Math.max(Math.pow(10, yLow), v.getValueIteratedTo() / 1000.0);
                final double px = LEFT + plotW * xDecade / xDecades;
                final double py = TOP + plotH - plotH * (Math.log10(us) - yLow) / (yHigh - yLow);
                if (first) {
                    path.moveTo(px, py);
                    first = false;
                } else {
                    path.lineTo(px, py);
                }
            }
            g.setColor(COLORS[i % COLORS.length]);
            g.draw(path);
            // legend
            final int ly = TOP + 18 + 18 * i;
            g.fillRect(LEFT + 12, ly - 9, 18, 4);
            g.setColor(Color.BLACK);
            final Histogram h = histograms.get(i);
            g.drawString(String.format(Locale.ROOT, "%s  p50 %s  p99 %s  p99.9 %s  max %s", names.get(i),
                microsLabel(h.getValueAtPercentile(50) / 1000.0), microsLabel(h.getValueAtPercentile(99) / 1000.0),
                microsLabel(h.getValueAtPercentile(99.9) / 1000.0), microsLabel(h.getMaxValue() / 1000.0)),
                LEFT + 36, ly - 3);
        }
        g.dispose();
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(image, "png", bytes);
        return bytes.toByteArray();
    }

    private static String percentLabel(final int decade) {
        if (decade == 1) {
            return "90%";
        }
        if (decade == 2) {
            return "99%";
        }
        return "99." + "9".repeat(decade - 2) + "%";
    }

    static String microsLabel(final double us) {
        if (us >= 1_000_000) {
            return String.format(Locale.ROOT, "%.3g s", us / 1e6);
        }
        if (us >= 1000) {
            return String.format(Locale.ROOT, "%.3g ms", us / 1000);
        }
        return String.format(Locale.ROOT, "%.3g us", us);
    }

    void writePng(final Path file) throws IOException {
        Files.write(file, png());
    }

    /** A self-contained page: the plot (embedded PNG), a percentile table per curve, and {@code notes} verbatim. */
    void writeHtml(final Path file, final String notes) throws IOException {
        final StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").append(escape(title))
            .append("</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
                + "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th:first-child,td:first-child"
                + "{text-align:left}pre{background:#f6f6f6;padding:1em}</style></head><body>\n<h1>")
            .append(escape(title)).append("</h1>\n<img alt=\"percentile plot\" src=\"data:image/png;base64,")
            .append(Base64.getEncoder().encodeToString(png())).append("\">\n<table><tr><th>curve</th>");
        for (final double p : TABLE_PERCENTILES) {
            sb.append("<th>p").append(trim(p)).append("</th>");
        }
        sb.append("<th>max</th><th>count</th></tr>\n");
        for (int i = 0; i < histograms.size(); i++) {
            final Histogram h = histograms.get(i);
            sb.append("<tr><td>").append(escape(names.get(i))).append("</td>");
            for (final double p : TABLE_PERCENTILES) {
                sb.append("<td>").append(microsLabel(h.getValueAtPercentile(p) / 1000.0)).append("</td>");
            }
            sb.append("<td>").append(microsLabel(h.getMaxValue() / 1000.0)).append("</td><td>")
                .append(h.getTotalCount()).append("</td></tr>\n");
        }
        sb.append("</table>\n<p>The x axis is 1/(1-percentile) on a log scale: each step right is one more nine. "
            + "Corrected latency is measured from each event's intended send time (coordinated omission "
            + "corrected); uncorrected from its actual send.</p>\n<pre>").append(escape(notes)).append("</pre>\n</body></html>\n");
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    private static String trim(final double p) {
        return p == Math.rint(p) ? String.valueOf((long)p) : String.valueOf(p);
    }

    private static String escape(final String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}

package io.vigil.scoring.anomaly;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Additive Holt-Winters (level, trend, seasonality) one-step forecaster; the surprise is the
 * forecast residual divided by an exponentially weighted mean absolute residual.
 *
 * <p>The season length is found from the event timestamps, never configured per series: the
 * sampling interval is the smallest positive gap among the first {@value #INTERVAL_PROBE} gaps and
 * the season length is {@code seasonNs / interval}. When it falls outside
 * {@code [2, maxSeasonLength]} the model runs without seasonality (Holt's linear trend). The slot of
 * a value in the season comes from its timestamp, so gaps in the series do not shift the season.
 *
 * <p>Single-threaded; allocates its season array (up to {@code maxSeasonLength} doubles) in the
 * constructor and nothing afterwards.
 */
public final class HoltWintersDetector implements AnomalyDetector {
    static final int INTERVAL_PROBE = 16;

    private final double alpha;
    private final double beta;
    private final double gamma;
    private final double scaleAlpha;
    private final double zCap;
    private final int warmup;
    private final long seasonNs;
    private final double[] season;

    private int seasonLength = 1;
    private long firstTimeNs;
    private long prevTimeNs;
    private long intervalNs = Long.MAX_VALUE;
    private int gaps;
    private double level;
    private double trend;
    private double meanAbsResidual;
    private long count;

    /**
     * @param alpha           level smoothing, in (0, 1].
     * @param beta            trend smoothing, in [0, 1]; 0 disables the trend.
     * @param gamma           seasonal smoothing, in [0, 1]; 0 disables seasonality.
     * @param scaleAlpha      smoothing of the mean absolute residual used as the scale.
     * @param seasonNs        season duration in nanoseconds (one day by default).
     * @param maxSeasonLength largest number of slots in a season; bounds the memory per series.
     * @param zCap            largest surprise returned.
     * @param warmup          values seen before any non-zero surprise is returned.
     */
    public HoltWintersDetector(
        final double alpha,
        final double beta,
        final double gamma,
        final double scaleAlpha,
        final long seasonNs,
        final int maxSeasonLength,
        final double zCap,
        final int warmup) {
        this.alpha = alpha;
        this.beta = beta;
        this.gamma = gamma;
        this.scaleAlpha = scaleAlpha;
        this.seasonNs = seasonNs;
        this.zCap = zCap;
        this.warmup = warmup;
        this.season = new double[Math.max(1, gamma > 0.0 ? maxSeasonLength : 1)];
    }

    @Override
    public double update(final long eventTimeNs, final double value, final double minScale) {
        if (count == 0) {
            level = value;
            firstTimeNs = eventTimeNs;
            prevTimeNs = eventTimeNs;
            count = 1;
            return 0.0;
        }
        probeInterval(eventTimeNs);
        final int slot = slot(eventTimeNs);
        final double forecast = level + trend + season[slot];
        final double residual = value - forecast;
        double z = Math.abs(residual) / Math.max(1.25 * meanAbsResidual, minScale);
        z = count < warmup ? 0.0 : Math.min(z, zCap);

        final double prevLevel = level;
        level = alpha * (value - season[slot]) + (1.0 - alpha) * (level + trend);
        trend = beta * (level - prevLevel) + (1.0 - beta) * trend;
        if (seasonLength > 1) {
            season[slot] = gamma * (value - level) + (1.0 - gamma) * season[slot];
        }
        meanAbsResidual += scaleAlpha * (Math.abs(residual) - meanAbsResidual);
        count++;
        return z;
    }

    private void probeInterval(final long eventTimeNs) {
        if (gaps < INTERVAL_PROBE) {
            final long gap = eventTimeNs - prevTimeNs;
            if (gap > 0 && gap < intervalNs) {
                intervalNs = gap;
            }
            if (++gaps == INTERVAL_PROBE && intervalNs != Long.MAX_VALUE) {
                final long length = (seasonNs + intervalNs / 2) / intervalNs;
                if (length >= 2 && length <= season.length) {
                    seasonLength = (int) length;
                }
            }
        }
        prevTimeNs = eventTimeNs;
    }

    private int slot(final long eventTimeNs) {
        if (seasonLength == 1) {
            return 0;
        }
        final long steps = (eventTimeNs - firstTimeNs + intervalNs / 2) / intervalNs;
        return (int) Math.floorMod(steps, (long) seasonLength);
    }

    /** @return the season length in values once inferred, 1 while unknown or disabled. */
    public int seasonLength() {
        return seasonLength;
    }

    @Override
    public String name() {
        return "holtwinters";
    }

    @Override
    public void writeState(final DataOutput out) throws IOException {
        out.writeInt(seasonLength);
        out.writeLong(firstTimeNs);
        out.writeLong(prevTimeNs);
        out.writeLong(intervalNs);
        out.writeInt(gaps);
        out.writeDouble(level);
        out.writeDouble(trend);
        out.writeDouble(meanAbsResidual);
        out.writeLong(count);
        StateIo.writeDoubles(out, season);
    }

    @Override
    public void readState(final DataInput in) throws IOException {
        final int length = in.readInt();
        if (length < 1 || length > season.length) {
            throw new IOException("holtwinters state: season length " + length + " does not fit " + season.length);
        }
        seasonLength = length;
        firstTimeNs = in.readLong();
        prevTimeNs = in.readLong();
        intervalNs = in.readLong();
        gaps = in.readInt();
        level = in.readDouble();
        trend = in.readDouble();
        meanAbsResidual = in.readDouble();
        count = in.readLong();
        StateIo.readDoubles(in, season, "holtwinters season");
    }
}

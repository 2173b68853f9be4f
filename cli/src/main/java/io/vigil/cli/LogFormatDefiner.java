package io.vigil.cli;

import ch.qos.logback.core.PropertyDefinerBase;

/**
 * Tells {@code logback.xml} which console appender to include, {@code vigil-log-json.xml} or
 * {@code vigil-log-text.xml}: {@code json} when {@link LoggingConfiguration#LOG_FORMAT vigil.log.format} is
 * {@code json}, {@code text} otherwise. Looked up as the
 * configuration keys are, first the system property, then the environment variable ({@code VIGIL_LOG_FORMAT}); a
 * configuration file is not read yet when logging starts. Anything but {@code json} gives text here, so that logging
 * always works; the commands that check their configuration ({@code vigil run}, {@code vigil config check}) refuse
 * such a value at start (exit 2).
 *
 * <p>Used by logback's {@code <define>} while it configures itself, once per logger context; no state.
 */
public final class LogFormatDefiner extends PropertyDefinerBase {
    /** The format to log in for {@code value} (the system property's or the environment's; null when unset). */
    static String formatFor(final String value) {
        return value != null && LoggingConfiguration.JSON.equals(value.trim()) ?
            LoggingConfiguration.JSON : LoggingConfiguration.TEXT;
    }

    @Override
    public String getPropertyValue() {
        String format = System.getProperty(LoggingConfiguration.LOG_FORMAT.name());
        if (format == null) {
            format = System.getenv(LoggingConfiguration.LOG_FORMAT.envName());
        }
        return formatFor(format);
    }
}

package org.containerj.launcher;

import org.apache.felix.framework.Logger;
import org.osgi.framework.BundleException;
import org.tinylog.Level;
import org.tinylog.provider.ProviderRegistry;

/**
 * The Felix framework logger ({@code felix.log.logger}), writing to tinylog instead of
 * stdout. Felix filters by {@code felix.log.level} (1 error .. 4 debug) before calling it;
 * tinylog reports the Felix class that logged as the source.
 */
final class FelixLog extends Logger {

    private static final String FELIX_LOGGER = Logger.class.getName();

    @Override
    protected void doLog(int level, String message, Throwable throwable) {
        Level l = switch (level) {
            case LOG_ERROR -> Level.ERROR;
            case LOG_WARNING -> Level.WARN;
            case LOG_INFO -> Level.INFO;
            default -> Level.DEBUG;
        };
        Throwable t = throwable instanceof BundleException be && be.getNestedException() != null
                ? be.getNestedException() : throwable;
        ProviderRegistry.getLoggingProvider().log(FELIX_LOGGER, null, l, t, null, message);
    }
}

package org.containerj.launcher;

/**
 * An invalid or unreadable daemon setting. The message names the file and,
 * where there is one, the offending key, so that it can be printed as is.
 */
public final class SettingsException extends Exception {

    private static final long serialVersionUID = 1L;

    public SettingsException(String message) {
        super(message);
    }

    public SettingsException(String message, Throwable cause) {
        super(message, cause);
    }
}

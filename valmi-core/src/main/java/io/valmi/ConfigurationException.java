package io.valmi;

/**
 * A sync is configured in a way that cannot work: an empty mapping, an unknown column, a destination
 * that does not support the requested mode. Never retriable; the message names the setting to fix.
 */
public class ConfigurationException extends ValmiException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong and how to fix it
     */
    public ConfigurationException(String message) {
        super(message);
    }
}

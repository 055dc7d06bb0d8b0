package org.containerj.api.remotes;

/**
 * Credentials for one registry host: a user name and secret for basic auth or a token
 * exchange, or only a secret that is an identity (refresh) token when {@code username}
 * is empty, as containerd's {@code Credentials} callback returns them.
 */
public record RegistryCredentials(String username, String secret) {

    public static final RegistryCredentials ANONYMOUS = new RegistryCredentials("", "");

    public RegistryCredentials {
        username = username == null ? "" : username;
        secret = secret == null ? "" : secret;
    }

    public boolean anonymous() {
        return username.isEmpty() && secret.isEmpty();
    }

    @Override
    public String toString() {
        return "RegistryCredentials[" + (anonymous() ? "anonymous" : username) + "]";
    }
}

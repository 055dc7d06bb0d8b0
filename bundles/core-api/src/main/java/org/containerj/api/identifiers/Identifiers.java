package org.containerj.api.identifiers;

import java.util.regex.Pattern;

import org.containerj.api.errdefs.ContainerjException;

/**
 * containerd's rules for identifiers chosen by clients: namespaces, container ids,
 * lease ids and the like. Alphanumerics separated by single {@code .}, {@code _} or
 * {@code -}, at most 76 characters. Checked before anything is written, so a bad id
 * changes nothing.
 */
public final class Identifiers {
    public static final int MAX_LENGTH = 76;

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*");

    private Identifiers() {
    }

    /** True when {@code id} is a valid identifier. */
    public static boolean isValid(String id) {
        return id != null && !id.isEmpty() && id.length() <= MAX_LENGTH && VALID.matcher(id).matches();
    }

    /**
     * Returns {@code id} when valid; otherwise throws INVALID_ARGUMENT with containerd's
     * wording ({@code identifier "x" must match ...}).
     */
    public static String validate(String id) {
        if (id == null || id.isEmpty()) {
            throw ContainerjException.invalidArgument("identifier must not be empty");
        }
        if (id.length() > MAX_LENGTH) {
            throw ContainerjException.invalidArgument("identifier %s greater than maximum length (%d characters)",
                    quote(id), MAX_LENGTH);
        }
        if (!VALID.matcher(id).matches()) {
            throw ContainerjException.invalidArgument("identifier %s must match %s", quote(id), VALID.pattern());
        }
        return id;
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }
}

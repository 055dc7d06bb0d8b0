package org.containerj.filters;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.containerj.api.errdefs.ContainerjException;

/**
 * Recursive-descent parser of one filter string:
 * <pre>
 * filter   = selector *( "," selector )
 * selector = path [ op value ]         op = "==" / "!=" / "~="
 * path     = field *( "." field )      field = name / quoted
 * value    = quoted / unquoted run up to "," (regex values may also be /.../)
 * </pre>
 */
final class FilterParser {
    private final String input;
    private int pos;

    FilterParser(String input) {
        this.input = input;
    }

    List<Selector> parse() {
        List<Selector> selectors = new ArrayList<>();
        do {
            skipSpace();
            selectors.add(selector());
            skipSpace();
        } while (accept(','));
        if (pos != input.length()) {
            throw error("unexpected input at position " + pos);
        }
        return List.copyOf(selectors);
    }

    private Selector selector() {
        List<String> path = new ArrayList<>();
        path.add(field());
        while (accept('.')) {
            path.add(field());
        }
        skipSpace();
        Selector.Operator op;
        if (acceptOp("==")) {
            op = Selector.Operator.EQUAL;
        } else if (acceptOp("!=")) {
            op = Selector.Operator.NOT_EQUAL;
        } else if (acceptOp("~=")) {
            op = Selector.Operator.MATCHES;
        } else {
            return new Selector(List.copyOf(path), Selector.Operator.PRESENT, null, null);
        }
        skipSpace();
        String value = value(op == Selector.Operator.MATCHES);
        Pattern regex = null;
        if (op == Selector.Operator.MATCHES) {
            try {
                regex = Pattern.compile(value);
            } catch (PatternSyntaxException e) {
                throw error("invalid regular expression " + value);
            }
        }
        return new Selector(List.copyOf(path), op, value, regex);
    }

    private String field() {
        if (peek() == '"') {
            return quoted('"');
        }
        int start = pos;
        while (pos < input.length() && isFieldChar(input.charAt(pos))) {
            pos++;
        }
        if (start == pos) {
            throw error("expected field name at position " + pos);
        }
        return input.substring(start, pos);
    }

    private String value(boolean regex) {
        char c = peek();
        if (c == '"') {
            return quoted('"');
        }
        if (regex && c == '/') {
            return quoted('/');
        }
        int start = pos;
        while (pos < input.length() && input.charAt(pos) != ',' && !Character.isWhitespace(input.charAt(pos))) {
            char v = input.charAt(pos);
            if (v == '"' || v == '=' || v == '!' || v == '~') {
                throw error("unexpected " + v + " in value at position " + pos);
            }
            pos++;
        }
        if (start == pos) {
            throw error("expected value at position " + pos);
        }
        return input.substring(start, pos);
    }

    private String quoted(char quote) {
        pos++; // opening quote
        StringBuilder b = new StringBuilder();
        while (pos < input.length()) {
            char c = input.charAt(pos++);
            if (c == quote) {
                return b.toString();
            }
            if (c == '\\' && pos < input.length()) {
                char e = input.charAt(pos++);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'r' -> b.append('\r');
                    default -> {
                        if (quote == '/' && e != '/') {
                            b.append('\\'); // keep regex escapes for the regex engine
                        }
                        b.append(e);
                    }
                }
            } else {
                b.append(c);
            }
        }
        throw error("unterminated quoted string");
    }

    private static boolean isFieldChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '-';
    }

    private boolean accept(char c) {
        if (peek() == c) {
            pos++;
            return true;
        }
        return false;
    }

    private boolean acceptOp(String op) {
        if (input.startsWith(op, pos)) {
            pos += op.length();
            return true;
        }
        return false;
    }

    private char peek() {
        return pos < input.length() ? input.charAt(pos) : '\0';
    }

    private void skipSpace() {
        while (pos < input.length() && Character.isWhitespace(input.charAt(pos))) {
            pos++;
        }
    }

    private ContainerjException error(String what) {
        return ContainerjException.invalidArgument("filters: %s in %s", what, "\"" + input + "\"");
    }
}

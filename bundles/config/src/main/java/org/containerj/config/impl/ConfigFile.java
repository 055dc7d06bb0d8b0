package org.containerj.config.impl;

import java.io.FilterReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.util.LinkedHashMap;
import java.util.Map;

import com.electronwill.nightconfig.core.Config;
import com.electronwill.nightconfig.core.io.ParsingException;
import com.electronwill.nightconfig.core.io.ParsingMode;
import com.electronwill.nightconfig.toml.TomlFormat;

/** Parses the text of one TOML file into plain maps (see {@link TomlValues}). */
final class ConfigFile {

    private ConfigFile() {
    }

    /** A TOML syntax error, with the line the parser had reached. */
    static final class SyntaxError extends Exception {
        private static final long serialVersionUID = 1L;

        SyntaxError(int line, String message) {
            super("line " + line + ": " + message);
        }
    }

    /**
     * Parses TOML text.
     *
     * @return the top-level table, its tables and arrays as plain maps and lists
     * @throws SyntaxError when the text is not valid TOML
     */
    static Map<String, Object> parse(String text) throws SyntaxError {
        LineCountingReader reader = new LineCountingReader(new StringReader(text));
        Config config = TomlFormat.instance().createConfig(LinkedHashMap::new);
        try {
            TomlFormat.instance().createParser().parse(reader, config, ParsingMode.REPLACE);
        } catch (ParsingException e) {
            throw new SyntaxError(reader.line(), message(e));
        }
        return TomlValues.table(TomlValues.plain(config));
    }

    private static String message(ParsingException e) {
        String m = e.getMessage();
        if (m == null || m.isEmpty()) {
            m = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage() : "invalid TOML";
        }
        if (m.startsWith("Invalid TOML data: ")) {
            m = m.substring("Invalid TOML data: ".length());
        }
        // one log line per problem: show control characters escaped
        return m.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
    }

    /**
     * Counts the lines the parser has read, so that a syntax error says where it is. A newline
     * only counts once a character after it was read: the parser reads the newline that ends a
     * bad value before it complains about the value.
     */
    private static final class LineCountingReader extends FilterReader {
        private int line = 1;
        private boolean afterNewline;

        LineCountingReader(Reader in) {
            super(in);
        }

        int line() {
            return line;
        }

        private void count(int c) {
            if (afterNewline) {
                line++;
                afterNewline = false;
            }
            if (c == '\n') {
                afterNewline = true;
            }
        }

        @Override
        public int read() throws IOException {
            int c = super.read();
            if (c >= 0) {
                count(c);
            }
            return c;
        }

        @Override
        public int read(char[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            for (int i = 0; i < n; i++) {
                count(buf[off + i]);
            }
            return n;
        }
    }
}

package ed4j.nn.io;

import java.io.IOException;
import java.util.Arrays;

/**
 * A strict, non-recursive JSON (RFC 8259) reader over a string, pulled value by value by the
 * caller that knows the expected structure. Values the caller does not want are skipped with a
 * bounded nesting depth, so no input can exhaust the stack.
 */
final class JsonReader {

    /** Deepest nesting {@link #skipValue()} accepts. */
    static final int MAX_SKIP_DEPTH = 64;

    private final String s;
    private final String where;
    private int pos;

    JsonReader(String text, String where) {
        this.s = text;
        this.where = where;
    }

    /** Handles one member of an object; the reader stands at the member's value. */
    @FunctionalInterface
    interface MemberHandler {
        void member(String name) throws IOException;
    }

    /** Reads an object, calling {@code handler} for each member in order. */
    void readObject(MemberHandler handler) throws IOException {
        expect('{');
        skipSpace();
        if (peek() == '}') {
            pos++;
            return;
        }
        while (true) {
            skipSpace();
            String name = readString();
            expect(':');
            handler.member(name);
            skipSpace();
            char c = next();
            if (c == '}') {
                return;
            }
            if (c != ',') {
                throw error(pos - 1, "expected ',' or '}' after an object member");
            }
        }
    }

    /** Reads an array of non-negative integers of at most {@code maxLength} elements. */
    long[] readCountArray(int maxLength, String what) throws IOException {
        expect('[');
        long[] out = new long[4];
        int n = 0;
        skipSpace();
        if (peek() == ']') {
            pos++;
            return new long[0];
        }
        while (true) {
            if (n == maxLength) {
                throw error(pos, what + " has more than " + maxLength + " entries");
            }
            if (n == out.length) {
                out = Arrays.copyOf(out, n * 2);
            }
            out[n++] = readCount(what);
            skipSpace();
            char c = next();
            if (c == ']') {
                return Arrays.copyOf(out, n);
            }
            if (c != ',') {
                throw error(pos - 1, "expected ',' or ']' in " + what);
            }
        }
    }

    /** Reads a non-negative integer that fits in a signed 64-bit value. */
    long readCount(String what) throws IOException {
        skipSpace();
        int start = pos;
        long v = 0;
        while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
            int digit = s.charAt(pos) - '0';
            if (v > (Long.MAX_VALUE - digit) / 10) {
                throw error(start, what + " holds a number too large for a file offset or size");
            }
            v = v * 10 + digit;
            pos++;
        }
        if (pos == start) {
            throw error(start, "expected a non-negative integer in " + what);
        }
        if (pos - start > 1 && s.charAt(start) == '0') {
            throw error(start, "leading zero in a number");
        }
        if (pos < s.length() && ".eE".indexOf(s.charAt(pos)) >= 0) {
            throw error(start, "expected an integer in " + what);
        }
        return v;
    }

    /** Reads a string value, resolving escapes; lone surrogates are rejected. */
    String readString() throws IOException {
        skipSpace();
        int start = pos;
        if (next() != '"') {
            throw error(start, "expected a string");
        }
        StringBuilder b = null;
        int runStart = pos;
        while (true) {
            if (pos >= s.length()) {
                throw error(start, "unterminated string");
            }
            char c = s.charAt(pos);
            if (c == '"') {
                String out = b == null ? s.substring(runStart, pos)
                        : b.append(s, runStart, pos).toString();
                pos++;
                return out;
            }
            if (c < 0x20) {
                throw error(pos, "control character in a string");
            }
            if (c == '\\') {
                if (b == null) {
                    b = new StringBuilder();
                }
                b.append(s, runStart, pos);
                pos++;
                b.append(escape());
                runStart = pos;
                continue;
            }
            if (Character.isSurrogate(c)) {
                checkSurrogatePair(c, pos + 1 < s.length() ? s.charAt(pos + 1) : 0, pos);
                pos++;
            }
            pos++;
        }
    }

    private String escape() throws IOException {
        char e = next();
        switch (e) {
            case '"':
                return "\"";
            case '\\':
                return "\\";
            case '/':
                return "/";
            case 'b':
                return "\b";
            case 'f':
                return "\f";
            case 'n':
                return "\n";
            case 'r':
                return "\r";
            case 't':
                return "\t";
            case 'u':
                char c = hex4();
                if (!Character.isSurrogate(c)) {
                    return String.valueOf(c);
                }
                if (Character.isHighSurrogate(c) && s.startsWith("\\u", pos)) {
                    pos += 2;
                    char low = hex4();
                    checkSurrogatePair(c, low, pos - 6);
                    return new String(new char[] {c, low});
                }
                throw error(pos - 6, "lone surrogate in a \\u escape");
            default:
                throw error(pos - 1, "invalid escape '\\" + e + "'");
        }
    }

    private void checkSurrogatePair(char high, char low, int at) throws IOException {
        if (!Character.isHighSurrogate(high) || !Character.isLowSurrogate(low)) {
            throw error(at, "lone surrogate in a string");
        }
    }

    private char hex4() throws IOException {
        if (pos + 4 > s.length()) {
            throw error(pos, "truncated \\u escape");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(s.charAt(pos + i), 16);
            if (d < 0 || s.charAt(pos + i) > 'f') {
                throw error(pos, "invalid \\u escape");
            }
            v = v * 16 + d;
        }
        pos += 4;
        return (char) v;
    }

    /** Skips one value of any kind, checking its syntax, without recursion. */
    void skipValue() throws IOException {
        // Open containers, innermost last: '{' or '['.
        char[] open = new char[MAX_SKIP_DEPTH];
        int depth = 0;
        while (true) {
            skipSpace();
            char c = peek();
            if (c == '{' || c == '[') {
                if (depth == MAX_SKIP_DEPTH) {
                    throw error(pos, "nesting deeper than " + MAX_SKIP_DEPTH);
                }
                open[depth++] = c;
                pos++;
                skipSpace();
                if (peek() == (c == '{' ? '}' : ']')) {
                    pos++;
                    depth--;
                } else {
                    if (c == '{') {
                        readString();
                        expect(':');
                    }
                    continue;
                }
            } else if (c == '"') {
                readString();
            } else if (c == '-' || (c >= '0' && c <= '9')) {
                skipNumber();
            } else if (!skipLiteral("true") && !skipLiteral("false") && !skipLiteral("null")) {
                throw error(pos, "unexpected character '" + c + "'");
            }
            // After a complete value: close containers or move to the next element.
            while (true) {
                if (depth == 0) {
                    return;
                }
                skipSpace();
                char close = open[depth - 1] == '{' ? '}' : ']';
                char n = next();
                if (n == close) {
                    depth--;
                    continue;
                }
                if (n != ',') {
                    throw error(pos - 1, "expected ',' or '" + close + "'");
                }
                if (open[depth - 1] == '{') {
                    readString();
                    expect(':');
                }
                break;
            }
        }
    }

    private boolean skipLiteral(String literal) {
        if (s.startsWith(literal, pos)) {
            pos += literal.length();
            return true;
        }
        return false;
    }

    private void skipNumber() throws IOException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (digits() == 0) {
            throw error(start, "malformed number");
        }
        if (s.charAt(start) == '0' || (s.charAt(start) == '-' && s.charAt(start + 1) == '0')) {
            if (pos - start > (s.charAt(start) == '-' ? 2 : 1)) {
                throw error(start, "leading zero in a number");
            }
        }
        if (pos < s.length() && s.charAt(pos) == '.') {
            pos++;
            if (digits() == 0) {
                throw error(start, "malformed number");
            }
        }
        if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
            pos++;
            if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
                pos++;
            }
            if (digits() == 0) {
                throw error(start, "malformed number");
            }
        }
    }

    private int digits() {
        int start = pos;
        while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
            pos++;
        }
        return pos - start;
    }

    /** Checks that only whitespace is left. */
    void end() throws IOException {
        skipSpace();
        if (pos != s.length()) {
            throw error(pos, "unexpected text after the JSON value");
        }
    }

    void expect(char c) throws IOException {
        skipSpace();
        if (next() != c) {
            throw error(pos - 1, "expected '" + c + "'");
        }
    }

    char peek() throws IOException {
        if (pos >= s.length()) {
            throw error(pos, "unexpected end of the header");
        }
        return s.charAt(pos);
    }

    private char next() throws IOException {
        char c = peek();
        pos++;
        return c;
    }

    void skipSpace() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    /** An error at character {@code at} of the header, quoting the text around it. */
    IOException error(int at, String what) {
        int from = Math.max(0, Math.min(at, s.length()) - 20);
        int to = Math.min(s.length(), Math.max(at, 0) + 20);
        String near = s.substring(from, to).replaceAll("[\\p{Cntrl}]", "?");
        return new IOException(where + ": malformed JSON header at character " + at + ": " + what
                + " (near \"" + near + "\")");
    }
}

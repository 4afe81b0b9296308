package ed4j.ed.cli;

import java.util.Map;

/** The table of effective settings printed when a command starts. */
final class Banner {

    private Banner() {}

    static void print(Map<String, String> settings) {
        int width = settings.keySet().stream().mapToInt(String::length).max().orElse(10);
        StringBuilder sb = new StringBuilder("settings\n");
        settings.forEach((k, v) -> sb.append("  ").append(k)
                .append(" ".repeat(width - k.length() + 2)).append(v).append('\n'));
        System.out.print(sb);
    }
}

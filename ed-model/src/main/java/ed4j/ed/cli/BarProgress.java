package ed4j.ed.cli;

import ed4j.ed.train.Progress;
import java.time.Duration;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress bars with throughput and ETA on an interactive terminal; on a pipe or in a log, the
 * same bar as a log line every few seconds.
 */
final class BarProgress implements Progress {

    private static final Logger LOG = LoggerFactory.getLogger("progress");
    private final boolean interactive = System.console() != null;

    @Override
    public Task start(String name, long total, String unit) {
        ProgressBarBuilder b = new ProgressBarBuilder()
                .setTaskName(name)
                .setInitialMax(total)
                .setUnit(" " + unit, 1)
                .showSpeed()
                .setStyle(ProgressBarStyle.ASCII);
        if (interactive) {
            b.setUpdateIntervalMillis(500);
        } else {
            // On close the bar renders its last state once more: log a line only when it changed.
            String[] last = {null};
            b.setConsumer(new DelegatingProgressBarConsumer(line -> {
                        if (!line.equals(last[0])) {
                            last[0] = line;
                            LOG.info(line);
                        }
                    }))
                    .setUpdateIntervalMillis((int) Duration.ofSeconds(15).toMillis());
        }
        ProgressBar bar = b.build();
        return new Task() {
            @Override
            public void step(long n) {
                bar.stepBy(n);
            }

            @Override
            public void status(String text) {
                // The bar prints the message right after the speed, with no separator.
                bar.setExtraMessage(" " + text);
            }

            @Override
            public void close() {
                bar.close();
            }
        };
    }
}

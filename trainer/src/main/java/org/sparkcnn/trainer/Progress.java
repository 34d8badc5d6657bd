package org.sparkcnn.trainer;

import java.io.PrintStream;
import java.util.Locale;
import org.sparkcnn.jobs.TrainingJob;

/**
 * Progress on stdout. On a terminal, one live line rewritten in place (at most 4 times a second);
 * in a log, one line every {@code logEvery} steps.
 */
final class Progress {

    private final PrintStream out;
    private final boolean live;
    private final int logEvery;
    private final int epochs;
    private final long totalSteps;
    private final long started = System.nanoTime();
    private long lastDraw;
    private double windowLoss;
    private int windowSteps;
    private long windowExamples;
    private double windowMs;
    private boolean lineOpen;

    Progress(PrintStream out, boolean live, int logEvery, int epochs, long totalSteps) {
        this.out = out;
        this.live = live;
        this.logEvery = logEvery;
        this.epochs = epochs;
        this.totalSteps = totalSteps;
    }

    synchronized void step(TrainingJob.StepMetrics m) {
        windowLoss += m.loss();
        windowSteps++;
        windowExamples += m.examples();
        windowMs += m.totalMs();
        long done = m.step() + 1;
        long now = System.nanoTime();
        boolean last = done == totalSteps;
        if (live ? now - lastDraw > 250_000_000L || last : done % logEvery == 0 || last) {
            String line = line(m.epoch(), done, now);
            if (live) {
                out.print("\r" + line + "   ");
                lineOpen = true;
            } else {
                out.println(line);
            }
            out.flush();
            lastDraw = now;
            windowLoss = 0;
            windowSteps = 0;
            windowExamples = 0;
            windowMs = 0;
        }
    }

    private String line(int epoch, long done, long now) {
        double elapsed = (now - started) / 1e9;
        double eta = elapsed / done * (totalSteps - done);
        return String.format(Locale.ROOT, "epoch %d/%s  step %d/%d  loss %.4f  %.0f img/s  elapsed %s  ETA %s",
                epoch + 1, epochs > 0 ? Integer.toString(epochs) : "-", done, totalSteps, windowLoss / windowSteps,
                windowMs > 0 ? windowExamples * 1000 / windowMs : 0, duration(elapsed), duration(eta));
    }

    /** Prints a message on its own line, ending a live progress line first. */
    synchronized void message(String text) {
        if (lineOpen) {
            out.println();
            lineOpen = false;
        }
        out.println(text);
        out.flush();
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}

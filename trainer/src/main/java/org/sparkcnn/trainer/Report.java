package org.sparkcnn.trainer;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.sparkcnn.jobs.Evaluation;

/**
 * The training curves as a PNG (JFreeChart) and a self-contained HTML report (the PNG inlined, the
 * summary, per-class metrics and the confusion matrix).
 */
final class Report {

    static final int WIDTH = 1000;
    static final int HEIGHT = 700;

    /** What the curves are drawn from, collected as training runs. */
    static final class Curves {
        final XYSeries trainLoss = new XYSeries("train loss (mean over log interval)");
        final XYSeries trainAccuracy = new XYSeries("train accuracy (mean over log interval)");
        final XYSeries validationLoss = new XYSeries("validation loss");
        final XYSeries validationAccuracy = new XYSeries("validation accuracy");
        final List<long[]> epochEnds = new ArrayList<>();  // {step, epoch}
        private double lossSum;
        private double accuracySum;
        private int lossCount;

        /** {@code accuracy}: the step's training accuracy, NaN if unknown (older metrics files). */
        void step(long step, double loss, double accuracy, int every) {
            lossSum += loss;
            accuracySum += accuracy;
            lossCount++;
            if (lossCount == every) {
                flush(step);
            }
        }

        void flush(long step) {
            if (lossCount > 0) {
                trainLoss.add(step, lossSum / lossCount);
                if (!Double.isNaN(accuracySum)) {
                    trainAccuracy.add(step, accuracySum / lossCount);
                }
                lossSum = 0;
                accuracySum = 0;
                lossCount = 0;
            }
        }

        void validation(long step, double loss, double accuracy) {
            validationLoss.add(step, loss);
            validationAccuracy.add(step, accuracy);
        }

        /** Rebuilds the curves from a metrics record of an earlier attempt (a resumed run), in order. */
        void replay(java.util.Map<String, Object> r, int every, int stepsPerEpoch) {
            if (!(r.get("step") instanceof Number n)) {
                return;
            }
            long s = n.longValue();
            if ("step".equals(r.get("type")) && r.get("loss") instanceof Number loss) {
                step(s, loss.doubleValue(), r.get("accuracy") instanceof Number a ? a.doubleValue() : Double.NaN, every);
                if (s % stepsPerEpoch == 0) {
                    epochEnd(s, (int) (s / stepsPerEpoch));
                }
            } else if ("validation".equals(r.get("type")) && r.get("loss") instanceof Number loss
                    && r.get("accuracy") instanceof Number accuracy) {
                flush(s);
                validation(s, loss.doubleValue(), accuracy.doubleValue());
            }
        }

        void epochEnd(long step, int epoch) {
            epochEnds.add(new long[]{step, epoch});
        }
    }

    private Report() {
    }

    static BufferedImage curves(String title, Curves c) {
        NumberAxis stepAxis = new NumberAxis("step");
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(stepAxis);
        plot.setGap(12);
        XYSeriesCollection losses = new XYSeriesCollection();
        losses.addSeries(c.trainLoss);
        losses.addSeries(c.validationLoss);
        XYPlot lossPlot = new XYPlot(losses, null, new NumberAxis("loss"), renderer(false, true));
        ((NumberAxis) lossPlot.getRangeAxis()).setAutoRangeIncludesZero(true);
        XYSeriesCollection accuracy = new XYSeriesCollection();
        accuracy.addSeries(c.trainAccuracy);
        accuracy.addSeries(c.validationAccuracy);
        NumberAxis accuracyAxis = new NumberAxis("accuracy");
        accuracyAxis.setAutoRangeIncludesZero(false);
        XYPlot accuracyPlot = new XYPlot(accuracy, null, accuracyAxis, renderer(false, true));
        for (XYPlot p : List.of(lossPlot, accuracyPlot)) {
            p.setBackgroundPaint(Color.WHITE);
            p.setDomainGridlinePaint(new Color(0xdddddd));
            p.setRangeGridlinePaint(new Color(0xdddddd));
            for (long[] e : c.epochEnds) {
                ValueMarker m = new ValueMarker(e[0], new Color(0x999999), new BasicStroke(0.8f));
                if (p == accuracyPlot) {
                    m.setLabel("epoch " + e[1]);
                    m.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
                }
                p.addDomainMarker(m);
            }
        }
        plot.add(lossPlot, 3);
        plot.add(accuracyPlot, 2);
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 16), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart.createBufferedImage(WIDTH, HEIGHT);
    }

    private static XYLineAndShapeRenderer renderer(boolean... shapes) {
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        Color[] colors = {new Color(0x1f77b4), new Color(0xd62728)};
        for (int i = 0; i < shapes.length; i++) {
            r.setSeriesShapesVisible(i, shapes[i]);
            r.setSeriesPaint(i, colors[shapes.length == 1 ? 1 : i]);
            r.setSeriesStroke(i, new BasicStroke(1.6f));
        }
        return r;
    }

    static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    /** The HTML report: no external resources, so it can be mailed or opened from HDFS downloads. */
    static String html(String title, Map<String, Object> summary, byte[] curvesPng, Evaluation.Counts test) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(escape(title))
                .append("</title>\n<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
                        + "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}"
                        + "td.k{text-align:left}</style></head><body>\n");
        h.append("<h1>").append(escape(title)).append("</h1>\n<h2>Summary</h2>\n<table>\n");
        for (Map.Entry<String, Object> e : summary.entrySet()) {
            h.append("<tr><td class=\"k\">").append(escape(e.getKey())).append("</td><td class=\"k\">")
                    .append(escape(format(e.getValue()))).append("</td></tr>\n");
        }
        h.append("</table>\n<h2>Training curves</h2>\n<img alt=\"loss and accuracy against step\" width=\"").append(WIDTH)
                .append("\" height=\"").append(HEIGHT).append("\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(curvesPng)).append("\">\n");
        h.append("<h2>Test set: per class</h2>\n<table><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>\n");
        long[][] confusion = test.confusion();
        long max = 1;
        for (int k = 0; k < confusion.length; k++) {
            long support = 0;
            for (long v : confusion[k]) {
                support += v;
                max = Math.max(max, v);
            }
            h.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%d</td></tr>%n",
                    k, test.precision(k), test.recall(k), test.f1(k), support));
        }
        h.append("</table>\n<h2>Test set: confusion matrix</h2>\n<p>Rows: true class; columns: predicted class.</p>\n<table><tr><th></th>");
        for (int k = 0; k < confusion.length; k++) {
            h.append("<th>").append(k).append("</th>");
        }
        h.append("</tr>\n");
        for (int i = 0; i < confusion.length; i++) {
            h.append("<tr><th>").append(i).append("</th>");
            for (int j = 0; j < confusion.length; j++) {
                int shade = 255 - (int) (180 * confusion[i][j] / (double) max);
                h.append(String.format(Locale.ROOT, "<td style=\"background:rgb(%d,%d,255)\">%d</td>", shade, shade, confusion[i][j]));
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n</body></html>\n");
        return h.toString();
    }

    private static String format(Object v) {
        if (v instanceof Double d) {
            return String.format(Locale.ROOT, "%.6g", d);
        }
        return String.valueOf(v);
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}

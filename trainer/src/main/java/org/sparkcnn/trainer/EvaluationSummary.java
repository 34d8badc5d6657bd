package org.sparkcnn.trainer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkcnn.jobs.Evaluation;

/** An evaluation as a JSON-ready map and as a text table. */
final class EvaluationSummary {

    private EvaluationSummary() {
    }

    static Map<String, Object> toMap(Evaluation.Counts c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("examples", c.examples());
        m.put("loss", c.loss());
        m.put("accuracy", c.accuracy());
        Map<String, Object> topK = new LinkedHashMap<>();
        for (int k = 1; k <= c.maxK(); k++) {
            topK.put(Integer.toString(k), c.topKAccuracy(k));
        }
        m.put("top_k_accuracy", topK);
        m.put("macro_f1", c.macroF1());
        List<Map<String, Object>> perClass = new ArrayList<>();
        long[][] confusion = c.confusion();
        for (int k = 0; k < confusion.length; k++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("class", k);
            long support = 0;
            for (long v : confusion[k]) {
                support += v;
            }
            row.put("support", support);
            row.put("precision", finiteOrNull(c.precision(k)));
            row.put("recall", finiteOrNull(c.recall(k)));
            row.put("f1", finiteOrNull(c.f1(k)));
            perClass.add(row);
        }
        m.put("per_class", perClass);
        m.put("confusion", confusion);
        return m;
    }

    private static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }

    static String table(Evaluation.Counts c) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "examples %d   loss %.4f   accuracy %.4f   macro F1 %.4f%n", c.examples(), c.loss(),
                c.accuracy(), c.macroF1()));
        sb.append("top-k accuracy:");
        for (int k = 1; k <= c.maxK(); k++) {
            sb.append(String.format(Locale.ROOT, "  top-%d %.4f", k, c.topKAccuracy(k)));
        }
        sb.append(System.lineSeparator());
        sb.append(String.format(Locale.ROOT, "%6s %9s %9s %9s %8s%n", "class", "precision", "recall", "f1", "support"));
        long[][] confusion = c.confusion();
        for (int k = 0; k < confusion.length; k++) {
            long support = 0;
            for (long v : confusion[k]) {
                support += v;
            }
            sb.append(String.format(Locale.ROOT, "%6d %9.4f %9.4f %9.4f %8d%n", k, c.precision(k), c.recall(k), c.f1(k), support));
        }
        sb.append("confusion matrix (rows: true class, columns: predicted):").append(System.lineSeparator());
        for (long[] row : confusion) {
            for (long v : row) {
                sb.append(String.format(Locale.ROOT, "%6d", v));
            }
            sb.append(System.lineSeparator());
        }
        return sb.toString();
    }
}

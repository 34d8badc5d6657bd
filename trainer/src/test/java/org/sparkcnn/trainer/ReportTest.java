package org.sparkcnn.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ReportTest {

    @Test
    void curvesAreAPngOfTheDocumentedSize() throws IOException {
        Report.Curves c = new Report.Curves();
        for (int step = 1; step <= 200; step++) {
            c.step(step, 2.0 / Math.sqrt(step), 0.9 - 0.5 / Math.sqrt(step), 10);
            if (step % 100 == 0) {
                c.epochEnd(step, step / 100);
                c.validation(step, 1.0 / step, 0.5 + step / 1000.0);
            }
        }
        byte[] png = Report.png(Report.curves("test", c));
        assertEquals(20, c.trainLoss.getItemCount(), "one mean per 10 steps");
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(Report.WIDTH, image.getWidth());
        assertEquals(Report.HEIGHT, image.getHeight());
        int distinct = (int) java.util.stream.IntStream.range(0, 200).map(i -> image.getRGB(100 + i * 4, 300)).distinct().count();
        assertTrue(distinct > 1, "the plot area is not blank");
    }

    @Test
    void htmlIsSelfContainedAndEscaped() {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("model", "<lenet5>");
        String html = Report.html("run & report", summary, new byte[]{1, 2, 3}, countsOf3());
        assertTrue(html.contains("&lt;lenet5&gt;") && html.contains("run &amp; report"));
        assertTrue(html.contains("src=\"data:image/png;base64,AQID\""), "the PNG is inlined");
        assertTrue(!html.contains("http://") && !html.contains("https://"), "no external resources");
        assertTrue(html.contains("confusion matrix"));
    }

    private static org.sparkcnn.jobs.Evaluation.Counts countsOf3() {
        org.sparkcnn.jobs.Evaluation.Counts c = new org.sparkcnn.jobs.Evaluation.Counts(3);
        c.add(new float[]{3, 1, 2}, 0, 3, 0);
        c.add(new float[]{1, 1, 5}, 0, 3, 2);
        return c;
    }
}

package org.sparkcnn.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench engine --rounds-from-stdin}: the protocol docs/bench/interleaved-vs-pytorch.py drives. */
class BenchRoundsTest {

    @TempDir
    Path tmp;

    @RegisterExtension
    final CapturedStderr err = new CapturedStderr();

    private String out = "";

    /** Runs the command with {@code input} as standard input; captures its output. */
    private int run(String input) throws Exception {
        Path data = TinyDataset.write(tmp.resolve("data"), 256, 64);
        InputStream oldIn = System.in;
        PrintStream oldOut = System.out;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        try {
            return SparkCnn.run("bench", "engine", "--model", "lenet5", "--data", data.toString(), "--warmup", "0.2",
                    "--seconds", "0.2", "--rounds-from-stdin");
        } finally {
            System.setIn(oldIn);
            System.setOut(oldOut);
            out = o.toString(StandardCharsets.UTF_8);
        }
    }

    private List<String> rounds() {
        return out.lines().filter(l -> l.startsWith("ROUND ")).toList();
    }

    @Test
    void oneRoundPerLineAfterReadyThenABadLineIsNamed() throws Exception {
        assertEquals(2, run("train\ninfer\ntrain\nbogus\ninfer\n"), err.text());
        List<String> lines = out.lines().toList(), rounds = rounds();
        assertEquals(List.of("train", "infer", "train"), rounds.stream().map(l -> l.split(" ")[1]).toList(), out);
        for (String round : rounds) {
            assertTrue(Double.parseDouble(round.split(" ")[2]) > 0, round);
        }
        assertTrue(lines.indexOf("READY") >= 0 && lines.indexOf("READY") < lines.indexOf(rounds.get(0)), out);
        assertTrue(err.text().contains("--rounds-from-stdin: expected a line 'train', 'infer' or 'quit', got 'bogus'"), err.text());
    }

    @Test
    void quitEndsTheRounds() throws Exception {
        assertEquals(0, run("infer\nquit\ntrain\n"), err.text());
        assertEquals(1, rounds().size(), out);
        assertTrue(rounds().get(0).startsWith("ROUND infer "), out);
    }
}

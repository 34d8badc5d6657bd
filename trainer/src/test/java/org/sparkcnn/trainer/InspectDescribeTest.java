package org.sparkcnn.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.ModelDefinition;

/**
 * {@code inspect MODEL}'s table for a residual graph: each node's parameters and FLOPs come from its
 * own input's shape (a projection shortcut reads the stage's input, not the node listed before it),
 * the rows add up to the model's totals, and a node that does not take the previous node's output
 * lists its inputs.
 */
class InspectDescribeTest {

    private static Optional<String> row(List<String> lines, String name) {
        return lines.stream().filter(l -> l.contains("'" + name + "'")).findFirst();
    }

    private static long column(String row, int fromRight) {
        String[] cells = row.trim().split("\\s{2,}");
        return Long.parseLong(cells[cells.length - fromRight].replace(",", ""));
    }

    @Test
    void resnet8RowsUseEachNodesOwnInput() throws Exception {
        ModelDefinition def = ModelDefinition.load("resnet8");
        List<String> lines = Arrays.asList(InspectCommand.describe(def).split("\n"));
        String proj = row(lines, "s2b1_proj_conv").orElseThrow();
        // 1x1 conv 16 -> 32 at stride 2 on 16x28x28: 512 weights, 2 * 512 * 14 * 14 FLOPs
        assertTrue(proj.trim().endsWith("s1b1_relu2"), proj);
        assertEquals(512, column(proj, 3), proj);
        assertEquals(2L * 512 * 14 * 14, column(proj, 2), proj);
        assertTrue(row(lines, "s1b1_add").orElseThrow().trim().endsWith("s1b1_bn2, relu1"), lines.toString());
        assertFalse(row(lines, "s1b1_conv2").orElseThrow().contains("relu1"), "a chain step lists no inputs");

        long params = 0, flops = 0;
        for (String line : lines) {
            if (line.matches("\\s*\\d+ .*")) {
                boolean listsInputs = line.trim().split("\\s{2,}").length == 6;
                params += column(line, listsInputs ? 3 : 2);
                flops += column(line, listsInputs ? 2 : 1);
            }
        }
        assertEquals(def.paramCount(), params, "the rows add up to the model's parameters");
        assertEquals(def.forwardFlops(), flops, "the rows add up to the model's FLOPs");
    }
}

package org.sparkcnn.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.sparkcnn.engine.layers.Layer;

/**
 * Orders the nodes of a graph model and resolves their inputs: names unique (and not "input"), every
 * input known, no cycle, and every node but the output used. Kahn's algorithm, always taking the
 * earliest ready node of the file, so a file already in topological order keeps its order.
 */
final class ModelGraph {

    /** The network input's name, as a node's input. */
    static final String INPUT = "input";

    /** The nodes in topological order, and each node's inputs as indices into it (-1: the network input). */
    record Ordered(List<ModelDefinition.Node> nodes, List<int[]> inputs) {
    }

    private ModelGraph() {
    }

    static String label(Layer layer) {
        return "node '" + layer.name() + "' (" + layer.type() + ")";
    }

    static Ordered order(List<ModelDefinition.Node> nodes) {
        int count = nodes.size();
        Map<String, Integer> byName = new HashMap<>();
        for (int i = 0; i < count; i++) {
            Layer layer = nodes.get(i).layer();
            if (layer.name().equals(INPUT)) {
                throw new IllegalArgumentException(label(layer) + ": the name 'input' is reserved for the network input");
            }
            if (byName.putIfAbsent(layer.name(), i) != null) {
                throw new IllegalArgumentException(label(layer) + ": duplicate node name");
            }
        }
        // Each node's inputs in file indices; a node without inputs takes the previous node (the first: the input).
        int[][] in = new int[count][];
        for (int i = 0; i < count; i++) {
            List<String> names = nodes.get(i).inputs();
            if (names.isEmpty()) {
                in[i] = new int[]{i - 1};
                continue;
            }
            in[i] = new int[names.size()];
            for (int s = 0; s < names.size(); s++) {
                String name = names.get(s);
                Integer at = name.equals(INPUT) ? Integer.valueOf(-1) : byName.get(name);
                if (at == null) {
                    throw new IllegalArgumentException(label(nodes.get(i).layer()) + ": unknown input '" + name
                            + "' (no node has that name; the network input is 'input')");
                }
                in[i][s] = at;
            }
        }
        int[] position = new int[count];
        java.util.Arrays.fill(position, -1);
        List<Integer> order = new ArrayList<>();
        while (order.size() < count) {
            int next = -1;
            for (int i = 0; i < count && next < 0; i++) {
                if (position[i] < 0 && ready(in[i], position)) {
                    next = i;
                }
            }
            if (next < 0) {
                throw cycle(nodes, in, position);
            }
            position[next] = order.size();
            order.add(next);
        }
        List<ModelDefinition.Node> sorted = new ArrayList<>();
        List<int[]> inputs = new ArrayList<>();
        int[] consumers = new int[count];
        for (int i : order) {
            sorted.add(nodes.get(i));
            int[] ins = new int[in[i].length];
            for (int s = 0; s < ins.length; s++) {
                ins[s] = in[i][s] < 0 ? -1 : position[in[i][s]];
                if (in[i][s] >= 0) {
                    consumers[in[i][s]]++;
                }
            }
            inputs.add(ins);
        }
        for (int k = 0; k < count - 1; k++) {  // the last node in order is the output
            int i = order.get(k);
            if (consumers[i] == 0) {
                throw new IllegalArgumentException(label(nodes.get(i).layer()) + ": its output is not used (only the model's output, '"
                        + nodes.get(order.get(count - 1)).layer().name() + "', may be unused)");
            }
        }
        return new Ordered(sorted, inputs);
    }

    private static boolean ready(int[] in, int[] position) {
        for (int p : in) {
            if (p >= 0 && position[p] < 0) {
                return false;
            }
        }
        return true;
    }

    /** Follows unplaced inputs from the first unplaced node until one repeats: that loop is a cycle. */
    private static IllegalArgumentException cycle(List<ModelDefinition.Node> nodes, int[][] in, int[] position) {
        int start = 0;
        while (position[start] >= 0) {
            start++;
        }
        List<Integer> path = new ArrayList<>();
        int cur = start;
        while (!path.contains(cur)) {
            path.add(cur);
            int next = -1;
            for (int p : in[cur]) {
                if (p >= 0 && position[p] < 0) {
                    next = p;
                    break;
                }
            }
            cur = next;
        }
        List<Integer> loop = path.subList(path.indexOf(cur), path.size());
        StringBuilder sb = new StringBuilder();
        for (int i : loop) {
            sb.append(nodes.get(i).layer().name()).append(" <- ");
        }
        sb.append(nodes.get(cur).layer().name());
        return new IllegalArgumentException(label(nodes.get(cur).layer()) + ": the graph has a cycle (" + sb
                + ", each node taking the next as input)");
    }
}

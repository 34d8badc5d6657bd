package org.sparkcnn.trainer;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.ModelFile;
import org.sparkcnn.engine.Shape;
import org.sparkcnn.engine.layers.Layer;
import org.sparkcnn.jobs.checkpoint.Checkpoint;
import org.sparkcnn.jobs.checkpoint.CheckpointStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sparkcnn inspect}: what a model file or definition holds. Needs no Spark context. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a model's layers, output shapes, parameter counts and FLOPs; for a model file also its "
                + "normalization and training provenance.")
final class InspectCommand implements Callable<Integer> {

    @Parameters(paramLabel = "MODEL", description = "A model file or a checkpoint directory (any Hadoop URI), a model name in conf/models, or a model JSON file.")
    String model;
    @Option(names = "--config", description = "Also print the training configuration stored in a model file.")
    boolean showConfig;

    @Override
    public Integer call() throws Exception {
        Configuration hadoop = SparkSetup.hadoop(SparkSetup.conf(null, "sparkcnn inspect"));
        ModelFile.SavedModel saved = null;
        ModelDefinition def;
        org.apache.hadoop.fs.Path asCheckpoint = checkpointDir(hadoop, model);
        if (asCheckpoint != null) {
            return inspectCheckpoint(hadoop, asCheckpoint);
        }
        if (model.endsWith(".json") || !model.contains(".") && !model.contains("/")) {
            def = Checks.model(model);
        } else {
            saved = Storage.readModel(hadoop, model);
            def = saved.definition();
        }
        System.out.print(describe(def));
        if (saved != null) {
            System.out.println("normalization: " + saved.normalization());
            System.out.println("weights sha256 (computed): " + ModelFile.sha256(saved.params()));
            if (saved.buffers().length > 0) {  // as train prints it: of the weights followed by the running statistics
                System.out.println("weights+state sha256 (as train prints it): "
                        + org.sparkcnn.jobs.TrainingJob.modelSha256(saved.params(), saved.buffers()));
            }
            System.out.println("provenance:");
            for (Map.Entry<String, String> e : saved.metadata().entrySet()) {
                if (!e.getKey().equals("config")) {
                    System.out.println("  " + e.getKey() + ": " + e.getValue());
                }
            }
            if (showConfig && saved.metadata().containsKey("config")) {
                System.out.println("training configuration:");
                System.out.print(saved.metadata().get("config").indent(2));
            }
        }
        return 0;
    }

    /** The checkpoint directory {@code uri} names (the directory, or its state.bin or manifest), or null. */
    private static org.apache.hadoop.fs.Path checkpointDir(Configuration hadoop, String uri) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri);
        if (p.getName().equals(CheckpointStore.STATE) || p.getName().equals(CheckpointStore.MANIFEST)) {
            p = p.getParent();
        }
        org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(hadoop);
        return fs.exists(new org.apache.hadoop.fs.Path(p, CheckpointStore.STATE)) ? fs.makeQualified(p) : null;
    }

    private static int inspectCheckpoint(Configuration hadoop, org.apache.hadoop.fs.Path dir) throws IOException {
        Checkpoint c = new CheckpointStore(hadoop, dir.getParent().toString(), 1, CheckpointStore.Retry.DEFAULT).load(dir);
        ModelDefinition def = ModelDefinition.fromJson(c.modelJson());
        System.out.println("checkpoint " + dir + ": complete (manifest and checksum verified)");
        System.out.printf(Locale.ROOT, "  step %d (epoch %d, step %d of it), seed %d%n", c.step(), c.epoch() + 1, c.stepInEpoch(),
                c.seed());
        System.out.println("  optimizer " + c.optimizer().type() + " (" + c.optimizer().step() + " updates, buffers "
                + c.optimizer().buffers().keySet() + "), schedule " + c.schedule().type() + " " + c.schedule().values());
        System.out.println("  weights sha256 " + c.weightsSha256() + ", config sha256 " + c.configSha256());
        System.out.println("  data fingerprint " + c.dataFingerprint());
        System.out.println("  trainer state " + c.trainerState() + (c.trainerArrays().isEmpty() ? "" : ", " + c.trainerArrays().keySet()));
        System.out.print(describe(def));
        return 0;
    }

    /**
     * One row per layer (node): its output shape, parameters and FLOPs from its own input's shape.
     * For a graph, a node that does not take just the previous node's output lists its inputs.
     */
    static String describe(ModelDefinition def) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "model '%s': input %s, loss %s%n", def.name(), def.inputShape(), def.loss().type()));
        boolean graph = !def.isChain();
        sb.append(String.format(Locale.ROOT, "%3s  %-30s %-14s %12s %14s%s%n", "#", "layer", "output", "parameters", "FLOPs/image",
                graph ? "  inputs" : ""));
        for (int i = 0; i < def.layers().size(); i++) {
            Layer l = def.layers().get(i);
            Shape in = def.nodeInputShape(i, 0);
            int[] inputs = def.nodeInputs(i);
            String from = "";
            if (graph && !(inputs.length == 1 && inputs[0] == i - 1)) {
                from = "  " + java.util.Arrays.stream(inputs).mapToObj(j -> j < 0 ? "input" : def.layers().get(j).name())
                        .collect(java.util.stream.Collectors.joining(", "));
            }
            sb.append(String.format(Locale.ROOT, "%3d  %-30s %-14s %,12d %,14d%s%n", i + 1, l.type() + " '" + l.name() + "'",
                    def.nodeOutputShape(i), l.paramCount(in), l.forwardFlops(in), from));
        }
        sb.append(String.format(Locale.ROOT, "total: %,d parameters, %,d forward FLOPs per image (training about 3x)%n",
                def.paramCount(), def.forwardFlops()));
        return sb.toString();
    }
}

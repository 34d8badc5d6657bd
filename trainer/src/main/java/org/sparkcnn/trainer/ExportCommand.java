package org.sparkcnn.trainer;

import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.sparkcnn.engine.ModelFile;
import org.sparkcnn.engine.onnx.OnnxExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sparkcnn export}: a trained model in another format. Needs no Spark context. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Export a model file to ONNX (opset 13): input 'input' [batch, C, H, W] pixel values in [0, 1]",
                "(normalization is in the graph), outputs 'logits' and 'probabilities' (softmax)."})
final class ExportCommand implements Callable<Integer> {

    @Option(names = "--format", defaultValue = "onnx", description = "The output format: onnx (the only one).")
    String format;
    @Option(names = "--overwrite", description = "Replace an existing output file.")
    boolean overwrite;
    @Parameters(index = "0", paramLabel = "MODEL", description = "A model file (any Hadoop URI).")
    String model;
    @Parameters(index = "1", paramLabel = "OUT", description = "The output file (any Hadoop URI).")
    String output;

    @Override
    public Integer call() throws Exception {
        if (!"onnx".equals(format)) {
            throw new TrainerConfig.Invalid("--format must be onnx, got '" + format + "'");
        }
        Configuration hadoop = SparkSetup.hadoop(SparkSetup.conf(null, "sparkcnn export"));
        Storage.checkAbsent(hadoop, output, overwrite);
        ModelFile.SavedModel saved = Storage.readModel(hadoop, model);
        Storage.write(hadoop, output, out -> OnnxExport.write(saved, out));
        System.out.println("exported model '" + saved.definition().name() + "' (" + saved.definition().paramCount()
                + " parameters, weights sha256 " + ModelFile.sha256(saved.params()) + ") to " + Storage.qualify(hadoop, output)
                + " as ONNX opset " + OnnxExport.OPSET);
        return 0;
    }
}

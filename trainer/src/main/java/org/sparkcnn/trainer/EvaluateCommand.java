package org.sparkcnn.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparkcnn.jobs.Evaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sparkcnn evaluate}: loss, accuracy, top-k, per-class precision/recall/F1 and the confusion matrix. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, description = "Evaluate a trained model on a dataset.")
final class EvaluateCommand implements Callable<Integer> {

    @Mixin
    ModelAndData in;
    @Option(names = "--output", paramLabel = "URI", description = "Also write the evaluation as JSON here.")
    String output;
    @Option(names = "--overwrite", description = "Replace an existing --output file.")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        in.open("sparkcnn evaluate");
        if (output != null) {
            Storage.checkAbsent(SparkSetup.hadoop(in.sparkConf), output, overwrite);
        }
        SparkSession spark = SparkSetup.start(in.sparkConf);
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            Evaluation.Counts c = Evaluation.evaluate(sc, in.savedModel.definition(), in.savedModel.normalization(),
                    in.savedModel.params(), in.savedModel.buffers(), in.blocks(spark, sc));
            System.out.println("model " + in.model + " on " + in.dataset.uri());
            System.out.print(EvaluationSummary.table(c));
            if (output != null) {
                Storage.writeText(sc.hadoopConfiguration(), output,
                        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(EvaluationSummary.toMap(c)));
                System.out.println("evaluation written to " + Storage.qualify(sc.hadoopConfiguration(), output));
            }
            return 0;
        } finally {
            spark.stop();
        }
    }
}

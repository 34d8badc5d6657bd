package org.sparkcnn.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.holdenkarau.spark.testing.JavaRDDComparisons;
import com.holdenkarau.spark.testing.SharedJavaSparkContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.Network;
import org.sparkcnn.engine.layers.Pass;
import org.sparkcnn.engine.ops.LossOps;
import org.sparkcnn.jobs.data.ExampleBlock;

/**
 * spark-testing-base's shared context (its JUnit 4 hooks called from JUnit 5) with our Kryo
 * configuration, and proof that ScalaTest stayed off the classpath.
 */
class SharedContextTest extends SharedJavaSparkContext {

    @Override
    public SparkConf conf() {
        return LocalSpark.conf("local[2]");
    }

    @BeforeEach
    void startShared() {
        runBefore();
    }

    @AfterAll
    static void stopShared() {
        runAfterClass();
    }

    @Test
    void scalaTestIsNotOnTheClasspath() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.scalatest.Suite"));
    }

    @Test
    void distributedPredictionsEqualTheSingleProcessOnes() {
        ModelDefinition def = TrainingJobTest.MODEL;
        Normalization norm = TrainingJobTest.NORM;
        float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, 3);
        List<ExampleBlock> blocks = TrainingJobTest.blocks();
        // expected: every example's predicted class, computed here one example at a time
        List<String> expected = new ArrayList<>();  // "index:prediction" (Strings need no Kryo registration)
        Network net = def.newNetwork(1);
        int size = def.inputShape().size();
        for (ExampleBlock b : blocks) {
            for (int i = 0; i < b.size(); i++) {
                float[] x = Arrays.copyOfRange(b.features(), i * size, (i + 1) * size);
                norm.apply(x, 0, 1, def.inputShape());
                float[] y = net.forward(params, x, 1, Pass.INFERENCE);
                expected.add((b.firstIndex() + i) + ":" + LossOps.argmax(y, 0, def.outputSize()));
            }
        }
        SparkSession spark = SparkSession.builder().sparkContext(jsc().sc()).getOrCreate();
        Broadcast<float[]> weights = jsc().broadcast(params);
        JavaRDD<String> actual = Prediction.predict(spark, def, norm, weights, jsc().parallelize(blocks, 3))
                .select("index", "prediction").javaRDD().map(r -> r.getLong(0) + ":" + r.getInt(1));
        JavaRDDComparisons.assertRDDEquals(jsc().parallelize(expected, 2), actual);
        assertEquals(expected.size(), actual.count());
        weights.destroy();
    }
}

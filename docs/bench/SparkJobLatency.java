import java.util.Arrays;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The floor under a SparkCNN step: how long Spark takes to run one job that does nothing, in
 * local[2] (2 partitions of a cached 2-element RDD, counted: no user closure, nothing to ship), after
 * 20 s of warm-up. Prints the median and quartiles of 500 jobs.
 *
 *   mvn -B -q install -DskipTests
 *   java $(grep -o -- '--add-[a-z]*=[^ ]*' bin/sparkcnn | tr '\n' ' ') \
 *     -cp "$(cat trainer/target/spark-classpath.txt)" docs/bench/SparkJobLatency.java
 */
public class SparkJobLatency {

    public static void main(String[] args) {
        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("job-latency")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("WARN");
            JavaRDD<Integer> rdd = sc.parallelize(List.of(1, 2), 2).cache();
            rdd.count();
            long warmEnd = System.nanoTime() + 20_000_000_000L;
            int warm = 0;
            while (System.nanoTime() < warmEnd) {
                rdd.count();
                warm++;
            }
            double[] ms = new double[500];
            for (int i = 0; i < ms.length; i++) {
                long t0 = System.nanoTime();
                rdd.count();
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
            Arrays.sort(ms);
            System.out.printf("empty job, local[2], 2 tasks: %d warm-up jobs; median %.2f ms, quartiles %.2f / %.2f ms%n",
                    warm, ms[ms.length / 2], ms[ms.length / 4], ms[3 * ms.length / 4]);
        }
    }
}

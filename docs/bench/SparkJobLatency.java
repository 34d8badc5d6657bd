import java.util.Arrays;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.collection.Iterator;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * The floor under a SparkCNN step: how long Spark takes to run one job that does nothing, in
 * local[2], after 20 s of warm-up; the median and quartiles of 500 jobs, two ways:
 * <ul>
 *   <li>{@code count()} of a cached 2-partition RDD, as a user would write it;</li>
 *   <li>as a training step runs its job: {@code SparkContext.runJob} with a named function class (no
 *       closure cleaning) and the job's call site given (no stack walk), the function returning 0.</li>
 * </ul>
 *
 *   mvn -B -q install -DskipTests
 *   java $(grep -o -- '--add-[a-z]*=[^ ]*' bin/sparkcnn | tr '\n' ' ') \
 *     -cp "$(cat trainer/target/spark-classpath.txt)" docs/bench/SparkJobLatency.java
 */
public class SparkJobLatency {

    /** A task that reads nothing and returns 0, as a named class: Spark's closure cleaner skips it. */
    static final class Nothing extends AbstractFunction1<Iterator<Integer>, Integer> implements java.io.Serializable {
        @Override
        public Integer apply(Iterator<Integer> rows) {
            return 0;
        }
    }

    public static void main(String[] args) {
        // Run as a source file, this class lives in the launcher's loader: the executor must see it.
        Thread.currentThread().setContextClassLoader(SparkJobLatency.class.getClassLoader());
        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("job-latency")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("WARN");
            JavaRDD<Integer> rdd = sc.parallelize(List.of(1, 2), 2).cache();
            rdd.count();
            long warmEnd = System.nanoTime() + 20_000_000_000L;
            while (System.nanoTime() < warmEnd) {
                rdd.count();
            }
            report("count()", () -> rdd.count());
            sc.setLocalProperty("callSite.short", "empty job");
            sc.setLocalProperty("callSite.long", "empty job");
            Nothing nothing = new Nothing();
            report("runJob, named function, call site set", () -> sc.sc().runJob(rdd.rdd(), nothing, ClassTag$.MODULE$.apply(Integer.class)));
        }
    }

    static void report(String what, Runnable job) {
        double[] ms = new double[500];
        for (int i = 0; i < 100; i++) {
            job.run();
        }
        for (int i = 0; i < ms.length; i++) {
            long t0 = System.nanoTime();
            job.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        System.out.printf("empty job, local[2], 2 tasks, %s: median %.2f ms, quartiles %.2f / %.2f ms%n",
                what, ms[ms.length / 2], ms[ms.length / 4], ms[3 * ms.length / 4]);
    }
}

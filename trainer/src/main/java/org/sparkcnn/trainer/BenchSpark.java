package org.sparkcnn.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.Shape;
import org.sparkcnn.engine.optim.LrSchedule;
import org.sparkcnn.engine.optim.Sgd;
import org.sparkcnn.jobs.TrainingJob;
import org.sparkcnn.jobs.data.ExampleBlock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sparkcnn bench spark}: the time of one synchronous training step through Spark and where it
 * goes (broadcast, executor compute with the aggregation, slowest and median task, update, and
 * within the step's Spark job, from its listener events: {@link StepTimeline}), on cached synthetic data. With a tiny batch the step is almost all fixed overhead, which this shows
 * against the parameter count.
 */
@Command(name = "spark", mixinStandardHelpOptions = true,
        description = "Per-step time of Spark training and its breakdown (median over the timed steps).")
final class BenchSpark implements Callable<Integer> {

    private static final int BLOCK = 1024;

    @Option(names = "--model", defaultValue = "lenet5", description = "A model name or JSON file (default lenet5).")
    String model;
    @Option(names = "--batch", defaultValue = "256", description = "Global batch (default 256).")
    int batch;
    @Option(names = "--steps", defaultValue = "100", description = "Timed steps (default 100).")
    int steps;
    @Option(names = "--warmup", defaultValue = "30", description = "Untimed steps first, at least (default 30).")
    int warmup;
    @Option(names = "--warmup-seconds", defaultValue = "30",
            description = "Untimed steps first for at least this long (default 30): Spark's scheduler needs"
                    + " hundreds of jobs before the JIT has compiled it.")
    double warmupSeconds;
    @Option(names = "--partitions", defaultValue = "0", description = "Partitions (0 = default parallelism).")
    int partitions;
    @Option(names = "--bn-group-size", defaultValue = "32",
            description = "Examples per batch-norm ghost group, for a model with batch norm (default 32).")
    int bnGroupSize;
    @Option(names = "--threads-per-task", defaultValue = "0",
            description = "Engine threads in each task (default 0: the task's cores), as training.threads-per-task.")
    int threadsPerTask;
    @Option(names = "--step-loop", description = "Run the steps through the step loop (training.step-loop) instead of a Spark job each.")
    boolean stepLoop;
    @Option(names = "--master", description = "Spark master (default: spark-submit's, else local[*]).")
    String master;

    @Override
    public Integer call() throws Exception {
        ModelDefinition def = Checks.model(model);
        if (batch < 1 || steps < 1 || warmup < 0) {
            throw new TrainerConfig.Invalid("--batch and --steps must be positive, --warmup >= 0");
        }
        SparkSession spark = SparkSetup.start(SparkSetup.conf(master, "sparkcnn bench spark"));
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            int parts = partitions > 0 ? partitions : sc.defaultParallelism();
            int count = Math.max(4096, batch * 8);
            // The blocks are made on the executors: parallelizing the data itself would put it in every
            // task's partition object, shipped with each step's tasks.
            List<Integer> firsts = new ArrayList<>();
            for (int first = 0; first < count; first += BLOCK) {
                firsts.add(first);
            }
            Shape shape = def.inputShape();
            int classes = def.outputSize();
            JavaRDD<ExampleBlock> blocks = sc.parallelize(firsts, parts)
                    .map(first -> synthetic(shape, classes, first, Math.min(BLOCK, count - first)))
                    .persist(StorageLevel.MEMORY_AND_DISK());
            blocks.count();
            float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, 1);
            StepTimeline timeline = new StepTimeline();
            sc.sc().addSparkListener(timeline);
            List<TrainingJob.StepMetrics> timed = new ArrayList<>();
            long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
            long[] warmSteps = {0};
            float[] state = def.bufferCount() > 0 ? def.initialBuffers() : null;  // batch norm's running statistics
            TrainingJob.train(sc, def, new Normalization(new float[]{0.5f}, new float[]{0.25f}), blocks, count, params, state,
                    new Sgd(params.length, 0.9, 0, false, 0), new LrSchedule.Constant(0.001),
                    new TrainingJob.Config(1, 0, Long.MAX_VALUE, batch, 16, threadsPerTask, 0).withStepLoop(stepLoop), bnGroupSize, (m, p) -> {
                        if (timed.isEmpty() && (warmSteps[0] < warmup || System.nanoTime() < warmEnd)) {
                            warmSteps[0]++;
                            return true;
                        }
                        timed.add(m);
                        return timed.size() < steps;
                    });
            System.out.printf(java.util.Locale.ROOT, "bench spark: %d warm-up steps, then %d timed%n", warmSteps[0], timed.size());
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("model", def.name());
            json.put("parameters", def.paramCount());
            json.put("batch", batch);
            json.put("master", sc.master());
            json.put("partitions", parts);
            json.put("threads_per_task", threadsPerTask);
            json.put("step_loop", stepLoop);
            json.put("warmup_steps", warmSteps[0]);
            json.put("step_ms", median(timed, TrainingJob.StepMetrics::totalMs));
            json.put("broadcast_ms", median(timed, TrainingJob.StepMetrics::broadcastMs));
            json.put("compute_and_aggregate_ms", median(timed, TrainingJob.StepMetrics::computeMs));
            json.put("slowest_task_ms", median(timed, TrainingJob.StepMetrics::maxTaskMs));
            json.put("median_task_ms", median(timed, TrainingJob.StepMetrics::medianTaskMs));
            json.put("update_ms", median(timed, TrainingJob.StepMetrics::updateMs));
            json.put("outside_tasks_ms", median(timed, m -> m.totalMs() - m.maxTaskMs()));
            json.put("img_s", Math.round(batch * 1000.0 / (double) json.get("step_ms")));
            try {
                sc.sc().listenerBus().waitUntilEmpty(10_000);
                json.put("step_job", timeline.summary(timed));
            } catch (java.util.concurrent.TimeoutException e) {
                json.put("step_job", "Spark's listener events did not drain within 10 s");
            }
            System.out.println("JSON " + new ObjectMapper().writeValueAsString(json));
            return 0;
        } finally {
            spark.stop();
        }
    }

    private static double median(List<TrainingJob.StepMetrics> ms, ToDoubleFunction<TrainingJob.StepMetrics> f) {
        double[] v = ms.stream().mapToDouble(f).sorted().toArray();
        return Math.round(v[v.length / 2] * 100) / 100.0;
    }

    /** Random 8-bit pixels and labels: the block of {@code n} examples starting at index {@code first}. */
    static ExampleBlock synthetic(Shape shape, int classes, int first, int n) {
        SplittableRandom rng = new SplittableRandom(3 + first);
        float[] x = new float[n * shape.size()];
        int[] y = new int[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextInt(256) / 255f;
        }
        for (int i = 0; i < n; i++) {
            y[i] = rng.nextInt(classes);
        }
        return new ExampleBlock(first, shape, x, y);
    }
}

package org.sparkcnn.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.sparkcnn.engine.Inference;
import org.sparkcnn.engine.ModelDefinition;
import org.sparkcnn.engine.Network;
import org.sparkcnn.engine.Normalization;
import org.sparkcnn.engine.layers.Pass;
import org.sparkcnn.engine.ops.Gemm;
import org.sparkcnn.engine.ops.KernelChoice;
import org.sparkcnn.engine.optim.Sgd;
import org.sparkcnn.engine.train.FixedPointSum;
import org.sparkcnn.engine.train.GradientWorker;
import org.sparkcnn.engine.Initializer;
import org.sparkcnn.jobs.data.ExampleBlock;
import org.sparkcnn.jobs.data.IdxDataset;
import org.sparkcnn.jobs.TrainingJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code sparkcnn bench}: throughput benchmarks (a command anyone can rerun, not a timed test). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.", subcommands = {BenchCommand.Engine.class, BenchData.class, BenchSpark.class})
final class BenchCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a benchmark is required: engine, data or spark");
    }

    /**
     * The engine alone, in one process: training steps (forward, softmax cross-entropy, backward, SGD
     * momentum 0.9) and inference on real Fashion-MNIST batches. Warm-up, then repetitions of about
     * {@code --seconds} each; the medians are reported. Same method as ../shared/peers/pytorch/throughput.py.
     */
    @Command(name = "engine", mixinStandardHelpOptions = true, description = "Engine training and inference throughput (img/s).")
    static final class Engine implements Callable<Integer> {
        @ParentCommand
        BenchCommand parent;
        @Option(names = "--model", defaultValue = "lenet5", description = "A model in conf/models (default: ${DEFAULT-VALUE}).")
        String model;
        @Option(names = "--batch", defaultValue = "64", description = "Batch size (default: ${DEFAULT-VALUE}).")
        int batch;
        @Option(names = "--threads", defaultValue = "1", description = "Engine threads (default: ${DEFAULT-VALUE}).")
        int threads;
        @Option(names = "--chunk-size", defaultValue = "0", description = "Examples per gradient chunk (default: 16; for a model "
                + "with batch norm 32, its ghost-group size as training.bn-group-size's default).")
        int chunkSize;
        @Option(names = "--data", defaultValue = "/usr/share/datasets/fashion-mnist", description = "Fashion-MNIST IDX directory.")
        String data;
        @Option(names = "--seconds", defaultValue = "1.5", description = "Length of one repetition (default: ${DEFAULT-VALUE}).")
        double seconds;
        @Option(names = "--repetitions", defaultValue = "5", description = "Timed repetitions (default: ${DEFAULT-VALUE}).")
        int repetitions;
        @Option(names = "--warmup", defaultValue = "3", description = "Warm-up seconds (default: ${DEFAULT-VALUE}).")
        double warmup;
        @Option(names = "--profile", description = "Also print where a training step's time goes, layer by layer "
                + "(forward and backward), on one thread.")
        boolean profile;
        @Option(names = "--rounds-from-stdin", description = "After --warmup seconds of training and of inference, print "
                + "READY and run one repetition for each line of standard input, 'train' or 'infer', printing "
                + "'ROUND train|infer <img/s>', until 'quit' or its end (docs/bench/interleaved-vs-pytorch.py alternates these "
                + "rounds with the PyTorch peer's, so both see the machine's same slow and fast spells); --repetitions and "
                + "--profile do not apply.")
        boolean roundsFromStdin;

        @Override
        public Integer call() throws Exception {
            ModelDefinition def = Checks.model(model);
            if (chunkSize == 0) {
                chunkSize = def.bufferCount() > 0 ? TrainingJob.DEFAULT_BN_GROUP_SIZE : 16;
            }
            if (batch < 1 || threads < 1 || chunkSize < 1 || repetitions < 1 || seconds <= 0) {
                throw new TrainerConfig.Invalid("--batch, --threads, --chunk-size, --repetitions and --seconds must be positive");
            }
            Configuration hadoop = new Configuration();
            IdxDataset ds = IdxDataset.locate(hadoop, data, List.of("train"), def.outputSize());
            def.checkInput(ds.shape());
            // The whole training set, cycled in batches as a training run's first steps (the PyTorch
            // peer does the same): a few thousand examples cycled for long enough would overfit, and
            // an overfit model's tiny gradients are no training run's workload.
            int n = (int) ds.count();
            ExampleBlock block = ds.readBlocks(hadoop, 0, n, n).get(0);
            Normalization norm = new Normalization(new float[]{0.2860f}, new float[]{0.3530f});
            float[] params = Initializer.PYTORCH_DEFAULT.initialize(def, 1);
            float[] grads = new float[params.length];
            Sgd sgd = new Sgd(params.length, 0.9, 0, false, 0);
            int batches = n / batch;
            System.out.printf(Locale.ROOT, "bench engine: model %s (%,d parameters), batch %d, threads %d, %d examples; %s; JVM %s%n",
                    def.name(), def.paramCount(), batch, threads, n, Gemm.implementation(), Runtime.version());
            System.out.println("bench engine: convolutions " + def.convolutionKernels());
            double[] trainRates;
            try (GradientWorker worker = new GradientWorker(def, norm, chunkSize, threads)) {
                FixedPointSum sum = new FixedPointSum();
                long[] step = {0};
                Runnable trainStep = () -> {
                    int b = (int) (step[0] % batches);
                    int[] rows = new int[batch];
                    for (int i = 0; i < batch; i++) {
                        rows[i] = b * batch + i;
                    }
                    sum.clear();
                    worker.accumulate(params, List.of(new GradientWorker.Examples(block.features(), block.labels(), 0, rows)),
                            batch, 1, step[0], sum);
                    sgd.step(params, sum.gradient(grads), 0.01);
                    step[0]++;
                };
                if (roundsFromStdin) {
                    serveRounds(trainStep, new InferencePool(def, norm, block, batch, threads, batches), params,
                            def.bufferCount() > 0 ? def.initialBuffers() : null);
                    return 0;
                }
                trainRates = measure("train", trainStep);
            }
            long[] heap = steadyStateHeap(def, norm, params);
            if (profile) {
                profile(def, norm, block, batches, params);
            }
            InferencePool inference = new InferencePool(def, norm, block, batch, threads, batches);
            float[] state = def.bufferCount() > 0 ? def.initialBuffers() : null;  // batch norm's running statistics
            double[] inferRates;
            try {
                inferRates = measure("infer", () -> inference.run(params, state));
            } finally {
                inference.close();
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("model", def.name());
            json.put("batch", batch);
            json.put("threads", threads);
            json.put("train_img_s_median", Math.round(median(trainRates) * 10) / 10.0);
            json.put("infer_img_s_median", Math.round(median(inferRates) * 10) / 10.0);
            json.put("heap_mib", Math.round(heap[0] / 1048576.0 * 10) / 10.0);
            json.put("model_and_workspaces_mib", Math.round(heap[1] / 1048576.0 * 10) / 10.0);
            json.put("kernels", Gemm.implementation());
            json.put("tiles", KernelChoice.report());
            json.put("convolutions", def.convolutionKernels());
            json.put("jvm", Runtime.version().toString());
            System.out.println("JSON " + new ObjectMapper().writeValueAsString(json));
            return 0;
        }

        /**
         * The heap a training process needs in the steady state: used heap after a full GC with the
         * model, optimizer and one gradient worker alive, and how much of it is theirs (the used
         * heap with them, minus without them). Both include the JVM's and the benchmark's own data.
         */
        private long[] steadyStateHeap(ModelDefinition def, Normalization norm, float[] params) {
            long without = usedAfterGc();
            float[] weights = params.clone();
            Sgd sgd = new Sgd(weights.length, 0.9, 0, false, 0);
            float[] grads = new float[weights.length];
            FixedPointSum sum = new FixedPointSum();
            try (GradientWorker worker = new GradientWorker(def, norm, chunkSize, threads)) {
                int[] rows = new int[Math.min(batch, chunkSize * threads)];
                float[] x = new float[rows.length * def.inputShape().size()];
                int[] labels = new int[rows.length];
                for (int i = 0; i < rows.length; i++) {
                    rows[i] = i;
                }
                worker.accumulate(weights, List.of(new GradientWorker.Examples(x, labels, 0, rows)), rows.length, 1, 0, sum);
                sgd.step(weights, sum.gradient(grads), 0.0);  // every buffer touched once
                long with = usedAfterGc();
                System.out.printf(Locale.ROOT, "heap: %.1f MiB used after a full GC in the steady state; the model, its "
                        + "optimizer state and the gradient worker (%d thread(s), chunks of %d) hold %.1f MiB of it%n",
                        with / 1048576.0, threads, chunkSize, (with - without) / 1048576.0);
                java.lang.ref.Reference.reachabilityFence(weights);
                return new long[]{with, with - without};
            }
        }

        private static long usedAfterGc() {
            java.lang.management.MemoryMXBean mx = java.lang.management.ManagementFactory.getMemoryMXBean();
            for (int i = 0; i < 3; i++) {
                System.gc();
            }
            return mx.getHeapMemoryUsage().getUsed();
        }

        /**
         * One thread, the batch in chunks as the gradient worker cuts it: the time of each layer's
         * forward and backward, of the loss, of copying and normalizing the input, of the exact
         * gradient sum, and of the optimizer update, per batch.
         */
        private void profile(ModelDefinition def, Normalization norm, ExampleBlock block, int batches, float[] params) {
            int layers = def.layers().size(), size = def.inputShape().size();
            Network net = def.newNetwork(chunkSize);
            float[] state = def.bufferCount() > 0 ? def.initialBuffers() : null;
            long[] forward = new long[layers], backward = new long[layers];
            long[] other = new long[4];  // input, loss, sum, update
            float[] x = new float[chunkSize * size];
            int[] labels = new int[chunkSize];
            long[] ids = new long[chunkSize];
            float[] grads = new float[params.length], gradient = new float[params.length];
            float[] weights = params.clone();
            FixedPointSum sum = new FixedPointSum();
            Sgd sgd = new Sgd(weights.length, 0.9, 0, false, 0);
            long steps = 0, timedSteps = 0;
            long warmEnd = System.nanoTime() + (long) (warmup * 1e9);
            long end = warmEnd + (long) (seconds * repetitions * 1e9);
            for (long now = System.nanoTime(); now < end; now = System.nanoTime(), steps++) {
                boolean timed = now >= warmEnd;
                if (timed && timedSteps++ == 0) {
                    net.profile(forward, backward);
                }
                int b = (int) (steps % batches);
                GradientWorker.Examples ex = new GradientWorker.Examples(block.features(), block.labels(), 0,
                        java.util.stream.IntStream.range(b * batch, (b + 1) * batch).toArray());
                sum.clear();
                for (int first = 0; first < batch; first += chunkSize) {
                    int n = Math.min(chunkSize, batch - first);
                    long t0 = System.nanoTime();
                    GradientWorker.loadChunk(ex, first, n, def.inputShape(), norm, x, labels, ids);
                    long t1 = System.nanoTime();
                    long layersBefore = timed ? total(forward) + total(backward) : 0;
                    double loss = net.lossAndGradient(weights, state, grads, x, labels, null, n, batch, new Pass(true, 1, steps, ids));
                    long t2 = System.nanoTime();
                    sum.addAndZero(grads, loss, n);  // as GradientWorker does
                    long t3 = System.nanoTime();
                    if (timed) {
                        other[0] += t1 - t0;
                        other[1] += (t2 - t1) - (total(forward) + total(backward) - layersBefore);
                        other[2] += t3 - t2;
                    }
                }
                long t4 = System.nanoTime();
                sgd.step(weights, sum.gradient(gradient), 0.01);
                if (timed) {
                    other[3] += System.nanoTime() - t4;
                }
            }
            double all = total(forward) + total(backward) + total(other);
            System.out.printf(Locale.ROOT, "profile: model %s, batch %d in chunks of %d, 1 thread; ms per batch "
                    + "(%% of the step)%n", def.name(), batch, chunkSize);
            System.out.printf(Locale.ROOT, "  %-3s %-22s %-12s %16s %16s%n", "#", "layer", "output", "forward", "backward");
            for (int i = 0; i < layers; i++) {
                boolean inside = net.runsInProducer(i);  // a ReLU run by the batch norm or add it reads
                System.out.printf(Locale.ROOT, "  %-3d %-22s %-12s %16s %16s%n", i + 1,
                        def.layers().get(i).type() + " " + def.layers().get(i).name(), def.shapes().get(i + 1),
                        inside ? "inside its input" : cell(forward[i], timedSteps, all), inside ? "" : cell(backward[i], timedSteps, all));
            }
            String[] names = {"input copy, normalize", "loss (softmax CE)", "exact gradient sum, zero grads", "SGD update"};
            for (int i = 0; i < other.length; i++) {
                System.out.printf(Locale.ROOT, "  %-3s %-35s %16s%n", "", names[i], cell(other[i], timedSteps, all));
            }
            System.out.printf(Locale.ROOT, "  total %.3f ms per batch (%.0f img/s while profiled)%n",
                    all / timedSteps / 1e6, batch * timedSteps / (all / 1e9));
        }

        private static long total(long[] a) {
            long t = 0;
            for (long v : a) {
                t += v;
            }
            return t;
        }

        private static String cell(long nanos, long steps, double all) {
            return String.format(Locale.ROOT, "%.3f (%4.1f%%)", nanos / (double) steps / 1e6, 100 * nanos / all);
        }

        private double[] measure(String what, Runnable step) {
            warmUp(step);
            double[] rates = new double[repetitions];
            for (int r = 0; r < repetitions; r++) {
                rates[r] = repetition(step);
                System.out.printf(Locale.ROOT, "  %s repetition %d: %.1f img/s%n", what, r + 1, rates[r]);
            }
            return rates;
        }

        private void warmUp(Runnable step) {
            long warmEnd = System.nanoTime() + (long) (warmup * 1e9);
            while (System.nanoTime() < warmEnd) {
                step.run();
            }
        }

        /** Steps for about {@code --seconds}; img/s. */
        private double repetition(Runnable step) {
            long t0 = System.nanoTime();
            long steps = 0;
            long t;
            do {
                step.run();
                steps++;
                t = System.nanoTime();
            } while (t - t0 < seconds * 1e9);
            return steps * batch / ((t - t0) / 1e9);
        }

        /** {@code --rounds-from-stdin}: training and inference both warm, one repetition per request. */
        private void serveRounds(Runnable trainStep, InferencePool inference, float[] params, float[] state)
                throws java.io.IOException {
            Runnable inferStep = () -> inference.run(params, state);
            try {
                warmUp(trainStep);
                warmUp(inferStep);
                System.out.println("READY");
                java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
                        java.nio.charset.StandardCharsets.UTF_8));
                for (String line; (line = in.readLine()) != null && !line.equals("quit"); ) {
                    if (!line.equals("train") && !line.equals("infer")) {
                        throw new TrainerConfig.Invalid("--rounds-from-stdin: expected a line 'train', 'infer' or 'quit', got '"
                                + line + "'");
                    }
                    double rate = repetition(line.equals("train") ? trainStep : inferStep);
                    System.out.printf(Locale.ROOT, "ROUND %s %.1f%n", line, rate);
                    System.err.printf(Locale.ROOT, "round %s %.1f img/s, ended %d ms%n", line, rate, System.currentTimeMillis());
                }
            } finally {
                inference.close();
            }
        }

        static double median(double[] values) {
            double[] v = values.clone();
            Arrays.sort(v);
            return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        }
    }

    /** Inference on a batch split across threads, one network replica per thread. */
    static final class InferencePool {
        private final ModelDefinition def;
        private final ExampleBlock block;
        private final int batch;
        private final int threads;
        private final int batches;
        private final Inference[] replicas;
        private final ExecutorService pool;
        private long next;

        InferencePool(ModelDefinition def, Normalization norm, ExampleBlock block, int batch, int threads, int batches) {
            this.def = def;
            this.block = block;
            this.batch = batch;
            this.threads = threads;
            this.batches = batches;
            int slice = (batch + threads - 1) / threads;
            replicas = new Inference[threads];
            for (int t = 0; t < threads; t++) {
                replicas[t] = new Inference(def, norm, slice);
            }
            pool = threads > 1 ? Executors.newFixedThreadPool(threads) : null;
        }

        void run(float[] params, float[] state) {
            int b = (int) (next++ % batches);
            int slice = (batch + threads - 1) / threads;
            List<Future<?>> parts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int from = b * batch + t * slice, count = Math.min(slice, batch - t * slice);
                if (count <= 0) {
                    break;
                }
                int id = t;
                Runnable part = () -> {
                    int size = def.inputShape().size();
                    System.arraycopy(block.features(), from * size, replicas[id].input(), 0, count * size);
                    replicas[id].forward(params, state, count);
                };
                if (pool == null) {
                    part.run();
                } else {
                    parts.add(pool.submit(part));
                }
            }
            for (Future<?> f : parts) {
                try {
                    f.get();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }

        void close() {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }
}

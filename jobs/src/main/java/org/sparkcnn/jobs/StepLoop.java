package org.sparkcnn.jobs;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.serializer.SerializerInstance;
import org.sparkcnn.jobs.data.ExampleBlock;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * The opt-in step loop ({@code training.step-loop}): the steps run in a long Spark job, in barrier
 * mode, so that one task per partition runs at once and stays. Each step the driver writes the weights
 * to the tasks holding the step's examples over a socket and reads back their sums: no job, no task
 * launch, no broadcast per step. Everything else is the job-per-step path's: each task computes its
 * {@link PartitionShare} with the same code, the sums are exact, the update happens on the driver, so
 * the weights are the same bits.
 *
 * <p>The loop's tasks hold every slot, so any other Spark job (a validation, an evaluation, a user's
 * job from another thread) would wait for them forever. When one starts, the loop stops its job and
 * frees the slots; the next step starts a new one. A run that validates every epoch pays one job launch
 * per epoch, not per step.
 *
 * <p>The tasks connect to a server socket on the driver's address ({@code spark.driver.bindAddress},
 * else {@code spark.driver.host}) and prove themselves with a random token that travels in the task,
 * through Spark. The channel itself is not encrypted: with {@code spark.network.crypto.enabled} or
 * {@code spark.ssl.enabled} the loop refuses to start. Every partition needs a task slot at once.
 */
final class StepLoop implements StepExchange {

    static final byte STOP = 0;
    static final byte STEP = 1;
    static final byte SUM = 0;
    static final byte NOTHING = 1;
    static final byte FAILED = 2;
    /** The local property that marks the loop's own job. */
    static final String LOOP_PROPERTY = "sparkcnn.step-loop";
    /** How long the driver waits for every task to connect once the loop's job has its slots. */
    static final long CONNECT_MS = 120_000;
    /** The driver's waits wake this often to check the loop's job. */
    static final int POLL_MS = 1000;
    /** The longest pause inside one answer before its task counts as lost. */
    static final int FRAME_MS = 600_000;
    private static final ClassTag<StepSum> STEP_SUM = ClassTag$.MODULE$.apply(StepSum.class);
    private static final ClassTag<Object> OBJECT = ClassTag$.MODULE$.apply(Object.class);

    private final JavaSparkContext sc;
    private final JavaRDD<ExampleBlock> blocks;
    private final int partitions;
    private final ServerSocket server;
    private final LoopTask task;
    private final String token;
    private final SerializerInstance serializer;
    private final String loopId;
    /** Yields on its own thread: the listener bus must not wait for a step to finish. */
    private final java.util.concurrent.ExecutorService yielding = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sparkcnn-step-loop-yield");
        t.setDaemon(true);
        return t;
    });
    private final SparkListener yielder = new SparkListener() {
        @Override
        public void onJobStart(SparkListenerJobStart e) {
            String loop = e.properties() == null ? null : e.properties().getProperty(LOOP_PROPERTY);
            if (!loopId.equals(loop)) {
                int job = e.jobId();
                yielding.execute(() -> yieldSlots(job));
            }
        }
    };
    private Segment segment;
    private int[] perm;
    private byte[] permBytes;
    private int epoch = -1;
    private byte[] weightBytes = new byte[0];
    private int segments;

    /** One run of the loop's job and its tasks' connections, by partition. */
    private final class Segment {
        final JavaFutureAction<List<Object>> job;
        final Socket[] sockets = new Socket[partitions];
        final DataInputStream[] in = new DataInputStream[partitions];
        final DataOutputStream[] out = new DataOutputStream[partitions];
        final int[] permEpochSent = new int[partitions];
        final int firstJobId;

        Segment(JavaFutureAction<List<Object>> job) {
            this.job = job;
            Arrays.fill(permEpochSent, -1);
            List<Integer> ids = job.jobIds();
            this.firstJobId = ids.isEmpty() ? Integer.MAX_VALUE : ids.get(0);
        }
    }

    private StepLoop(JavaSparkContext sc, JavaRDD<ExampleBlock> blocks, PartitionShare share) {
        this.sc = sc;
        this.blocks = blocks;
        this.partitions = blocks.getNumPartitions();
        String host = sc.getConf().get("spark.driver.bindAddress", sc.getConf().get("spark.driver.host", "127.0.0.1"));
        try {
            server = new ServerSocket(0, partitions, InetAddress.getByName(host));
            server.setSoTimeout(POLL_MS);
        } catch (IOException e) {
            throw new IllegalStateException("training.step-loop: cannot listen on the driver's address " + host + ": " + e, e);
        }
        byte[] secret = new byte[16];
        new SecureRandom().nextBytes(secret);
        token = HexFormat.of().formatHex(secret);
        loopId = Integer.toHexString(System.identityHashCode(this)) + "-" + System.nanoTime();
        task = new LoopTask(share, sc.getConf().get("spark.driver.host", host), server.getLocalPort(), token);
        serializer = SparkEnv.get().serializer().newInstance();
    }

    /** A loop over {@code blocks} (cached); its first job starts with the first step. */
    static StepLoop open(JavaSparkContext sc, JavaRDD<ExampleBlock> blocks, PartitionShare share) {
        for (String key : new String[] {"spark.network.crypto.enabled", "spark.ssl.enabled", "spark.ssl.rpc.enabled"}) {
            if (sc.getConf().getBoolean(key, false)) {
                throw new IllegalArgumentException("training.step-loop sends weights and gradients over a plain socket; "
                        + "it is refused with " + key + "=true (train without the step loop)");
            }
        }
        if (!sc.isLocal() && sc.getConf().getBoolean("spark.dynamicAllocation.enabled", false)) {
            throw new IllegalArgumentException("training.step-loop runs in Spark's barrier mode, which does not work with "
                    + "spark.dynamicAllocation.enabled=true (train without the step loop, or with a fixed number of executors)");
        }
        int partitions = blocks.getNumPartitions();
        int slots = slots(sc);
        long waitUntil = System.currentTimeMillis() + 60_000;  // executors may still be registering
        while (partitions > slots && !sc.isLocal() && System.currentTimeMillis() < waitUntil) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            slots = slots(sc);
        }
        if (partitions > slots) {
            throw new IllegalArgumentException("training.step-loop runs one task per partition, all at once: " + partitions
                    + " partitions need " + partitions + " task slots, the cluster has " + slots
                    + " (use at most " + slots + " partitions, or train without the step loop)");
        }
        StepLoop loop = new StepLoop(sc, blocks, share);
        sc.sc().addSparkListener(loop.yielder);
        return loop;
    }

    private static int slots(JavaSparkContext sc) {
        return sc.sc().maxNumConcurrentTasks(sc.sc().resourceProfileManager().defaultResourceProfile());
    }

    /** How many jobs the loop has started so far (one, plus one after each other job that took the slots). */
    synchronized int segments() {
        return segments;
    }

    @Override
    public synchronized void startEpoch(int epoch, int[] permutation) {
        this.epoch = epoch;
        this.perm = permutation;
        this.permBytes = null;
    }

    @Override
    public synchronized Sums sum(float[] params, int start, int length, long step, int epoch, int[] holding) {
        long t0 = System.nanoTime();
        if (segment == null) {
            segment = startSegment();
        }
        Segment s = segment;
        if (weightBytes.length != params.length * Float.BYTES) {
            weightBytes = new byte[params.length * Float.BYTES];
        }
        ByteBuffer.wrap(weightBytes).asFloatBuffer().put(params);
        for (int p : holding) {
            try {
                DataOutputStream o = s.out[p];
                o.writeByte(STEP);
                o.writeLong(step);
                o.writeInt(epoch);
                o.writeInt(start);
                o.writeInt(length);
                if (s.permEpochSent[p] != this.epoch) {
                    if (permBytes == null) {
                        permBytes = new byte[perm.length * Integer.BYTES];
                        ByteBuffer.wrap(permBytes).asIntBuffer().put(perm);
                    }
                    o.writeInt(perm.length);
                    o.write(permBytes);
                    s.permEpochSent[p] = this.epoch;
                } else {
                    o.writeInt(-1);
                }
                o.writeInt(params.length);
                o.write(weightBytes);
                o.flush();
            } catch (IOException e) {
                throw lost(s, p, step, e);
            }
        }
        double shipMs = (System.nanoTime() - t0) / 1e6;
        StepSum total = new StepSum();
        for (int p : holding) {
            StepSum part = read(s, p, step);
            if (part != null) {
                total.merge(part);
            }
        }
        return new Sums(total, shipMs);
    }

    /** Launches the loop's job and waits until every partition's task has connected. */
    private Segment startSegment() {
        RDD<Object> looped = blocks.rdd().barrier().mapPartitions(task, false, OBJECT);
        String description = sc.getLocalProperty("spark.job.description");
        sc.setLocalProperty("spark.job.description", "sparkcnn step loop");
        sc.setLocalProperty(LOOP_PROPERTY, loopId);
        Segment s;
        try {
            s = new Segment(new JavaRDD<>(looped, OBJECT).collectAsync());
        } finally {
            sc.setLocalProperty("spark.job.description", description);
            sc.setLocalProperty(LOOP_PROPERTY, null);
        }
        segments++;
        try {
            accept(s);
        } catch (RuntimeException e) {
            stop(s);
            s.job.cancel(true);
            throw e;
        }
        return s;
    }

    /**
     * Accepts the tasks' connections, until every partition's task has connected or the loop's job has
     * ended (a barrier job that cannot get its slots fails in Spark, which ends the wait).
     */
    private void accept(Segment s) {
        int connected = 0;
        while (connected < partitions) {
            failIfEnded(s);
            Socket socket;
            try {
                socket = server.accept();
            } catch (SocketTimeoutException e) {
                continue;
            } catch (IOException e) {
                throw new IllegalStateException("training.step-loop: accepting a task's connection failed: " + e, e);
            }
            try {
                socket.setTcpNoDelay(true);
                socket.setSoTimeout(POLL_MS);
                DataInputStream din = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
                byte[] offered = din.readUTF().getBytes(StandardCharsets.UTF_8);
                int p = din.readInt();
                if (!MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), offered) || p < 0 || p >= partitions
                        || s.sockets[p] != null) {
                    socket.close();  // not one of this loop's tasks, or a duplicate: ignored
                    continue;
                }
                s.sockets[p] = socket;
                s.in[p] = din;
                s.out[p] = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
                connected++;
            } catch (IOException e) {
                closeQuietly(socket);
            }
        }
    }

    /**
     * Partition {@code p}'s answer for {@code step}: its sum, null when it held none of the examples.
     * Waiting for the first byte wakes every second to check that the loop's job still runs; the rest
     * of the answer is read whole (a timeout inside it would lose the stream's place).
     */
    private StepSum read(Segment s, int p, long step) {
        try {
            byte status;
            while (true) {
                try {
                    status = s.in[p].readByte();
                    break;
                } catch (SocketTimeoutException e) {
                    failIfEnded(s);  // still computing, unless its task is gone
                }
            }
            if (status == NOTHING) {
                return null;
            }
            byte[] bytes = frame(s, p, status);
            if (status == FAILED) {
                throw new IllegalStateException(new String(bytes, StandardCharsets.UTF_8));
            }
            return serializer.deserialize(ByteBuffer.wrap(bytes), STEP_SUM);
        } catch (IOException e) {
            throw lost(s, p, step, e);
        }
    }

    /** The rest of an answer whose status byte was read: its length, then its bytes, read whole. */
    private static byte[] frame(Segment s, int p, byte status) throws IOException {
        if (status != SUM && status != FAILED) {
            throw new IOException("unknown answer " + status + " from partition " + p);
        }
        s.sockets[p].setSoTimeout(FRAME_MS);
        int n = s.in[p].readInt();
        if (n < 0) {
            throw new IOException("answer of " + n + " bytes from partition " + p);
        }
        byte[] bytes = new byte[n];
        s.in[p].readFully(bytes);
        s.sockets[p].setSoTimeout(POLL_MS);
        return bytes;
    }

    private RuntimeException lost(Segment s, int p, long step, IOException e) {
        failIfEnded(s);
        return new IllegalStateException("training.step-loop: lost the task of partition " + p + " at step " + (step + 1)
                + ": " + e, e);
    }

    /**
     * Throws if the segment's job has ended: a task's own failure message when one has arrived (it names
     * the partition and the step), else the first line of Spark's.
     */
    private static void failIfEnded(Segment s) {
        if (!s.job.isDone()) {
            return;
        }
        for (int q = 0; q < s.in.length; q++) {
            try {
                if (s.in[q] != null && s.in[q].available() > 0) {
                    byte status = s.in[q].readByte();
                    if (status == FAILED) {
                        throw new IllegalStateException(new String(frame(s, q, status), StandardCharsets.UTF_8));
                    }
                }
            } catch (IOException e) {
                // no message from that task
            }
        }
        try {
            s.job.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            String message = String.valueOf(cause.getMessage());
            int eol = message.indexOf('\n');
            throw new IllegalStateException("training.step-loop: the loop's Spark job failed: "
                    + (eol >= 0 ? message.substring(0, eol) : message), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("training.step-loop: interrupted", e);
        } catch (CancellationException e) {
            throw new IllegalStateException("training.step-loop: the loop's Spark job was cancelled", e);
        }
        throw new IllegalStateException("training.step-loop: the loop's Spark job ended before the run did");
    }

    /**
     * Job {@code jobId}, not the loop's, started: the loop's tasks stop, freeing their slots; the next
     * step starts a new job. A job older than the current segment (a late event) changes nothing.
     */
    private synchronized void yieldSlots(int jobId) {
        if (segment != null && jobId > segment.firstJobId) {
            stop(segment);
            segment = null;
        }
    }

    /** Tells the segment's tasks to stop and closes its connections; its job then ends on its own. */
    private static void stop(Segment s) {
        for (int p = 0; p < s.out.length; p++) {
            if (s.out[p] != null) {
                try {
                    s.out[p].writeByte(STOP);
                    s.out[p].flush();
                } catch (IOException e) {
                    // that task is gone already
                }
            }
            closeQuietly(s.sockets[p]);
        }
    }

    /** Stops the loop's job, closes the server socket and waits for the job to end (cancelling it after 30 s). */
    @Override
    public void close() {
        sc.sc().removeSparkListener(yielder);
        yielding.shutdown();
        Segment last;
        synchronized (this) {
            last = segment;
            segment = null;
        }
        if (last != null) {
            stop(last);
        }
        try {
            server.close();  // a connection never accepted (a retried task) is reset, so its task ends too
        } catch (IOException e) {
            // nothing to do
        }
        if (last != null) {
            try {
                last.job.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                last.job.cancel(true);
            }
        }
    }

    private static void closeQuietly(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
    }
}

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
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.serializer.SerializerInstance;
import org.sparkcnn.jobs.data.ExampleBlock;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * The opt-in step loop ({@code training.step-loop}): one Spark job for the whole run, in barrier mode,
 * so that one task per partition runs at once and stays. Each step the driver writes the weights to the
 * tasks holding the step's examples over a socket, and reads back their sums: no job, no task launch,
 * no broadcast per step. Everything else is the job-per-step path's: each task computes its
 * {@link PartitionShare} with the same code, the sums are exact, the update happens on the driver, so
 * the weights are the same bits.
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
    /** How long the driver waits for every task to connect. */
    static final long CONNECT_MS = 120_000;
    /** The driver's wait for an answer wakes this often to check the loop's job. */
    static final int POLL_MS = 1000;
    /** The longest pause inside one answer before its task counts as lost. */
    static final int FRAME_MS = 600_000;
    private static final ClassTag<StepSum> STEP_SUM = ClassTag$.MODULE$.apply(StepSum.class);
    private static final ClassTag<Object> OBJECT = ClassTag$.MODULE$.apply(Object.class);

    private final ServerSocket server;
    private final JavaFutureAction<List<Object>> job;
    private final Socket[] sockets;
    private final DataInputStream[] in;
    private final DataOutputStream[] out;
    private final int[] permEpochSent;
    private final SerializerInstance serializer;
    private int[] perm;
    private int epoch = -1;
    private byte[] weightBytes = new byte[0];

    private StepLoop(ServerSocket server, JavaFutureAction<List<Object>> job, int partitions) {
        this.server = server;
        this.job = job;
        this.sockets = new Socket[partitions];
        this.in = new DataInputStream[partitions];
        this.out = new DataOutputStream[partitions];
        this.permEpochSent = new int[partitions];
        java.util.Arrays.fill(permEpochSent, -1);
        this.serializer = SparkEnv.get().serializer().newInstance();
    }

    /** Starts the loop's job over {@code blocks} (cached) and waits until every partition's task has connected. */
    static StepLoop open(JavaSparkContext sc, JavaRDD<ExampleBlock> blocks, PartitionShare share) {
        for (String key : new String[] {"spark.network.crypto.enabled", "spark.ssl.enabled"}) {
            if (sc.getConf().getBoolean(key, false)) {
                throw new IllegalArgumentException("training.step-loop sends weights and gradients over a plain socket; "
                        + "it is refused with " + key + "=true (train without the step loop)");
            }
        }
        int partitions = blocks.getNumPartitions();
        int slots = sc.sc().maxNumConcurrentTasks(sc.sc().resourceProfileManager().defaultResourceProfile());
        if (partitions > slots) {
            throw new IllegalArgumentException("training.step-loop runs one task per partition, all at once: " + partitions
                    + " partitions need " + partitions + " task slots, the cluster has " + slots
                    + " (use at most " + slots + " partitions, or train without the step loop)");
        }
        String host = sc.getConf().get("spark.driver.bindAddress", sc.getConf().get("spark.driver.host", "127.0.0.1"));
        String advertised = sc.getConf().get("spark.driver.host", host);
        byte[] secret = new byte[16];
        new SecureRandom().nextBytes(secret);
        String token = HexFormat.of().formatHex(secret);
        ServerSocket server;
        try {
            server = new ServerSocket(0, partitions, InetAddress.getByName(host));
            server.setSoTimeout(POLL_MS);
        } catch (IOException e) {
            throw new IllegalStateException("training.step-loop: cannot listen on the driver's address " + host + ": " + e, e);
        }
        LoopTask task = new LoopTask(share, advertised, server.getLocalPort(), token);
        RDD<Object> looped = blocks.rdd().barrier().mapPartitions(task, false, OBJECT);
        String before = sc.getLocalProperty("spark.job.description");
        sc.setLocalProperty("spark.job.description", "sparkcnn step loop");
        JavaFutureAction<List<Object>> job;
        try {
            job = new JavaRDD<>(looped, OBJECT).collectAsync();
        } finally {
            sc.setLocalProperty("spark.job.description", before);
        }
        StepLoop loop = new StepLoop(server, job, partitions);
        try {
            loop.accept(token, partitions);
        } catch (RuntimeException e) {
            loop.close();
            throw e;
        }
        return loop;
    }

    private void accept(String token, int partitions) {
        long deadline = System.currentTimeMillis() + CONNECT_MS;
        int connected = 0;
        while (connected < partitions) {
            failIfJobEnded();
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("training.step-loop: " + connected + " of " + partitions
                        + " tasks connected to the driver within " + CONNECT_MS / 1000 + " s");
            }
            Socket s;
            try {
                s = server.accept();
            } catch (SocketTimeoutException e) {
                continue;
            } catch (IOException e) {
                throw new IllegalStateException("training.step-loop: accepting a task's connection failed: " + e, e);
            }
            try {
                s.setTcpNoDelay(true);
                s.setSoTimeout(POLL_MS);
                DataInputStream din = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
                String offered = din.readUTF();
                int p = din.readInt();
                if (!token.equals(offered) || p < 0 || p >= partitions || sockets[p] != null) {
                    s.close();  // not one of ours, or a duplicate: ignore it
                    continue;
                }
                sockets[p] = s;
                in[p] = din;
                out[p] = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16));
                connected++;
            } catch (IOException e) {
                closeQuietly(s);
            }
        }
    }

    @Override
    public void startEpoch(int epoch, int[] permutation) {
        this.epoch = epoch;
        this.perm = permutation;
    }

    @Override
    public Sums sum(float[] params, int start, int length, long step, int epoch, int[] holding) {
        long t0 = System.nanoTime();
        if (weightBytes.length != params.length * Float.BYTES) {
            weightBytes = new byte[params.length * Float.BYTES];
        }
        ByteBuffer.wrap(weightBytes).asFloatBuffer().put(params);
        for (int p : holding) {
            try {
                DataOutputStream o = out[p];
                o.writeByte(STEP);
                o.writeLong(step);
                o.writeInt(epoch);
                o.writeInt(start);
                o.writeInt(length);
                if (permEpochSent[p] != this.epoch) {
                    writeInts(o, perm);
                    permEpochSent[p] = this.epoch;
                } else {
                    o.writeInt(-1);
                }
                o.writeInt(params.length);
                o.write(weightBytes);
                o.flush();
            } catch (IOException e) {
                throw lost(p, step, e);
            }
        }
        double shipMs = (System.nanoTime() - t0) / 1e6;
        StepSum total = new StepSum();
        for (int p : holding) {
            StepSum part = read(p, step);
            if (part != null) {
                total.merge(part);
            }
        }
        return new Sums(total, shipMs);
    }

    /**
     * Partition {@code p}'s answer for {@code step}: its sum, null when it held none of the examples.
     * Waiting for the first byte wakes every second to check that the loop's job still runs; the rest
     * of the answer is read whole (a timeout inside it would lose the stream's place).
     */
    private StepSum read(int p, long step) {
        try {
            byte status;
            while (true) {
                try {
                    status = in[p].readByte();
                    break;
                } catch (SocketTimeoutException e) {
                    failIfJobEnded();  // still computing, unless its task is gone
                }
            }
            if (status == NOTHING) {
                return null;
            }
            sockets[p].setSoTimeout(FRAME_MS);
            byte[] bytes;
            try {
                bytes = new byte[in[p].readInt()];
                in[p].readFully(bytes);
            } finally {
                sockets[p].setSoTimeout(POLL_MS);
            }
            if (status == FAILED) {
                throw new IllegalStateException(new String(bytes, StandardCharsets.UTF_8));
            }
            return serializer.deserialize(ByteBuffer.wrap(bytes), STEP_SUM);
        } catch (IOException e) {
            throw lost(p, step, e);
        }
    }

    private RuntimeException lost(int p, long step, IOException e) {
        failIfJobEnded();
        return new IllegalStateException("training.step-loop: lost the task of partition " + p + " at step " + (step + 1)
                + ": " + e, e);
    }

    /** Throws the loop job's failure if it has ended (a task failed, or the job was cancelled). */
    private void failIfJobEnded() {
        if (!job.isDone()) {
            return;
        }
        try {
            job.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("training.step-loop: the loop's Spark job failed: " + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("training.step-loop: interrupted", e);
        } catch (java.util.concurrent.CancellationException e) {
            throw new IllegalStateException("training.step-loop: the loop's Spark job was cancelled", e);
        }
        throw new IllegalStateException("training.step-loop: the loop's Spark job ended before the run did");
    }

    static void writeInts(DataOutputStream o, int[] values) throws IOException {
        o.writeInt(values.length);
        byte[] bytes = new byte[values.length * Integer.BYTES];
        ByteBuffer.wrap(bytes).asIntBuffer().put(values);
        o.write(bytes);
    }

    /** Tells every task to stop, then waits for the job to end and closes the sockets. */
    @Override
    public void close() {
        for (DataOutputStream o : out) {
            if (o != null) {
                try {
                    o.writeByte(STOP);
                    o.flush();
                } catch (IOException e) {
                    // that task is gone already
                }
            }
        }
        try {
            job.get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            job.cancel(true);
        }
        for (Socket s : sockets) {
            closeQuietly(s);
        }
        try {
            server.close();
        } catch (IOException e) {
            // nothing to do
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

package org.sparkcnn.jobs;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.serializer.SerializationStream;
import org.apache.spark.serializer.SerializerInstance;
import org.sparkcnn.jobs.data.ExampleBlock;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * The executor side of {@link StepLoop}: a partition's task that connects to the driver, then, for
 * each step the driver sends (weights, the step's place in the epoch's permutation), answers with its
 * {@link PartitionShare} sum, until told to stop. A failure is sent to the driver as a message naming
 * the partition and the step, then fails the task.
 */
final class LoopTask extends AbstractFunction1<Iterator<ExampleBlock>, Iterator<Object>> implements Serializable {

    private static final long serialVersionUID = 1L;

    private final PartitionShare share;
    private final String host;
    private final int port;
    private final String token;

    LoopTask(PartitionShare share, String host, int port, String token) {
        this.share = share;
        this.host = host;
        this.port = port;
        this.token = token;
    }

    @Override
    public Iterator<Object> apply(Iterator<ExampleBlock> rows) {
        TaskContext context = TaskContext.get();
        int partition = context.partitionId();
        SerializerInstance serializer = SparkEnv.get().serializer().newInstance();
        try (Socket socket = new Socket(host, port)) {
            // Connect first: the driver counts the tasks that have started, whatever their partition costs to read.
            socket.setTcpNoDelay(true);
            socket.setKeepAlive(true);
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
            out.writeUTF(token);
            out.writeInt(partition);
            out.flush();
            List<ExampleBlock> blocks = new ArrayList<>();
            while (rows.hasNext()) {
                blocks.add(rows.next());
            }
            int[] perm = null;
            float[] weights = new float[0];
            byte[] bytes = new byte[0];
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            while (true) {
                socket.setSoTimeout(0);  // between steps the driver may be quiet for long: this task has no examples, a checkpoint
                if (in.readByte() != StepLoop.STEP) {
                    break;
                }
                socket.setSoTimeout(StepLoop.FRAME_MS);  // inside a message, silence means the driver is gone
                long step = in.readLong();
                int epoch = in.readInt();
                int start = in.readInt();
                int length = in.readInt();
                int permLength = in.readInt();
                if (permLength >= 0) {
                    perm = readInts(in, permLength);
                }
                int n = in.readInt();
                if (weights.length != n) {
                    weights = new float[n];
                    bytes = new byte[n * Float.BYTES];
                }
                in.readFully(bytes);
                ByteBuffer.wrap(bytes).asFloatBuffer().get(weights);
                answer.reset();
                byte status;
                try {
                    StepSum sum = share.sum(context, blocks.iterator(), perm, weights, start, length, step, epoch);
                    status = sum == null ? StepLoop.NOTHING : StepLoop.SUM;
                    if (sum != null) {
                        SerializationStream stream = serializer.serializeStream(answer);  // no size cap, as task results
                        stream.writeObject(sum, ClassTag$.MODULE$.apply(StepSum.class));
                        stream.close();
                    }
                } catch (Throwable e) {
                    String message = "partition " + partition + ", step " + (step + 1) + ": " + e;
                    byte[] text = message.getBytes(StandardCharsets.UTF_8);
                    out.writeByte(StepLoop.FAILED);
                    out.writeInt(text.length);
                    out.write(text);
                    out.flush();
                    throw new IllegalStateException(message, e);
                }
                out.writeByte(status);
                if (status == StepLoop.SUM) {
                    out.writeInt(answer.size());
                    answer.writeTo(out);
                }
                out.flush();
            }
        } catch (IOException e) {
            throw new IllegalStateException("training.step-loop: partition " + partition + " lost the driver at "
                    + host + ":" + port + ": " + e, e);
        }
        return CollectionConverters.asScala(Collections.emptyIterator());
    }

    private static int[] readInts(DataInputStream in, int n) throws IOException {
        byte[] bytes = new byte[n * Integer.BYTES];
        in.readFully(bytes);
        int[] values = new int[n];
        ByteBuffer.wrap(bytes).asIntBuffer().get(values);
        return values;
    }
}

package org.sparkcnn.jobs;

import com.esotericsoftware.kryo.Kryo;
import org.apache.spark.serializer.KryoRegistrator;
import org.sparkcnn.engine.train.FixedPointSum;
import org.sparkcnn.jobs.data.ExampleBlock;

/**
 * Registers every class SparkCNN ships through Spark, so jobs run with
 * {@code spark.kryo.registrationRequired=true}: an unregistered class fails loudly instead of being
 * written with its full name on every record.
 */
public final class SparkCnnKryoRegistrator implements KryoRegistrator {

    @Override
    public void registerClasses(Kryo kryo) {
        kryo.register(ExampleBlock.class);
        kryo.register(FixedPointSum.class);
        kryo.register(StepSum.class);
        kryo.register(Evaluation.Counts.class);
        kryo.register(float[].class);
        kryo.register(int[].class);
        kryo.register(long[].class);
        kryo.register(double[].class);
        kryo.register(long[][].class);
    }
}

package org.sparkcnn.jobs;

import com.esotericsoftware.kryo.Kryo;
import org.apache.spark.serializer.KryoRegistrator;
import org.sparkcnn.engine.train.ExactSum;
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
        kryo.register(FixedPointSum.class, new FixedPointSumSerializer());
        kryo.register(StepSum.class);
        kryo.register(Evaluation.Counts.class);
        kryo.register(ExactSum.class);
        kryo.register(float[].class);
        kryo.register(int[].class);
        kryo.register(long[].class);
        kryo.register(double[].class);
        kryo.register(long[][].class);
        kryo.register(String[].class);
        kryo.register(org.sparkcnn.jobs.data.CsvDataset.Scan.class);
        // Spark SQL schemas, which Parquet schema inference ships through the serializer.
        for (String name : SQL_TYPES) {
            try {
                kryo.register(Class.forName(name));
            } catch (ClassNotFoundException e) {
                // not in this Spark version
            }
        }
    }

    private static final String[] SQL_TYPES = {
        "org.apache.spark.sql.types.StructType", "org.apache.spark.sql.types.StructField",
        "[Lorg.apache.spark.sql.types.StructField;", "org.apache.spark.sql.types.ArrayType",
        "org.apache.spark.sql.types.MapType", "org.apache.spark.sql.types.Metadata", "org.apache.spark.sql.types.DecimalType",
        "org.apache.spark.sql.types.StringType", "org.apache.spark.sql.types.StringType$",
        "org.apache.spark.sql.types.IntegerType$", "org.apache.spark.sql.types.LongType$",
        "org.apache.spark.sql.types.ShortType$", "org.apache.spark.sql.types.ByteType$",
        "org.apache.spark.sql.types.FloatType$", "org.apache.spark.sql.types.DoubleType$",
        "org.apache.spark.sql.types.BooleanType$", "org.apache.spark.sql.types.BinaryType$",
        "org.apache.spark.sql.types.DateType$", "org.apache.spark.sql.types.TimestampType$",
        "org.apache.spark.sql.types.NullType$", "scala.collection.immutable.Map$EmptyMap$",
        "scala.collection.immutable.Map$Map1", "scala.collection.immutable.Map$Map2",
    };
}

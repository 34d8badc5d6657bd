package org.sparkcnn.trainer;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.sparkcnn.jobs.SparkCnnKryoRegistrator;
import scala.Tuple2;

/**
 * How the trainer configures Spark. Settings given to spark-submit ({@code --conf}, spark-defaults)
 * win; these are only the defaults, so the jar runs as it is under a cluster's own spark-submit.
 */
final class SparkSetup {

    private SparkSetup() {
    }

    /** spark-submit's settings (system properties) plus SparkCNN's defaults. */
    static SparkConf conf(String master, String appName) {
        SparkConf conf = new SparkConf();
        if (master != null) {
            conf.setMaster(master);
        }
        conf.setIfMissing("spark.master", "local[*]");
        conf.setIfMissing("spark.app.name", appName);
        conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        conf.setIfMissing("spark.kryo.registrator", SparkCnnKryoRegistrator.class.getName());
        conf.setIfMissing("spark.kryo.registrationRequired", "true");
        return conf;
    }

    static SparkSession start(SparkConf conf) {
        return SparkSession.builder().config(conf).getOrCreate();
    }

    /**
     * The Hadoop configuration Spark would build ({@code spark.hadoop.*} copied in), available
     * before Spark starts so inputs and outputs are checked first.
     */
    static Configuration hadoop(SparkConf conf) {
        Configuration hadoop = new Configuration();
        for (Tuple2<String, String> kv : conf.getAllWithPrefix("spark.hadoop.")) {
            hadoop.set(kv._1(), kv._2());
        }
        return hadoop;
    }
}

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

    /** Marks a conf whose UI {@link #loopbackOnly} turned off, so starting Spark says so. */
    private static final String UI_OFF = "sparkcnn.ui-off-for-loopback";

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
        if (conf.get("spark.master").startsWith("local")) {
            loopbackOnly(conf, System.getenv("SPARK_LOCAL_IP"));
        }
        return conf;
    }

    /**
     * A local run listens on 127.0.0.1 only, however it was launched. The driver's RPC and block
     * manager ports follow {@code spark.driver.bindAddress}; the UI follows only the environment
     * variable {@code SPARK_LOCAL_IP} (bin/sparkcnn sets it), else it would listen on every interface,
     * so without it the UI stays off unless {@code spark.ui.enabled} is set explicitly.
     */
    static void loopbackOnly(SparkConf conf, String sparkLocalIp) {
        conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        conf.setIfMissing("spark.driver.host", "127.0.0.1");
        boolean uiOnLoopback = sparkLocalIp != null && (sparkLocalIp.equals("127.0.0.1") || sparkLocalIp.equals("localhost")
                || sparkLocalIp.equals("::1"));
        if (!uiOnLoopback && !conf.contains("spark.ui.enabled")) {
            conf.set("spark.ui.enabled", "false");
            conf.set(UI_OFF, "true");
        }
    }

    static SparkSession start(SparkConf conf) {
        if (conf.getBoolean(UI_OFF, false)) {
            System.out.println("spark: the web UI is off: for a local master it would listen on every interface; "
                    + "export SPARK_LOCAL_IP=127.0.0.1 (bin/sparkcnn does) to have it on 127.0.0.1, or set spark.ui.enabled");
        }
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        QuietDataErrors.install();  // Spark may have loaded its own log configuration
        return spark;
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

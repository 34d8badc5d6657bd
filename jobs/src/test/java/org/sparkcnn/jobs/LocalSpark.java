package org.sparkcnn.jobs;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** A local SparkContext as the trainer configures it: loopback only, no UI, Kryo with registration required. */
public final class LocalSpark {

    private LocalSpark() {
    }

    public static SparkConf conf(String master) {
        return new SparkConf()
                .setMaster(master)
                .setAppName("sparkcnn-test")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.ui.enabled", "false")
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrationRequired", "true")
                .set("spark.kryo.registrator", SparkCnnKryoRegistrator.class.getName());
    }

    public static JavaSparkContext start(String master) {
        return new JavaSparkContext(conf(master));
    }
}

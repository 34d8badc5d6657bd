package org.sparkcnn.trainer;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.sparkcnn.engine.Shape;
import org.sparkcnn.jobs.data.CsvDataset;
import org.sparkcnn.jobs.data.IdxDataset;
import org.sparkcnn.jobs.data.ImageFolderDataset;
import org.sparkcnn.jobs.data.LabeledData;
import org.sparkcnn.jobs.data.ParquetDataset;

/** Datasets from the config's data section, in any supported format. */
final class DataSources {

    private DataSources() {
    }

    /**
     * The data section for one dataset given by flags (convert, bench data, evaluate, predict) over the
     * defaults; {@code more} holds further data.* keys and wins.
     */
    static TrainerConfig.Data settings(String format, String uri, int classes, List<Integer> shape, Config more) {
        Map<String, Object> flags = new LinkedHashMap<>();
        flags.put("data.format", format);
        flags.put("data.train", uri);
        flags.put("data.test", uri);
        flags.put("data.classes", classes);
        flags.put("data.shape", shape);
        return TrainerConfig.bind(TrainerConfig.load(null, more.withFallback(ConfigFactory.parseMap(flags)))).data();
    }

    /**
     * Checks what can be checked before Spark starts: that the location exists (and for IDX, the
     * whole header pair). Returns the IDX dataset, or null for the other formats.
     */
    static IdxDataset check(Configuration hadoop, TrainerConfig.Data d, String uri, List<String> idxPrefixes) throws IOException {
        if ("idx".equals(d.format())) {
            return IdxDataset.locate(hadoop, uri, idxPrefixes, d.classes());
        }
        Path p = new Path(uri);
        if (!p.getFileSystem(hadoop).exists(p)) {
            throw new IOException(p.getFileSystem(hadoop).makeQualified(p) + ": no such file or directory");
        }
        return null;
    }

    /** Opens a dataset (Spark is running: Parquet schemas and image folders are read through it). */
    static LabeledData open(SparkSession spark, TrainerConfig.Data d, String uri, List<String> idxPrefixes) throws IOException {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        Shape shape = d.shape().isEmpty() ? null : new Shape(d.shape().get(0), d.shape().get(1), d.shape().get(2));
        LabeledData.BadRecords bad = LabeledData.BadRecords.parse(d.badRecords());
        return switch (d.format()) {
            case "idx" -> IdxDataset.locate(hadoop, uri, idxPrefixes, d.classes());
            case "csv" -> CsvDataset.open(hadoop, uri, shape, d.classes(),
                    new CsvDataset.Options(d.csv().header(), d.csv().labelColumn(), d.pixelScale(), bad));
            case "parquet" -> ParquetDataset.open(spark, uri, shape, d.classes(), d.parquet().labelColumn(),
                    d.parquet().featuresColumn(), d.pixelScale(), bad);
            case "images" -> {
                if (shape == null) {
                    throw new TrainerConfig.Invalid("config key 'data.shape' must be set for format images (images are "
                            + "resized to it), e.g. [3, 32, 32]");
                }
                yield ImageFolderDataset.open(spark, uri, shape, d.classes(), bad);
            }
            default -> throw new TrainerConfig.Invalid("config key 'data.format': unknown format '" + d.format() + "'");
        };
    }
}

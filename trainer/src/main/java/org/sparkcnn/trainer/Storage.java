package org.sparkcnn.trainer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkcnn.engine.ModelFile;

/** Files on any Hadoop URI, written so that a reader never sees half a file. */
final class Storage {

    private Storage() {
    }

    static FileSystem fs(Configuration conf, String uri) throws IOException {
        return new Path(uri).getFileSystem(conf);
    }

    static String qualify(Configuration conf, String uri) throws IOException {
        Path p = new Path(uri);
        return p.getFileSystem(conf).makeQualified(p).toString();
    }

    static boolean exists(Configuration conf, String uri) throws IOException {
        return fs(conf, uri).exists(new Path(uri));
    }

    /** Fails (a usage error, before Spark starts) if {@code uri} exists and {@code overwrite} is off. */
    static void checkAbsent(Configuration conf, String uri, boolean overwrite) throws IOException {
        if (!overwrite && exists(conf, uri)) {
            throw new TrainerConfig.Invalid("output " + uri + " already exists; pass --overwrite to replace it");
        }
    }

    /** Writes {@code uri} through a temporary sibling renamed into place. */
    static void write(Configuration conf, String uri, Writer writer) throws IOException {
        Path target = new Path(uri);
        FileSystem fs = target.getFileSystem(conf);
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
        try (OutputStream out = fs.create(tmp, true)) {
            writer.write(out);
        } catch (IOException | RuntimeException e) {
            fs.delete(tmp, false);
            throw e;
        }
        fs.delete(target, false);
        if (!fs.rename(tmp, target)) {
            throw new IOException("could not rename " + tmp + " to " + target);
        }
    }

    static void writeText(Configuration conf, String uri, String text) throws IOException {
        write(conf, uri, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    static ModelFile.SavedModel readModel(Configuration conf, String uri) throws IOException {
        Path path = new Path(uri);
        FileSystem fs = path.getFileSystem(conf);
        if (!fs.exists(path)) {
            throw new IOException(fs.makeQualified(path) + ": no such model file");
        }
        try (InputStream in = fs.open(path)) {
            return ModelFile.read(in, fs.makeQualified(path).toString());
        }
    }

    static void writeModel(Configuration conf, String uri, ModelFile.SavedModel model) throws IOException {
        write(conf, uri, out -> ModelFile.write(out, model));
    }

    interface Writer {
        void write(OutputStream out) throws IOException;
    }
}

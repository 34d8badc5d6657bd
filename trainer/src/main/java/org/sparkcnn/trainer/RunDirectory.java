package org.sparkcnn.trainer;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A run's output directory, built in a staging directory next to it ({@code <dir>.inprogress}) and
 * moved into place only when the run succeeds: a failed run leaves an earlier output untouched,
 * and with {@code --overwrite} the old output is replaced only at that moment.
 */
final class RunDirectory {

    private final FileSystem fs;
    private final Path target;
    private final Path staging;

    private RunDirectory(FileSystem fs, Path target) {
        this.fs = fs;
        this.target = target;
        this.staging = new Path(target.getParent(), target.getName() + ".inprogress");
    }

    /**
     * Checks that the output may be written (it does not exist, or {@code overwrite}); creates
     * nothing yet, so it can run before Spark starts.
     */
    static RunDirectory check(Configuration conf, String uri, boolean overwrite) throws IOException {
        return check(conf, uri, overwrite, false);
    }

    /**
     * As {@link #check(Configuration, String, boolean)}; with {@code resume}, an existing output is a
     * completed run that may be continued (it is replaced only when the continued run succeeds).
     */
    static RunDirectory check(Configuration conf, String uri, boolean overwrite, boolean resume) throws IOException {
        Path path = new Path(uri);
        FileSystem fs = path.getFileSystem(conf);
        // No .crc side files next to a run's artifacts on a local disk (the instance is shared).
        fs.setWriteChecksum(false);
        RunDirectory dir = new RunDirectory(fs, fs.makeQualified(path));
        if (fs.exists(dir.target) && !overwrite && !resume) {
            throw new TrainerConfig.Invalid("output " + dir.target + " already exists; choose another --output or pass "
                    + "--overwrite (the old output is replaced only when the new run succeeds)");
        }
        return dir;
    }

    /** Whether the output exists (a completed run). */
    boolean targetExists() throws IOException {
        return fs.exists(target);
    }

    /** Whether a staging directory (of a run in progress or interrupted) exists. */
    boolean stagingExists() throws IOException {
        return fs.exists(staging);
    }

    /**
     * Creates the staging directory. One that a crashed run left behind is kept when {@code resuming}
     * (it holds the run so far), and replaced otherwise.
     */
    RunDirectory create(boolean resuming) throws IOException {
        if (resuming && fs.exists(staging)) {
            return this;
        }
        if (resuming && fs.exists(target)) {  // continuing a completed run: its files are the run so far
            Path copying = new Path(target.getParent(), target.getName() + ".copying");
            fs.delete(copying, true);  // a copy an earlier attempt left half done
            if (!org.apache.hadoop.fs.FileUtil.copy(fs, target, fs, copying, false, fs.getConf()) || !fs.rename(copying, staging)) {
                throw new IOException("could not copy " + target + " to " + staging + " to continue it");
            }
            return this;
        }
        if (fs.exists(staging)) {
            fs.delete(staging, true);
        }
        if (!fs.mkdirs(staging)) {
            throw new IOException("could not create " + staging);
        }
        return this;
    }

    /** Where a file of the run goes while the run is in progress. */
    String file(String name) {
        return new Path(staging, name).toString();
    }

    /** Where a file of the run will be once committed. */
    String finalFile(String name) {
        return new Path(target, name).toString();
    }

    String uri() {
        return target.toString();
    }

    String stagingUri() {
        return staging.toString();
    }

    /** Moves the finished run into place; an existing output (allowed by --overwrite) goes only now. */
    void commit() throws IOException {
        Path old = new Path(target.getParent(), target.getName() + ".replaced");
        boolean replacing = fs.exists(target);
        if (replacing && (!fs.rename(target, old))) {
            throw new IOException("could not move the old output " + target + " aside; the new run is in " + staging);
        }
        if (!fs.rename(staging, target)) {
            throw new IOException("could not move " + staging + " to " + target);
        }
        if (replacing) {
            fs.delete(old, true);
        }
    }
}

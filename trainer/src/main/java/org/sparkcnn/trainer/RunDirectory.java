package org.sparkcnn.trainer;

import java.io.IOException;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkcnn.jobs.TestFaults;

/**
 * A run's output directory, built in a staging directory next to it ({@code <dir>.inprogress}) and
 * moved into place only when the run succeeds: a failed run leaves an earlier output untouched,
 * and with {@code --overwrite} the old output is replaced only at that moment.
 *
 * <p>The commit is a sequence of renames ({@link #commit}); a driver killed between two of them
 * leaves a state that the next {@code train} on the same output recognizes before it starts
 * ({@link #check}): it puts the earlier output back, or finishes deleting it, so that no earlier
 * output is lost and the interrupted run can be resumed from its staging directory.
 */
final class RunDirectory {

    private final FileSystem fs;
    private final Path target;
    private final Path staging;
    private final Path replaced;

    private RunDirectory(FileSystem fs, Path target) {
        this.fs = fs;
        this.target = target;
        this.staging = new Path(target.getParent(), target.getName() + ".inprogress");
        this.replaced = new Path(target.getParent(), target.getName() + ".replaced");
    }

    /**
     * Checks that the output may be written (it does not exist, or {@code overwrite}); creates
     * nothing yet, so it can run before Spark starts. First repairs a commit that a killed driver
     * left half done ({@link #recover}); what it did goes to {@code say}.
     */
    static RunDirectory check(Configuration conf, String uri, boolean overwrite, Consumer<String> say) throws IOException {
        return check(conf, uri, overwrite, false, say);
    }

    /**
     * As {@link #check(Configuration, String, boolean, Consumer)}; with {@code resume}, an existing
     * output is a completed run that may be continued (replaced only when the continued run succeeds).
     */
    static RunDirectory check(Configuration conf, String uri, boolean overwrite, boolean resume, Consumer<String> say)
            throws IOException {
        Path path = new Path(uri);
        FileSystem fs = path.getFileSystem(conf);
        // No .crc side files next to a run's artifacts on a local disk (the instance is shared).
        fs.setWriteChecksum(false);
        RunDirectory dir = new RunDirectory(fs, fs.makeQualified(path));
        dir.recover(say);
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

    /**
     * Moves the finished run into place; an existing output (allowed by --overwrite) goes only now.
     * The states in between, each of which a killed driver can leave (see {@link #recover}):
     * <ol>
     *   <li>the output (old) and the staging directory (new): nothing moved yet;</li>
     *   <li>{@code <dir>.replaced} (old) and the staging directory (new), no output;</li>
     *   <li>the output (new) and {@code <dir>.replaced} (old), no staging directory;</li>
     *   <li>the output (new): committed.</li>
     * </ol>
     * Without an earlier output the commit is the one rename from 1 to 4.
     */
    void commit() throws IOException {
        boolean replacing = fs.exists(target);
        if (replacing && (!fs.rename(target, replaced))) {
            throw new IOException("could not move the old output " + target + " aside; the new run is in " + staging);
        }
        TestFaults.haltPoint(TestFaults.OUTPUT_COMMIT);  // inert outside tests
        if (!fs.rename(staging, target)) {
            throw new IOException("could not move " + staging + " to " + target);
        }
        if (replacing) {
            fs.delete(replaced, true);
        }
    }

    /**
     * Repairs what a driver killed during {@link #commit} left: in state 2 (the earlier output moved
     * aside, the new run not yet in place) the earlier output goes back, which is state 1 again: the
     * run is resumed from its staging directory (or rerun) and commits anew, and no earlier output is
     * lost whatever the user does next. In state 3 the commit had succeeded, and only the deletion of
     * the replaced output is finished. A state no commit leaves (on a store whose rename is a copy, a
     * rename cut short) is refused, naming the directories, rather than guessed at.
     */
    void recover(Consumer<String> say) throws IOException {
        if (!fs.exists(replaced)) {
            return;
        }
        boolean output = fs.exists(target), staged = fs.exists(staging);
        if (!output) {
            if (!fs.rename(replaced, target)) {
                throw new IOException("could not move the earlier output " + replaced + " back to " + target);
            }
            say.accept("the commit of " + target + " was interrupted after the earlier output was moved aside: it is "
                    + "back in place" + (staged ? ", and the interrupted run is still in " + staging : ""));
        } else if (!staged) {
            fs.delete(replaced, true);
            say.accept("the commit of " + target + " was interrupted after the new output was moved into place: the "
                    + "replaced earlier output " + replaced + " is now deleted");
        } else {
            throw new TrainerConfig.Invalid(replaced + " is left from an interrupted commit of " + target + ", but both "
                    + target + " and " + staging + " exist, which no commit leaves (a rename that is a copy, cut short?); "
                    + "check which holds what, and move or delete " + replaced + " by hand");
        }
    }
}

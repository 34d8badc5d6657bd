package org.sparkcnn.jobs.checkpoint;

import java.io.IOException;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.util.Progressable;

/** The local filesystem under the scheme {@code flaky:}, whose next {@link #FAILURES} file creations fail. */
public class FlakyFileSystem extends RawLocalFileSystem {

    static final AtomicInteger FAILURES = new AtomicInteger();
    static final AtomicInteger CREATES = new AtomicInteger();
    /** A file or directory name whose deletion fails, or null. */
    static volatile String UNDELETABLE;

    @Override
    public URI getUri() {
        return URI.create("flaky:///");
    }

    @Override
    public String getScheme() {
        return "flaky";
    }

    @Override
    public boolean delete(Path p, boolean recursive) throws IOException {
        if (p.getName().equals(UNDELETABLE)) {
            throw new IOException("injected failure deleting " + p);
        }
        return super.delete(p, recursive);
    }

    @Override
    public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
                                     Progressable progress) throws IOException {
        CREATES.incrementAndGet();
        if (FAILURES.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new IOException("injected transient failure creating " + f);
        }
        return super.create(f, overwrite, bufferSize, replication, blockSize, progress);
    }
}

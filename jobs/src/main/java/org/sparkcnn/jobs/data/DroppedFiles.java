package org.sparkcnn.jobs.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * The data files under a directory that Spark's file listing leaves out without a word: empty ones
 * (0 bytes) and hidden ones (a name starting with '.' or '_' anywhere below the root, such as
 * macOS's {@code ._photo.png}). Each is a bad record: the fail policy names the first, skip counts them.
 */
record DroppedFiles(String kind, Map<String, String> why) implements java.io.Serializable {

    /** Hadoop's and Spark's convention: a name starting with '.' or '_' is not data (.crc, _SUCCESS). */
    static boolean hidden(String name) {
        return name.startsWith(".") || name.startsWith("_");
    }

    /** Lists {@code root} (recursively) for files whose names {@code isData} accepts; {@code kind} names them in messages. */
    static DroppedFiles under(FileSystem fs, Path root, Predicate<String> isData, String kind) throws IOException {
        Map<String, String> why = new TreeMap<>();
        Path dir = fs.makeQualified(root);
        if (!fs.getFileStatus(dir).isDirectory()) {
            return new DroppedFiles(kind, why);
        }
        RemoteIterator<LocatedFileStatus> files = fs.listFiles(dir, true);
        while (files.hasNext()) {
            LocatedFileStatus f = files.next();
            if (!isData.test(f.getPath().getName())) {
                continue;
            }
            boolean hiddenPath = false;
            for (Path p = f.getPath(); p != null && p.depth() > dir.depth(); p = p.getParent()) {
                hiddenPath |= hidden(p.getName());
            }
            if (hiddenPath) {
                why.put(f.getPath().toString(), "a hidden " + kind + " (a name in its path starts with '.' or '_'), not read");
            } else if (f.getLen() == 0) {
                why.put(f.getPath().toString(), "empty file (0 bytes), not " + (kind.startsWith("image") ? "an " : "a ") + kind);
            }
        }
        return new DroppedFiles(kind, why);
    }

    int count() {
        return why.size();
    }

    /** Under the fail policy: a data error naming the first such file. */
    void failIfAny() throws BadDataException {
        if (!why.isEmpty()) {
            Map.Entry<String, String> first = why.entrySet().iterator().next();
            throw new BadDataException(first.getKey() + ": " + first.getValue() + (why.size() > 1 ? " (and " + (why.size() - 1)
                    + " more such " + kind + "s)" : "") + "; remove it, or set data.bad-records=skip");
        }
    }

    /** Under the skip policy: the first {@code n} as "path: why". */
    List<String> first(int n) {
        List<String> out = new ArrayList<>();
        why.entrySet().stream().limit(n).forEach(d -> out.add(d.getKey() + ": " + d.getValue()));
        return out;
    }
}

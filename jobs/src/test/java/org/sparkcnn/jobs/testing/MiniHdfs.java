package org.sparkcnn.jobs.testing;

import java.io.File;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * One real in-process HDFS (MiniDFSCluster: a NameNode and a DataNode on 127.0.0.1) per test JVM,
 * started on first use and shut down when the JVM exits.
 */
public final class MiniHdfs {

    private static MiniDFSCluster cluster;

    private MiniHdfs() {
    }

    public static synchronized MiniDFSCluster cluster() throws IOException {
        if (cluster == null) {
            File base = new File("target/minidfs-" + ProcessHandle.current().pid()).getAbsoluteFile();
            Configuration conf = new Configuration();
            conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.getPath());
            conf.set("dfs.namenode.rpc-bind-host", "127.0.0.1");
            conf.set("dfs.namenode.http-bind-host", "127.0.0.1");
            conf.setBoolean("dfs.permissions.enabled", true);
            cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
            cluster.waitActive();
            MiniDFSCluster started = cluster;
            Runtime.getRuntime().addShutdownHook(new Thread(started::shutdown, "minidfs-shutdown"));
        }
        return cluster;
    }

    /** {@code hdfs://127.0.0.1:PORT} followed by {@code path}. */
    public static String uri(String path) throws IOException {
        return "hdfs://127.0.0.1:" + cluster().getNameNodePort() + path;
    }

    /** A FileSystem for the cluster as its superuser (the user running the tests). */
    public static FileSystem fs() throws IOException {
        return cluster().getFileSystem();
    }
}

package org.sparkcnn.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every state a driver killed during the commit of a run directory can leave (RunDirectory.commit's
 * list, built here with the same renames), and what the next {@code train} on that output finds:
 * no earlier output is lost, and the interrupted run is still there to resume. ResumeIT kills a real
 * driver in state 2.
 */
class RunDirectoryTest {

    @TempDir
    Path tmp;

    private Path out;
    private Path staging;
    private Path replaced;
    private final List<String> said = new ArrayList<>();

    private void layout(String old, String fresh, String aside) throws IOException {
        out = tmp.resolve("run");
        staging = tmp.resolve("run.inprogress");
        replaced = tmp.resolve("run.replaced");
        for (Object[] d : new Object[][]{{out, old}, {staging, fresh}, {replaced, aside}}) {
            if (d[1] != null) {
                Files.createDirectories((Path) d[0]);
                Files.writeString(((Path) d[0]).resolve("which.txt"), (String) d[1]);
            }
        }
    }

    private RunDirectory check(boolean overwrite) throws IOException {
        return RunDirectory.check(new Configuration(), out.toUri().toString(), overwrite, said::add);
    }

    private static String which(Path dir) throws IOException {
        return Files.readString(dir.resolve("which.txt"));
    }

    @Test
    void state1NothingMovedYetIsLeftAsItIs() throws Exception {
        layout("old", "new", null);
        RunDirectory run = check(true);
        assertEquals(List.of(), said);
        assertEquals("old", which(out));
        assertTrue(run.stagingExists());
        assertThrows(TrainerConfig.Invalid.class, () -> check(false), "an existing output still needs --overwrite");
        run.commit();
        assertEquals("new", which(out));
        assertFalse(Files.exists(staging) || Files.exists(replaced));
    }

    @Test
    void state2TheEarlierOutputMovedAsideGoesBackAndTheRunCommitsAgain() throws Exception {
        layout(null, "new", "old");
        assertThrows(TrainerConfig.Invalid.class, () -> check(false),
                "the earlier output is back in place, so replacing it still needs --overwrite");
        assertEquals("old", which(out), "the earlier output is back where it was");
        assertFalse(Files.exists(replaced));
        assertEquals("new", which(staging), "the interrupted run is untouched, ready to resume");
        assertEquals(1, said.size(), said.toString());
        assertTrue(said.get(0).contains("moved aside: it is back in place"), said.get(0));
        RunDirectory run = check(true);
        run.commit();
        assertEquals("new", which(out));
        assertFalse(Files.exists(staging) || Files.exists(replaced));
    }

    @Test
    void state2WithoutTheStagingDirectoryStillGetsTheEarlierOutputBack() throws Exception {
        layout(null, null, "old");
        check(true);
        assertEquals("old", which(out));
        assertFalse(Files.exists(replaced));
    }

    @Test
    void state3TheCommitHadSucceededAndTheReplacedOutputIsDeleted() throws Exception {
        layout("new", null, "old");
        check(true);
        assertEquals("new", which(out));
        assertFalse(Files.exists(replaced));
        assertEquals(1, said.size(), said.toString());
        assertTrue(said.get(0).contains("replaced earlier output") && said.get(0).contains("is now deleted"), said.get(0));
    }

    @Test
    void aStateNoCommitLeavesIsRefusedAndNothingIsTouched() throws Exception {
        layout("a", "b", "c");
        TrainerConfig.Invalid e = assertThrows(TrainerConfig.Invalid.class, () -> check(true));
        assertTrue(e.getMessage().contains("run.replaced") && e.getMessage().contains("by hand"), e.getMessage());
        assertEquals("a", which(out));
        assertEquals("b", which(staging));
        assertEquals("c", which(replaced));
    }
}

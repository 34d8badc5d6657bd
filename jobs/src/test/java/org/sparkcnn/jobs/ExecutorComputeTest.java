package org.sparkcnn.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.sparkcnn.engine.train.GradientWorker;

/** The executor's shared engine pool: its size, and units cut as GradientWorker cuts chunks. */
class ExecutorComputeTest {

    @Test
    void thePoolTakesTheExecutorsCores() {
        int machine = Runtime.getRuntime().availableProcessors();
        assertEquals(3, ExecutorCompute.executorCores(new SparkConf().set("spark.master", "spark://h:7077").set("spark.executor.cores", "3")));
        assertEquals(2, ExecutorCompute.executorCores(new SparkConf().set("spark.master", "local[2]")));
        assertEquals(machine, ExecutorCompute.executorCores(new SparkConf().set("spark.master", "local[*]")));
        assertEquals(1, ExecutorCompute.executorCores(new SparkConf().set("spark.master", "local")));
        assertEquals(machine, ExecutorCompute.executorCores(new SparkConf().set("spark.master", "spark://h:7077")));
    }

    @Test
    void unitsAreChunksOfEachExamplesInRowOrder() {
        float[] x = new float[0];
        int[] y = new int[0];
        List<GradientWorker.Examples> units = ExecutorCompute.chunks(List.of(
                new GradientWorker.Examples(x, y, 0, new int[] {5, 1, 9, 3, 7}),
                new GradientWorker.Examples(x, y, 100, new int[] {2, 4})), 2);
        assertEquals(4, units.size());
        assertArrayEquals(new int[] {5, 1}, units.get(0).rows());
        assertArrayEquals(new int[] {9, 3}, units.get(1).rows());
        assertArrayEquals(new int[] {7}, units.get(2).rows());
        assertArrayEquals(new int[] {2, 4}, units.get(3).rows());
        assertEquals(100, units.get(3).firstId());
    }
}

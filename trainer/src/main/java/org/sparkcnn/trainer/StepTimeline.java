package org.sparkcnn.trainer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;
import org.sparkcnn.jobs.TrainingJob;

/**
 * Where a training step's job spends its time, from Spark's listener events: the driver's clock in
 * milliseconds at the job's submission, each task's launch and finish, the job's end, and each task's
 * own metrics (deserialization, run, result serialization). Only the jobs that carry
 * {@link TrainingJob#STEP_PROPERTY} count. Millisecond stamps make single steps coarse; the means over
 * many steps are what {@link #summary} reports.
 */
final class StepTimeline extends SparkListener {

    /** One step's job. Written by the listener thread, read after the bus has drained. */
    private static final class Job {
        final long step;
        final long submitted;
        long ended = -1;
        final List<long[]> tasks = new ArrayList<>();  // launch, finish, deserialize, run, serialize, result bytes

        Job(long step, long submitted) {
            this.step = step;
            this.submitted = submitted;
        }

        long firstLaunch() {
            return tasks.stream().mapToLong(t -> t[0]).min().orElse(submitted);
        }

        long[] slowest() {
            return tasks.stream().max((a, b) -> Long.compare(a[1] - a[0], b[1] - b[0])).orElse(new long[6]);
        }

        long lastFinish() {
            return tasks.stream().mapToLong(t -> t[1]).max().orElse(ended);
        }
    }

    private final Map<Integer, Job> jobsById = new ConcurrentHashMap<>();
    private final Map<Integer, Job> jobsByStage = new ConcurrentHashMap<>();
    private final Map<Long, Job> jobsByStep = new ConcurrentHashMap<>();

    @Override
    public void onJobStart(SparkListenerJobStart e) {
        String step = e.properties() == null ? null : e.properties().getProperty(TrainingJob.STEP_PROPERTY);
        if (step == null) {
            return;
        }
        Job job = new Job(Long.parseLong(step) - 1, e.time());
        jobsById.put(e.jobId(), job);
        jobsByStep.put(job.step, job);
        scala.collection.Iterator<Object> stages = e.stageIds().iterator();
        while (stages.hasNext()) {
            jobsByStage.put((Integer) stages.next(), job);
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd e) {
        Job job = jobsByStage.get(e.stageId());
        if (job == null) {
            return;
        }
        TaskInfo info = e.taskInfo();
        TaskMetrics m = e.taskMetrics();
        long[] t = {info.launchTime(), info.finishTime(), m == null ? 0 : m.executorDeserializeTime(),
                m == null ? 0 : m.executorRunTime(), m == null ? 0 : m.resultSerializationTime(), m == null ? 0 : m.resultSize()};
        synchronized (job) {
            job.tasks.add(t);
        }
    }

    @Override
    public void onJobEnd(SparkListenerJobEnd e) {
        Job job = jobsById.get(e.jobId());
        if (job != null) {
            job.ended = e.time();
        }
    }

    /**
     * Means over {@code steps} (each step's metrics from the training loop) of: the driver's time in
     * the compute phase outside Spark's job ({@code computeMs} minus submission-to-end), submission to
     * the first task's launch, the slowest task's deserialization, run and result serialization and the
     * rest of its launch-to-finish, the last finish to the job's end, and the result bytes per task.
     */
    Map<String, Object> summary(List<TrainingJob.StepMetrics> steps) {
        List<Job> jobs = new ArrayList<>();
        List<TrainingJob.StepMetrics> matched = new ArrayList<>();
        for (TrainingJob.StepMetrics m : steps) {
            Job j = jobsByStep.get(m.step());
            if (j != null && j.ended >= 0 && !j.tasks.isEmpty()) {
                jobs.add(j);
                matched.add(m);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("steps", jobs.size());
        if (jobs.isEmpty()) {
            return out;
        }
        double outside = 0;
        for (int i = 0; i < jobs.size(); i++) {
            outside += matched.get(i).computeMs() - (jobs.get(i).ended - jobs.get(i).submitted);
        }
        out.put("driver_outside_job_ms", round(outside / jobs.size()));
        out.put("submit_to_first_launch_ms", mean(jobs, j -> j.firstLaunch() - j.submitted));
        out.put("slowest_task_deserialize_ms", mean(jobs, j -> j.slowest()[2]));
        out.put("slowest_task_run_ms", mean(jobs, j -> j.slowest()[3]));
        out.put("slowest_task_result_serialize_ms", mean(jobs, j -> j.slowest()[4]));
        out.put("slowest_task_rest_ms", mean(jobs, j -> {
            long[] t = j.slowest();
            return (t[1] - t[0]) - t[2] - t[3] - t[4];
        }));
        out.put("last_finish_to_job_end_ms", mean(jobs, j -> j.ended - j.lastFinish()));
        out.put("result_bytes_per_task", Math.round(jobs.stream().flatMap(j -> j.tasks.stream()).mapToLong(t -> t[5]).average().orElse(0)));
        return out;
    }

    private static double mean(List<Job> jobs, ToDoubleFunction<Job> f) {
        return round(jobs.stream().mapToDouble(f).average().orElse(Double.NaN));
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}

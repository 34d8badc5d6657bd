package org.sparkcnn.engine.optim;

import java.util.LinkedHashMap;
import java.util.Objects;

/**
 * Checkpointable schedule state: the schedule's {@link LrSchedule#name() type name} and its named
 * scalars. Closed-form schedules have none (their lr is a function of the step and epoch counters);
 * {@link ReduceLrOnPlateau} has "lr", "best", "num_bad_epochs", "cooldown_counter", "last_epoch".
 */
public record ScheduleState(String type, LinkedHashMap<String, Double> values) {
    public ScheduleState {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(values, "values");
    }
}

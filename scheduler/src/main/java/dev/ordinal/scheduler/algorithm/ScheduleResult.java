package dev.ordinal.scheduler.algorithm;

/** The outcome of one scheduling decision: a node, or the reasons none fits. */
public sealed interface ScheduleResult {
    /** The pod goes to {@code nodeName}; {@code evaluated} nodes were filtered, {@code feasible} passed. */
    record Scheduled(String nodeName, int evaluated, int feasible) implements ScheduleResult {
    }

    record Unschedulable(FitError error) implements ScheduleResult {
    }
}

package dev.ordinal.scheduler.plugins;

import dev.ordinal.api.v1.Taint;
import dev.ordinal.api.v1.Toleration;
import java.util.List;

/** Kubernetes' toleration matching (v1helper.TolerationsTolerateTaint). */
public final class Tolerations {
    private Tolerations() {
    }

    public static boolean tolerates(List<Toleration> tolerations, Taint taint) {
        return tolerates(tolerations, taint.getKey(), taint.getValue(), taint.getEffect());
    }

    public static boolean tolerates(List<Toleration> tolerations, String key, String value, String effect) {
        for (Toleration t : tolerations) {
            if (matches(t, key, value, effect)) {
                return true;
            }
        }
        return false;
    }

    /** An empty effect matches every effect; Exists with an empty key matches every taint. */
    static boolean matches(Toleration t, String key, String value, String effect) {
        if (!t.getEffect().isEmpty() && !t.getEffect().equals(effect)) {
            return false;
        }
        if (!t.getKey().isEmpty() && !t.getKey().equals(key)) {
            return false;
        }
        String op = t.getOperator().isEmpty() ? "Equal" : t.getOperator();
        return switch (op) {
            case "Exists" -> true;
            case "Equal" -> t.getValue().equals(value);
            default -> false;
        };
    }
}

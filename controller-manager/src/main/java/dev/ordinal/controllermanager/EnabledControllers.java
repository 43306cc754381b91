package dev.ordinal.controllermanager;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which controllers to run from kube-controller-manager's {@code --controllers} syntax: {@code *}
 * turns every known controller on, {@code name} turns one on, {@code -name} turns one off; the
 * order of the entries does not matter (a removal always wins).
 */
public final class EnabledControllers {
    private EnabledControllers() {
    }

    /**
     * The enabled names, in the order of {@code available}.
     *
     * @throws IllegalArgumentException naming the key and the unknown controller
     */
    public static List<String> select(List<String> spec, List<String> available) {
        Set<String> on = new LinkedHashSet<>();
        Set<String> off = new LinkedHashSet<>();
        boolean all = false;
        for (String raw : spec) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            if (entry.equals("*")) {
                all = true;
                continue;
            }
            boolean disable = entry.startsWith("-");
            String name = disable ? entry.substring(1) : entry;
            if (!available.contains(name)) {
                throw new IllegalArgumentException("ordinal.controller-manager.controllers: \"" + name
                        + "\" is not a controller; known controllers: " + String.join(", ", available)
                        + " (use * for all, -name to turn one off)");
            }
            (disable ? off : on).add(name);
        }
        List<String> out = new ArrayList<>();
        for (String name : available) {
            if ((all || on.contains(name)) && !off.contains(name)) {
                out.add(name);
            }
        }
        return out;
    }
}

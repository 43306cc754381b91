package dev.ordinal.client.api;

import dev.ordinal.api.v1.LabelSelector;
import dev.ordinal.api.v1.LabelSelectorRequirement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Kubernetes label selectors: the string syntax of {@code -l} and list requests
 * ({@code app=web,tier!=cache,env in (a,b),env notin (c),release,!legacy}) and the structured
 * {@link LabelSelector} of specs, both turned into one {@link Selector}.
 */
public final class LabelSelectors {
    private LabelSelectors() {
    }

    /** A selector over a label map. */
    public interface Selector {
        boolean matches(Map<String, String> labels);

        /** True when the selector places no constraint (matches everything). */
        boolean empty();
    }

    /** One requirement: key, operator and values. */
    public record Requirement(String key, Op op, Set<String> values) {
        public boolean matches(Map<String, String> labels) {
            String v = labels.get(key);
            return switch (op) {
                case EQUALS, IN -> v != null && values.contains(v);
                case NOT_EQUALS, NOT_IN -> v == null || !values.contains(v);
                case EXISTS -> v != null;
                case DOES_NOT_EXIST -> v == null;
            };
        }
    }

    public enum Op { EQUALS, NOT_EQUALS, IN, NOT_IN, EXISTS, DOES_NOT_EXIST }

    private record Requirements(List<Requirement> all) implements Selector {
        @Override
        public boolean matches(Map<String, String> labels) {
            for (Requirement r : all) {
                if (!r.matches(labels)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public boolean empty() {
            return all.isEmpty();
        }
    }

    /** Matches everything. */
    public static Selector everything() {
        return new Requirements(List.of());
    }

    /**
     * Parses the string syntax. An empty string matches everything.
     *
     * @throws ApiException BadRequest naming the offending part when the syntax is wrong
     */
    public static Selector parse(String text) {
        if (text == null || text.isBlank()) {
            return everything();
        }
        List<Requirement> out = new ArrayList<>();
        for (String part : splitTopLevel(text)) {
            out.add(parseRequirement(part.trim(), text));
        }
        return new Requirements(List.copyOf(out));
    }

    /**
     * Converts a structured selector. A null or default selector matches everything here; callers
     * that require a non-empty selector (StatefulSet) check that themselves.
     *
     * @throws ApiException BadRequest when an operator is unknown or values do not fit it
     */
    public static Selector of(LabelSelector selector) {
        if (selector == null) {
            return everything();
        }
        List<Requirement> out = new ArrayList<>();
        new java.util.TreeMap<>(selector.getMatchLabelsMap())
                .forEach((k, v) -> out.add(new Requirement(k, Op.EQUALS, Set.of(v))));
        for (LabelSelectorRequirement r : selector.getMatchExpressionsList()) {
            Op op = switch (r.getOperator()) {
                case "In" -> Op.IN;
                case "NotIn" -> Op.NOT_IN;
                case "Exists" -> Op.EXISTS;
                case "DoesNotExist" -> Op.DOES_NOT_EXIST;
                default -> throw ApiException.badRequest("label selector operator \"" + r.getOperator()
                        + "\" is not one of In, NotIn, Exists, DoesNotExist");
            };
            boolean wantsValues = op == Op.IN || op == Op.NOT_IN;
            if (wantsValues && r.getValuesCount() == 0) {
                throw ApiException.badRequest("label selector " + r.getKey() + " " + r.getOperator() + " needs at least one value");
            }
            if (!wantsValues && r.getValuesCount() > 0) {
                throw ApiException.badRequest("label selector " + r.getKey() + " " + r.getOperator() + " takes no values");
            }
            out.add(new Requirement(r.getKey(), op, new TreeSet<>(r.getValuesList())));
        }
        return new Requirements(List.copyOf(out));
    }

    /** Whether {@code selector} (structured) selects {@code labels}. */
    public static boolean matches(LabelSelector selector, Map<String, String> labels) {
        return of(selector).matches(labels);
    }

    /** Renders a structured selector in the string syntax (used for scale status and kubectl). */
    public static String format(LabelSelector selector) {
        List<String> parts = new ArrayList<>();
        new java.util.TreeMap<>(selector.getMatchLabelsMap()).forEach((k, v) -> parts.add(k + "=" + v));
        for (LabelSelectorRequirement r : selector.getMatchExpressionsList()) {
            switch (r.getOperator()) {
                case "In" -> parts.add(r.getKey() + " in (" + String.join(",", new TreeSet<>(r.getValuesList())) + ")");
                case "NotIn" -> parts.add(r.getKey() + " notin (" + String.join(",", new TreeSet<>(r.getValuesList())) + ")");
                case "Exists" -> parts.add(r.getKey());
                case "DoesNotExist" -> parts.add("!" + r.getKey());
                default -> parts.add(r.getKey() + " " + r.getOperator());
            }
        }
        return String.join(",", parts);
    }

    private static List<String> splitTopLevel(String text) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(text.substring(start));
        return parts;
    }

    private static Requirement parseRequirement(String part, String whole) {
        if (part.isEmpty()) {
            throw bad(whole, "empty requirement");
        }
        if (part.startsWith("!")) {
            String key = part.substring(1).trim();
            checkKey(key, whole);
            return new Requirement(key, Op.DOES_NOT_EXIST, Set.of());
        }
        String lower = part.toLowerCase(java.util.Locale.ROOT);
        int notin = indexOfWord(lower, "notin");
        int in = indexOfWord(lower, "in");
        if (notin > 0 || in > 0) {
            boolean isNotIn = notin > 0;
            int at = isNotIn ? notin : in;
            String key = part.substring(0, at).trim();
            String rest = part.substring(at + (isNotIn ? 5 : 2)).trim();
            if (!rest.startsWith("(") || !rest.endsWith(")")) {
                throw bad(whole, "values of '" + key + (isNotIn ? " notin" : " in") + "' must be in parentheses");
            }
            checkKey(key, whole);
            Set<String> values = new TreeSet<>();
            for (String v : rest.substring(1, rest.length() - 1).split(",")) {
                String value = v.trim();
                checkValue(value, whole);
                values.add(value);
            }
            return new Requirement(key, isNotIn ? Op.NOT_IN : Op.IN, values);
        }
        int ne = part.indexOf("!=");
        if (ne >= 0) {
            return equality(part.substring(0, ne), part.substring(ne + 2), Op.NOT_EQUALS, whole);
        }
        int eqeq = part.indexOf("==");
        if (eqeq >= 0) {
            return equality(part.substring(0, eqeq), part.substring(eqeq + 2), Op.EQUALS, whole);
        }
        int eq = part.indexOf('=');
        if (eq >= 0) {
            return equality(part.substring(0, eq), part.substring(eq + 1), Op.EQUALS, whole);
        }
        checkKey(part, whole);
        return new Requirement(part, Op.EXISTS, Set.of());
    }

    private static Requirement equality(String key, String value, Op op, String whole) {
        key = key.trim();
        value = value.trim();
        checkKey(key, whole);
        checkValue(value, whole);
        return new Requirement(key, op, Set.of(value));
    }

    private static int indexOfWord(String lower, String word) {
        int i = lower.indexOf(" " + word + " ");
        if (i < 0) {
            i = lower.indexOf(" " + word + "(");
        }
        return i < 0 ? -1 : i + 1;
    }

    private static void checkKey(String key, String whole) {
        if (!Names.isQualifiedName(key)) {
            throw bad(whole, "'" + key + "' is not a valid label key");
        }
    }

    private static void checkValue(String value, String whole) {
        if (!Names.isLabelValue(value)) {
            throw bad(whole, "'" + value + "' is not a valid label value");
        }
    }

    private static ApiException bad(String whole, String why) {
        return ApiException.badRequest("unable to parse label selector \"" + whole + "\": " + why);
    }
}

package dev.ordinal.apiserver.admission;

import dev.ordinal.api.v1.IntOrString;
import dev.ordinal.api.v1.LabelSelector;
import dev.ordinal.api.v1.LabelSelectorRequirement;
import dev.ordinal.client.api.Names;
import dev.ordinal.client.api.Quantity;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Rules on single field values shared by several kinds: names, label syntax, ports, quantities, IP
 * addresses, enums, label selectors. Messages follow Kubernetes' wording so users recognise them.
 */
final class FieldRules {
    static final String DNS1123_LABEL_RULE = "a lowercase RFC 1123 label must consist of lower case alphanumeric"
            + " characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or"
            + " '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    static final String DNS1123_SUBDOMAIN_RULE = "a lowercase RFC 1123 subdomain must consist of lower case"
            + " alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g."
            + " 'example.com', regex used for validation is"
            + " '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    static final String QUALIFIED_NAME_RULE = "name part must consist of alphanumeric characters, '-', '_' or '.',"
            + " and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc',"
            + " regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS"
            + " subdomain prefix and '/' (e.g. 'example.com/MyName'), the name part at most 63 characters";
    static final String LABEL_VALUE_RULE = "a valid label must be an empty string or consist of alphanumeric"
            + " characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',"
            + " or 'my_value', or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
            + " and be at most 63 characters";
    static final String PORT_RANGE = "must be between 1 and 65535, inclusive";
    static final String HOST_PORT_RANGE = "must be between 0 and 65535, inclusive";
    static final String NON_NEGATIVE = "must be greater than or equal to 0";
    static final String POSITIVE = "must be greater than zero";
    static final List<String> PROTOCOLS = List.of("TCP", "UDP", "SCTP");
    static final List<String> CONDITION_STATUSES = List.of("True", "False", "Unknown");
    static final List<String> SELECTOR_OPERATORS = List.of("In", "NotIn", "Exists", "DoesNotExist");
    static final List<String> NODE_SELECTOR_OPERATORS = List.of("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt");

    private static final Pattern IANA_SVC_NAME_CHARS = Pattern.compile("[-a-z0-9]+");
    private static final Pattern HAS_LETTER = Pattern.compile(".*[a-z].*");
    private static final Pattern IPV4 =
            Pattern.compile("((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");

    private FieldRules() {
    }

    static void dns1123Label(FieldPath path, String value, FieldErrors errs) {
        if (value.length() > Names.DNS1123_LABEL_MAX) {
            errs.invalid(path, value, "must be no more than 63 characters");
        } else if (!Names.isDns1123Label(value)) {
            errs.invalid(path, value, DNS1123_LABEL_RULE);
        }
    }

    /** A required DNS-1123 label that must be unique among {@code seen} (container, volume, port names). */
    static void uniqueDns1123Label(FieldPath path, String value, java.util.Set<String> seen, FieldErrors errs) {
        if (value.isEmpty()) {
            errs.required(path);
            return;
        }
        dns1123Label(path, value, errs);
        if (!seen.add(value)) {
            errs.duplicate(path, value);
        }
    }

    static void dns1123Subdomain(FieldPath path, String value, FieldErrors errs) {
        if (value.length() > Names.DNS1123_SUBDOMAIN_MAX) {
            errs.invalid(path, value, "must be no more than 253 characters");
        } else if (!Names.isDns1123Subdomain(value)) {
            errs.invalid(path, value, DNS1123_SUBDOMAIN_RULE);
        }
    }

    static void qualifiedName(FieldPath path, String value, FieldErrors errs) {
        if (!Names.isQualifiedName(value)) {
            errs.invalid(path, value, QUALIFIED_NAME_RULE);
        }
    }

    static void labelValue(FieldPath path, String value, FieldErrors errs) {
        if (!Names.isLabelValue(value)) {
            errs.invalid(path, value, LABEL_VALUE_RULE);
        }
    }

    /** Label keys are qualified names, values label values; map entries are reported under their key. */
    static void labels(FieldPath path, Map<String, String> labels, FieldErrors errs) {
        new TreeMap<>(labels).forEach((k, v) -> {
            qualifiedName(path.key(k), k, errs);
            labelValue(path.key(k), v, errs);
        });
    }

    static void port(FieldPath path, int port, FieldErrors errs) {
        if (port < 1 || port > 65535) {
            errs.invalid(path, port, PORT_RANGE);
        }
    }

    /** IANA service names (port names): at most 15 lower-case alphanumerics and '-', at least one letter. */
    static void ianaServiceName(FieldPath path, String name, FieldErrors errs) {
        if (name.length() > 15) {
            errs.invalid(path, name, "must be no more than 15 characters");
        } else if (!IANA_SVC_NAME_CHARS.matcher(name).matches()) {
            errs.invalid(path, name, "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
        } else if (name.contains("--")) {
            errs.invalid(path, name, "must not contain consecutive hyphens");
        } else if (!HAS_LETTER.matcher(name).matches()) {
            errs.invalid(path, name, "must contain at least one letter (a-z)");
        } else if (name.startsWith("-") || name.endsWith("-")) {
            errs.invalid(path, name, "must not begin or end with a hyphen");
        }
    }

    /** A port given as a number (1–65535) or a named port (IANA service name). */
    static void portNumberOrName(FieldPath path, IntOrString port, FieldErrors errs) {
        switch (port.getValueCase()) {
            case INT_VAL -> port(path, port.getIntVal(), errs);
            case STR_VAL -> {
                if (port.getStrVal().isEmpty()) {
                    errs.required(path);
                } else {
                    ianaServiceName(path, port.getStrVal(), errs);
                }
            }
            default -> errs.required(path);
        }
    }

    static void nonNegative(FieldPath path, long value, FieldErrors errs) {
        if (value < 0) {
            errs.invalid(path, value, NON_NEGATIVE);
        }
    }

    static void positive(FieldPath path, long value, FieldErrors errs) {
        if (value <= 0) {
            errs.invalid(path, value, POSITIVE);
        }
    }

    /** An enum field; an empty value counts as missing. */
    static void oneOf(FieldPath path, String value, List<String> allowed, FieldErrors errs) {
        if (value.isEmpty()) {
            errs.required(path);
        } else if (!allowed.contains(value)) {
            errs.notSupported(path, value, allowed);
        }
    }

    /** An optional enum field: empty is fine. */
    static void optionalOneOf(FieldPath path, String value, List<String> allowed, FieldErrors errs) {
        if (!value.isEmpty() && !allowed.contains(value)) {
            errs.notSupported(path, value, allowed);
        }
    }

    /** Parses a quantity, reporting it when malformed; null then. */
    static Quantity quantity(FieldPath path, String value, FieldErrors errs) {
        try {
            return Quantity.parse(value);
        } catch (IllegalArgumentException e) {
            errs.invalid(path, value, Quantity.SYNTAX);
            return null;
        }
    }

    /** A well-formed quantity that is not negative. */
    static Quantity nonNegativeQuantity(FieldPath path, String value, FieldErrors errs) {
        Quantity q = quantity(path, value, errs);
        if (q != null && q.signum() < 0) {
            errs.invalid(path, value, NON_NEGATIVE);
            return null;
        }
        return q;
    }

    static boolean isIpv4(String value) {
        return IPV4.matcher(value).matches();
    }

    /** An IP address; IPv4 dotted quads (Ordinal's pods and nodes are IPv4) or IPv6. */
    static void ip(FieldPath path, String value, FieldErrors errs) {
        if (!isIpv4(value) && !isIpv6(value)) {
            errs.invalid(path, value, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
        }
    }

    private static boolean isIpv6(String value) {
        if (!value.contains(":") || !value.matches("[0-9a-fA-F:.]+")) {
            return false;
        }
        try {
            return java.net.InetAddress.getByName(value) instanceof java.net.Inet6Address;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    static void conditionStatus(FieldPath path, String status, FieldErrors errs) {
        oneOf(path, status, CONDITION_STATUSES, errs);
    }

    /** A metav1.Condition: a type and a True/False/Unknown status. */
    static void condition(dev.ordinal.api.v1.Condition condition, FieldPath path, FieldErrors errs) {
        if (condition.getType().isEmpty()) {
            errs.required(path.child("type"));
        }
        conditionStatus(path.child("status"), condition.getStatus(), errs);
        nonNegative(path.child("observedGeneration"), condition.getObservedGeneration(), errs);
    }

    /**
     * One selector requirement (label selector or node selector): a qualified key, a known operator,
     * values present exactly when the operator needs them. {@code numeric} admits node selectors' Gt/Lt.
     */
    static void requirement(FieldPath path, String key, String operator, List<String> values, boolean numeric, FieldErrors errs) {
        if (key.isEmpty()) {
            errs.required(path.child("key"));
        } else {
            qualifiedName(path.child("key"), key, errs);
        }
        switch (operator) {
            case "In", "NotIn" -> {
                if (values.isEmpty()) {
                    errs.required(path.child("values"), "must be specified when `operator` is 'In' or 'NotIn'");
                }
            }
            case "Exists", "DoesNotExist" -> {
                if (!values.isEmpty()) {
                    errs.forbidden(path.child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
                }
            }
            case "Gt", "Lt" -> {
                if (!numeric) {
                    errs.notSupported(path.child("operator"), operator, SELECTOR_OPERATORS);
                } else if (values.size() != 1) {
                    errs.required(path.child("values"), "must be specified single value when `operator` is 'Lt' or 'Gt'");
                } else if (!values.get(0).matches("-?[0-9]{1,18}")) {
                    errs.invalid(path.child("values").index(0), values.get(0), "must be an integer when `operator` is 'Lt' or 'Gt'");
                }
            }
            default -> oneOf(path.child("operator"), operator, numeric ? NODE_SELECTOR_OPERATORS : SELECTOR_OPERATORS, errs);
        }
    }

    /** A structured label selector: valid keys and values, known operators with values fitting them. */
    static void labelSelector(FieldPath path, LabelSelector selector, FieldErrors errs) {
        labels(path.child("matchLabels"), selector.getMatchLabelsMap(), errs);
        List<LabelSelectorRequirement> expressions = selector.getMatchExpressionsList();
        for (int i = 0; i < expressions.size(); i++) {
            LabelSelectorRequirement r = expressions.get(i);
            FieldPath p = path.child("matchExpressions").index(i);
            requirement(p, r.getKey(), r.getOperator(), r.getValuesList(), false, errs);
            for (int j = 0; j < r.getValuesCount(); j++) {
                labelValue(p.child("values").index(j), r.getValues(j), errs);
            }
        }
    }
}

package dev.ordinal.client.api;

import java.util.regex.Pattern;

/** Kubernetes' name and label syntax rules (DNS-1123 labels and subdomains, qualified names, label values). */
public final class Names {
    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS1123_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern QUALIFIED_NAME_PART = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");

    public static final int DNS1123_LABEL_MAX = 63;
    public static final int DNS1123_SUBDOMAIN_MAX = 253;

    private Names() {
    }

    /** RFC 1123 label: lower-case alphanumerics and '-', starting and ending alphanumeric, at most 63. */
    public static boolean isDns1123Label(String s) {
        return s != null && s.length() <= DNS1123_LABEL_MAX && DNS1123_LABEL.matcher(s).matches();
    }

    /** RFC 1123 subdomain: dot-separated labels, at most 253 characters. */
    public static boolean isDns1123Subdomain(String s) {
        return s != null && s.length() <= DNS1123_SUBDOMAIN_MAX && DNS1123_SUBDOMAIN.matcher(s).matches();
    }

    /** Label and annotation keys: optional DNS subdomain prefix and '/', then a name of at most 63. */
    public static boolean isQualifiedName(String s) {
        if (s == null || s.isEmpty()) {
            return false;
        }
        int slash = s.indexOf('/');
        String name = s;
        if (slash >= 0) {
            String prefix = s.substring(0, slash);
            name = s.substring(slash + 1);
            if (!isDns1123Subdomain(prefix)) {
                return false;
            }
        }
        return name.length() <= 63 && QUALIFIED_NAME_PART.matcher(name).matches();
    }

    /** Label values: empty, or at most 63 alphanumerics with '-', '_', '.' inside. */
    public static boolean isLabelValue(String s) {
        return s != null && s.length() <= 63 && LABEL_VALUE.matcher(s).matches();
    }
}

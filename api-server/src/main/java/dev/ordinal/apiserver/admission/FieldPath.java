package dev.ordinal.apiserver.admission;

/**
 * A path to a field as Kubernetes prints it in validation errors:
 * {@code spec.template.spec.containers[0].ports[1].containerPort}, {@code metadata.labels[app]}.
 */
public final class FieldPath {
    private final String path;

    private FieldPath(String path) {
        this.path = path;
    }

    /** A top-level field ("metadata", "spec"). */
    public static FieldPath root(String name) {
        return new FieldPath(name);
    }

    /** A field of this field. */
    public FieldPath child(String name) {
        return new FieldPath(path.isEmpty() ? name : path + "." + name);
    }

    /** Element {@code i} of this list field. */
    public FieldPath index(int i) {
        return new FieldPath(path + "[" + i + "]");
    }

    /** Entry {@code key} of this map field. */
    public FieldPath key(String key) {
        return new FieldPath(path + "[" + key + "]");
    }

    @Override
    public String toString() {
        return path;
    }

    @Override
    public boolean equals(java.lang.Object o) {
        return o instanceof FieldPath p && p.path.equals(path);
    }

    @Override
    public int hashCode() {
        return path.hashCode();
    }
}

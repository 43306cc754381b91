package dev.ordinal.apiserver.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.ordinal.api.v1.Object;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.util.Objects;
import org.hibernate.annotations.Immutable;

/**
 * A row of the {@code objects} table as Hibernate Reactive Panache sees it: the read path (get) loads
 * objects by key through it. Immutable here because every write goes through {@link WriteBatcher},
 * which must hold the version-counter lock for ordering.
 */
@Entity
@Immutable
@Table(name = "objects")
@IdClass(StoredObject.Key.class)
public class StoredObject extends PanacheEntityBase {

    @Id
    public String kind;

    @Id
    public String namespace;

    @Id
    public String name;

    @Column(name = "resource_version")
    public long resourceVersion;

    @Column(name = "node_name")
    public String nodeName;

    public String phase;

    /** The serialized {@link Object} envelope. */
    public byte[] data;

    /** The stored envelope. */
    public Object envelope() {
        try {
            return Object.parseFrom(data);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("stored " + kind + " " + namespace + "/" + name + " is not a valid envelope", e);
        }
    }

    /** Composite primary key (kind, namespace, name). */
    public static class Key implements Serializable {
        public String kind;
        public String namespace;
        public String name;

        public Key() {
        }

        public Key(String kind, String namespace, String name) {
            this.kind = kind;
            this.namespace = namespace;
            this.name = name;
        }

        @Override
        public boolean equals(java.lang.Object o) {
            return o instanceof Key k && kind.equals(k.kind) && namespace.equals(k.namespace) && name.equals(k.name);
        }

        @Override
        public int hashCode() {
            return Objects.hash(kind, namespace, name);
        }
    }
}

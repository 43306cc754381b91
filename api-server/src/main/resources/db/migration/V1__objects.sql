-- Objects, the cluster-wide version counter and the ordered change log.
-- Applied once by SchemaMigrator inside one transaction; later changes go into V2__..., never here.

CREATE TABLE objects (
    kind             text   NOT NULL,
    -- '' for cluster-scoped kinds, so the primary key needs no NULL handling
    namespace        text   NOT NULL,
    name             text   NOT NULL,
    uid              uuid   NOT NULL,
    resource_version bigint NOT NULL,
    labels           jsonb  NOT NULL DEFAULT '{}'::jsonb,
    node_name        text,
    phase            text,
    -- serialized dev.ordinal.api.v1.Object envelope
    data             bytea  NOT NULL,
    PRIMARY KEY (kind, namespace, name)
);

-- Pods by node is the node agent's and the scheduler's hot query.
CREATE INDEX objects_node_name ON objects (kind, node_name) WHERE node_name IS NOT NULL;

-- One row. Every write transaction increments it first thing it writes; the row lock it takes is
-- held until commit, which serializes commits in resourceVersion order (see docs/storage.md).
CREATE TABLE version_counter (
    id      int    PRIMARY KEY CHECK (id = 1),
    current bigint NOT NULL
);
INSERT INTO version_counter (id, current) VALUES (1, 0);

-- Every committed change in resourceVersion order; read by the watch cache.
CREATE TABLE change_log (
    resource_version bigint      PRIMARY KEY,
    kind             text        NOT NULL,
    namespace        text        NOT NULL,
    name             text        NOT NULL,
    event_type       smallint    NOT NULL, -- 1 ADDED, 2 MODIFIED, 3 DELETED
    data             bytea       NOT NULL, -- Object envelope after the change; last state for DELETED
    committed_at     timestamptz NOT NULL DEFAULT now()
);

-- Serves the state of one object at an older version (list continuation) and compaction.
CREATE INDEX change_log_by_object ON change_log (kind, namespace, name, resource_version);

-- One row: every change with resource_version > compacted_through is still in change_log.
CREATE TABLE log_horizon (
    id                int    PRIMARY KEY CHECK (id = 1),
    compacted_through bigint NOT NULL
);
INSERT INTO log_horizon (id, compacted_through) VALUES (1, 0);

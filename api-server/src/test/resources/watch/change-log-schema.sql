-- Test-only copy of the storage tables the watch machinery reads (storage owns the real migration).
CREATE TABLE IF NOT EXISTS version_counter (current bigint NOT NULL);
INSERT INTO version_counter SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM version_counter);
CREATE TABLE IF NOT EXISTS objects (
  kind text NOT NULL, namespace text NOT NULL, name text NOT NULL, uid text NOT NULL,
  resource_version bigint NOT NULL, labels jsonb NOT NULL DEFAULT '{}', node_name text, phase text,
  data bytea NOT NULL, PRIMARY KEY (kind, namespace, name));
CREATE TABLE IF NOT EXISTS change_log (
  resource_version bigint PRIMARY KEY, kind text NOT NULL, namespace text NOT NULL, name text NOT NULL,
  event_type smallint NOT NULL, data bytea NOT NULL, committed_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS change_log_object ON change_log (kind, namespace, name, resource_version);
CREATE TABLE IF NOT EXISTS log_horizon (id int PRIMARY KEY, compacted_through bigint NOT NULL);
INSERT INTO log_horizon VALUES (1, 0) ON CONFLICT DO NOTHING;

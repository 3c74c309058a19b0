/** The lean pipeline's names in one namespace (the same shape as linebacker's topology). */
export function leanNames(namespace: string) {
  return {
    exchange: `${namespace}.events`,
    check: `${namespace}.check`,
    send: `${namespace}.send`,
    status: `${namespace}.status`,
    notify: `${namespace}.notify`,
    interfaceRequests: `${namespace}.backup-interface.requests`,
    interfaceReplies: `${namespace}.backup-interface.replies`,
  };
}

/** The lean pipeline's table; timestamps come from the database clock. */
export const LEAN_SCHEMA_SQL = `
  CREATE TABLE lean_request (
    id uuid PRIMARY KEY,
    job_id varchar(50) NOT NULL,
    data_date date NOT NULL,
    location varchar(250) NOT NULL,
    status varchar(20) NOT NULL,
    provider varchar(10) NULL,
    storage_path varchar(250) NULL,
    received_at timestamptz NOT NULL,
    status_at timestamptz NOT NULL
  );
  CREATE TABLE lean_backup (
    id uuid PRIMARY KEY,
    request_id uuid NOT NULL REFERENCES lean_request (id),
    byte_count bigint NULL
  );`;

/** The roles of the lean pipeline, one process each (per instance). */
export const LEAN_ROLES = ['receiver', 'check', 'send', 'reply', 'status', 'notify'] as const;

/** One lean role. */
export type LeanRole = (typeof LEAN_ROLES)[number];

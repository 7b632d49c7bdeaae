/* migrations.c — the schema, one numbered step at a time.
 *
 * Never edit a step that has shipped: add a new one. Each step runs in its
 * own transaction together with the bump of schema_migrations.
 */
#include "db.h"

const db_migration_t db_migrations[] = {
    {1, "clusters",
     "CREATE TABLE clusters ("
     "  id TEXT PRIMARY KEY,"          /* the cluster ID of the API */
     "  name TEXT NOT NULL,"
     "  source TEXT NOT NULL,"         /* 'kubeconfig' (from files at start) or 'api' */
     "  context TEXT,"                 /* context name within the kubeconfig */
     "  kubeconfig BLOB,"              /* uploaded kubeconfig, sealed; NULL for file-based */
     "  created_at INTEGER NOT NULL,"  /* epoch ms */
     "  last_sync INTEGER"             /* epoch ms of the last full sync */
     ");"},
    {2, "audit log",
     "CREATE TABLE audit_log ("
     "  seq INTEGER PRIMARY KEY,"
     "  ts INTEGER NOT NULL,"
     "  actor TEXT NOT NULL,"
     "  cluster TEXT,"
     "  verb TEXT NOT NULL,"
     "  object TEXT,"
     "  detail TEXT,"                  /* JSON, already redacted */
     "  prev_hash TEXT NOT NULL,"
     "  hash TEXT NOT NULL"            /* sha256(prev_hash | record) */
     ");"
     "CREATE INDEX audit_log_ts ON audit_log(ts);"
     "CREATE INDEX audit_log_actor ON audit_log(actor, ts);"},
    {3, "settings", "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"},
    {4, "cluster prometheus", "ALTER TABLE clusters ADD COLUMN prometheus TEXT;"}, /* base URL or NULL */
};

const size_t db_nmigrations = sizeof db_migrations / sizeof *db_migrations;

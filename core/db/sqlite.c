/* sqlite.c — the embedded engine behind db.h: SQLite in WAL mode. */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/map.h"
#include "base/mem.h"
#include "db.h"

struct db {
    sqlite3 *h;
    char *path;
    map_t stmts; /* SQL text → prepared statement, reused across calls */
};

static int fail(db_t *db, err_t *err, const char *what)
{
    return err_set(err, ERR_IO, "database %s: %s: %s", db->path, what, sqlite3_errmsg(db->h));
}

static sqlite3_stmt *prepare(db_t *db, const char *sql, err_t *err)
{
    sqlite3_stmt *st = map_gets(&db->stmts, sql);
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return st;
    }
    if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
        err_set(err, ERR_INVALID, "database %s: %s (in: %.80s)", db->path, sqlite3_errmsg(db->h), sql);
        return NULL;
    }
    map_puts(&db->stmts, sql, st);
    return st;
}

static int bind(db_t *db, sqlite3_stmt *st, const db_val_t *p, size_t n, err_t *err)
{
    if ((size_t)sqlite3_bind_parameter_count(st) != n)
        return err_set(err, ERR_INVALID, "database: statement takes %d parameters, %zu given",
                       sqlite3_bind_parameter_count(st), n);
    for (size_t i = 0; i < n; i++) {
        int c = (int)i + 1, rc = SQLITE_OK;
        switch (p[i].type) {
        case DB_NULL: rc = sqlite3_bind_null(st, c); break;
        case DB_INT: rc = sqlite3_bind_int64(st, c, p[i].i); break;
        case DB_REAL: rc = sqlite3_bind_double(st, c, p[i].d); break;
        case DB_TEXT: rc = sqlite3_bind_text(st, c, p[i].s, (int)p[i].n, SQLITE_TRANSIENT); break;
        case DB_BLOB: rc = sqlite3_bind_blob(st, c, p[i].s, (int)p[i].n, SQLITE_TRANSIENT); break;
        }
        if (rc != SQLITE_OK) return fail(db, err, "bind");
    }
    return 0;
}

int db_query(db_t *db, const char *sql, const db_val_t *params, size_t nparams, db_row_fn fn, void *ud,
             err_t *err)
{
    sqlite3_stmt *st = prepare(db, sql, err);
    if (!st) return ERR_INVALID;
    int rc = bind(db, st, params, nparams, err);
    if (rc) return rc;
    db_val_t cols[32];
    for (;;) {
        int s = sqlite3_step(st);
        if (s == SQLITE_DONE) break;
        if (s != SQLITE_ROW) {
            rc = fail(db, err, "step");
            break;
        }
        int n = sqlite3_column_count(st);
        if (n > 32) n = 32;
        for (int i = 0; i < n; i++) {
            db_val_t *v = &cols[i];
            memset(v, 0, sizeof *v);
            switch (sqlite3_column_type(st, i)) {
            case SQLITE_INTEGER: v->type = DB_INT; v->i = sqlite3_column_int64(st, i); break;
            case SQLITE_FLOAT: v->type = DB_REAL; v->d = sqlite3_column_double(st, i); break;
            case SQLITE_TEXT:
                v->type = DB_TEXT;
                v->s = (const char *)sqlite3_column_text(st, i);
                v->n = (size_t)sqlite3_column_bytes(st, i);
                break;
            case SQLITE_BLOB:
                v->type = DB_BLOB;
                v->s = sqlite3_column_blob(st, i);
                v->n = (size_t)sqlite3_column_bytes(st, i);
                break;
            default: v->type = DB_NULL;
            }
        }
        if (fn && fn(cols, (size_t)n, ud)) break;
    }
    sqlite3_reset(st);
    return rc;
}

int db_exec(db_t *db, const char *sql, const db_val_t *params, size_t nparams, err_t *err)
{
    return db_query(db, sql, params, nparams, NULL, NULL, err);
}

int64_t db_last_insert_id(db_t *db) { return sqlite3_last_insert_rowid(db->h); }
int64_t db_changes(db_t *db) { return sqlite3_changes64(db->h); }
const char *db_path(const db_t *db) { return db->path; }

static int exec_script(db_t *db, const char *sql, err_t *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(err, ERR_IO, "database %s: %s", db->path, msg ? msg : "exec failed");
        sqlite3_free(msg);
        return ERR_IO;
    }
    return 0;
}

int db_begin(db_t *db, err_t *err) { return exec_script(db, "BEGIN IMMEDIATE", err); }
int db_commit(db_t *db, err_t *err) { return exec_script(db, "COMMIT", err); }
void db_rollback(db_t *db) { sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL); }

int db_checkpoint(db_t *db, err_t *err)
{
    if (sqlite3_wal_checkpoint_v2(db->h, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) != SQLITE_OK)
        return fail(db, err, "checkpoint");
    return 0;
}

static int version_row(const db_val_t *c, size_t n, void *ud)
{
    if (n && c[0].type == DB_INT) *(int *)ud = (int)c[0].i;
    return 1;
}

int db_schema_version(db_t *db)
{
    int v = 0;
    db_query(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", NULL, 0, version_row, &v, NULL);
    return v;
}

static int migrate(db_t *db, err_t *err)
{
    int rc = exec_script(db,
                         "CREATE TABLE IF NOT EXISTS schema_migrations ("
                         " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
                         err);
    if (rc) return rc;
    int have = db_schema_version(db);
    int newest = db_nmigrations ? db_migrations[db_nmigrations - 1].version : 0;
    if (have > newest)
        return err_set(err, ERR_CONFLICT,
                       "database %s: schema version %d is newer than this build knows (%d); "
                       "use a newer kubilitics or another --data-dir",
                       db->path, have, newest);
    for (size_t i = 0; i < db_nmigrations; i++) {
        const db_migration_t *m = &db_migrations[i];
        if (m->version <= have) continue;
        if ((rc = db_begin(db, err))) return rc;
        if ((rc = exec_script(db, m->sql, err))) goto fail;
        db_val_t p[] = {DB_INT(m->version), DB_TEXT(m->name)};
        if ((rc = db_exec(db,
                          "INSERT INTO schema_migrations(version, name, applied_at)"
                          " VALUES (?, ?, CAST(strftime('%s','now') AS INTEGER) * 1000)",
                          p, 2, err)))
            goto fail;
        if ((rc = db_commit(db, err))) goto fail;
        log_info("database migrated", "version=%d name=%s", m->version, m->name);
    }
    return 0;
fail:
    db_rollback(db);
    return rc;
}

int db_open(db_t **out, const char *dir, err_t *err)
{
    *out = NULL;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return err_set(err, ERR_IO, "data dir %s: %s", dir, strerror(errno));
    db_t *db = xcalloc(1, sizeof *db);
    buf_t p = {0};
    buf_printf(&p, "%s/kubilitics.db", dir);
    db->path = buf_steal(&p);
    int rc;
    if (sqlite3_open_v2(db->path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        rc = fail(db, err, "open");
        goto fail;
    }
    sqlite3_busy_timeout(db->h, 2000);
    if ((rc = exec_script(db,
                          "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
                          err)))
        goto fail;
    if ((rc = migrate(db, err))) goto fail;
    *out = db;
    return 0;
fail:
    db_close(db);
    return rc;
}

void db_close(db_t *db)
{
    if (!db) return;
    size_t it = 0;
    map_slot_t *s;
    while (map_next(&db->stmts, &it, &s)) sqlite3_finalize(s->val);
    map_free(&db->stmts);
    if (db->h) sqlite3_close(db->h);
    free(db->path);
    free(db);
}

/* db.h — persistence behind one small interface.
 *
 * The rest of the core speaks portable SQL with `?` placeholders through
 * these calls and never sees the engine. The embedded engine is SQLite in WAL
 * mode at DATA_DIR/kubilitics.db; numbered schema migrations (migrations.c)
 * are applied in order at open, each in its own transaction, and the applied
 * version is recorded in schema_migrations.
 *
 * Ownership: db_open returns a db_t the caller closes with db_close. Values
 * handed to a row callback are borrowed for the duration of that call only.
 * All calls are synchronous and loop-thread only; they are short (indexed
 * point writes and reads). Bulk work belongs in a thread-pool job with its
 * own db_t.
 */
#ifndef KB_DB_H
#define KB_DB_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct db db_t;

enum { DB_NULL, DB_INT, DB_REAL, DB_TEXT, DB_BLOB };

typedef struct db_val {
    int type;
    int64_t i;
    double d;
    const char *s; /* DB_TEXT (NUL-terminated) and DB_BLOB */
    size_t n;      /* bytes of s */
} db_val_t;

#define DB_INT(x) ((db_val_t){.type = DB_INT, .i = (x)})
#define DB_REAL(x) ((db_val_t){.type = DB_REAL, .d = (x)})
/* NULL text binds SQL NULL. */
static inline db_val_t db_text(const char *s)
{
    return (db_val_t){.type = s ? DB_TEXT : DB_NULL, .s = s, .n = s ? __builtin_strlen(s) : 0};
}
#define DB_TEXT(x) db_text(x)
#define DB_BLOB(p, len) ((db_val_t){.type = DB_BLOB, .s = (const char *)(p), .n = (len)})
#define DB_NULLV ((db_val_t){.type = DB_NULL})

/* Return non-zero to stop the iteration early (db_query then returns 0). */
typedef int (*db_row_fn)(const db_val_t *cols, size_t ncols, void *ud);

/* Open (creating dir and file as needed) and migrate. */
int db_open(db_t **out, const char *dir, err_t *err);
void db_close(db_t *db);
int db_exec(db_t *db, const char *sql, const db_val_t *params, size_t nparams, err_t *err);
int db_query(db_t *db, const char *sql, const db_val_t *params, size_t nparams, db_row_fn fn, void *ud,
             err_t *err);
int64_t db_last_insert_id(db_t *db);
int64_t db_changes(db_t *db);
int db_begin(db_t *db, err_t *err);
int db_commit(db_t *db, err_t *err);
void db_rollback(db_t *db);
/* Write the WAL back into the main file (on drain and periodically). */
int db_checkpoint(db_t *db, err_t *err);
int db_schema_version(db_t *db);
const char *db_path(const db_t *db);

/* A numbered migration: applied once, in order. */
typedef struct db_migration {
    int version;
    const char *name;
    const char *sql;
} db_migration_t;
extern const db_migration_t db_migrations[];
extern const size_t db_nmigrations;

#endif

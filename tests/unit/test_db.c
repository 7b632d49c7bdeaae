/* test_db.c — persistence: open, migrate, query, reopen. */
#include <stdlib.h>

#include "db/db.h"
#include "test.h"

static char *tmpdir(void)
{
    static char d[] = "/tmp/kb-db-XXXXXX";
    CHECK(mkdtemp(d) != NULL);
    return d;
}

static int count_row(const db_val_t *c, size_t n, void *ud)
{
    (void)c, (void)n;
    (*(int *)ud)++;
    return 0;
}

typedef struct { char name[64]; int64_t created; } row_t;

static int name_row(const db_val_t *c, size_t n, void *ud)
{
    row_t *r = ud;
    CHECK_INT(n, 2);
    snprintf(r->name, sizeof r->name, "%s", c[0].s);
    r->created = c[1].i;
    return 1;
}

TEST(open_applies_every_migration_once_in_wal_mode)
{
    char *d = tmpdir();
    db_t *db;
    err_t e = {0};
    CHECK_INT(db_open(&db, d, &e), 0);
    CHECK_INT(db_schema_version(db), db_migrations[db_nmigrations - 1].version);
    char wal[128];
    snprintf(wal, sizeof wal, "%s/kubilitics.db-wal", d);
    CHECK(access(wal, F_OK) == 0);
    db_close(db);
    /* a second open finds nothing to do and keeps the data */
    CHECK_INT(db_open(&db, d, &e), 0);
    int n = 0;
    db_query(db, "SELECT version FROM schema_migrations", NULL, 0, count_row, &n, &e);
    CHECK_INT(n, (int)db_nmigrations);
    db_close(db);
}

TEST(rows_round_trip_with_parameters)
{
    db_t *db;
    err_t e = {0};
    CHECK_INT(db_open(&db, tmpdir(), &e), 0);
    for (int i = 0; i < 3; i++) {
        char id[16];
        snprintf(id, sizeof id, "c%d", i);
        db_val_t p[] = {DB_TEXT(id), DB_TEXT("name"), DB_TEXT("kubeconfig"), DB_INT(1000 + i)};
        CHECK_INT(db_exec(db, "INSERT INTO clusters(id, name, source, created_at) VALUES (?, ?, ?, ?)", p, 4, &e), 0);
    }
    row_t r = {0};
    db_val_t q[] = {DB_TEXT("c2")};
    CHECK_INT(db_query(db, "SELECT id, created_at FROM clusters WHERE id = ?", q, 1, name_row, &r, &e), 0);
    CHECK_STR(r.name, "c2");
    CHECK_INT(r.created, 1002);
    /* a duplicate key is an error with the engine's reason, and changes nothing */
    db_val_t dup[] = {DB_TEXT("c1"), DB_TEXT("x"), DB_TEXT("api"), DB_INT(1)};
    CHECK(db_exec(db, "INSERT INTO clusters(id, name, source, created_at) VALUES (?, ?, ?, ?)", dup, 4, &e) != 0);
    CHECK(strstr(e.msg, "UNIQUE") != NULL);
    int n = 0;
    db_query(db, "SELECT id FROM clusters", NULL, 0, count_row, &n, &e);
    CHECK_INT(n, 3);
    CHECK_INT(db_checkpoint(db, &e), 0);
    db_close(db);
}

TEST(wrong_parameter_count_and_bad_sql_are_errors)
{
    db_t *db;
    err_t e = {0};
    CHECK_INT(db_open(&db, tmpdir(), &e), 0);
    CHECK_INT(db_exec(db, "SELECT ?", NULL, 0, &e), ERR_INVALID);
    CHECK(strstr(e.msg, "takes 1 parameters, 0 given") != NULL);
    CHECK_INT(db_exec(db, "SELEC nonsense", NULL, 0, &e), ERR_INVALID);
    CHECK(strstr(e.msg, "syntax error") != NULL);
    db_close(db);
}

TEST(newer_schema_than_build_is_refused)
{
    char *d = tmpdir();
    db_t *db;
    err_t e = {0};
    CHECK_INT(db_open(&db, d, &e), 0);
    CHECK_INT(db_exec(db, "INSERT INTO schema_migrations VALUES (999, 'future', 0)", NULL, 0, &e), 0);
    db_close(db);
    CHECK_INT(db_open(&db, d, &e), ERR_CONFLICT);
    CHECK(strstr(e.msg, "schema version 999 is newer") != NULL);
}

TEST(unwritable_data_dir_is_reported)
{
    db_t *db;
    err_t e = {0};
    CHECK(db_open(&db, "/proc/kb-nope/data", &e) != 0);
    CHECK(strstr(e.msg, "/proc/kb-nope/data") != NULL);
}

TEST_MAIN()

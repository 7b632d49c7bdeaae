/* printcols.h — list columns of custom resources: a JSONPath evaluator for
 * the subset CustomResourceDefinition printer columns use, and the table of
 * printer columns per custom kind that a store builds from the
 * CustomResourceDefinition objects it receives.
 *
 * JSONPath, Kubernetes' dialect (what kubectl and the API server read from
 * additionalPrinterColumns[].jsonPath): optional "{…}" and "$", then steps
 *   .name   .*   ['name']   ["a","b"]   [0]   [-1]   [1:3]   [*]
 *   [?(@.a.b OP literal)]   [?(@.a)]
 * OP is == != < <= > >=; a literal is a quoted string ('…' or "…"), a
 * number, true, false or null. A backslash escapes the next character of a
 * .name (.metadata.labels.app\.kubernetes\.io/name). Recursive descent
 * (..), functions and unions of whole paths are refused with a message.
 * A CRD is untrusted input, and so is every object: compiled paths have at
 * most PRINTCOLS_MAX_STEPS steps, an evaluation keeps at most
 * PRINTCOLS_MAX_RESULTS results and looks at most PRINTCOLS_BUDGET values.
 *
 * Cells, as kubectl prints the API server's table: nothing found (or
 * nothing of the column's type) is "" (a null cell, which kubectl leaves
 * blank); several results are joined
 * with ","; integer and number columns take numbers, boolean columns
 * booleans, string columns anything (objects and arrays as compact JSON).
 * A date cell is kept as PRINTCOLS_DATE_MARK followed by the epoch seconds
 * (only the first result), so that it can be written as an age ("5m") when
 * it is listed rather than when it was stored; an unparsable date is
 * "<invalid>".
 *
 * The table (printcols_t) is owned by one store, on its loop:
 *   t = printcols_new();
 *   printcols_crd(t, deleted, crd, …)   for every CRD event; true when the
 *                                        columns of the CRD's kind changed
 *   printcols_use(t, kind, version)      the set to project an object with
 *   printcols_find(t, kind)              the set the kind's objects were
 *                                        last projected with (names, defs)
 *   printcols_free(t)
 * Sets and their strings are owned by the table and valid until the next
 * printcols_crd or printcols_free.
 */
#ifndef KB_STORE_PRINTCOLS_H
#define KB_STORE_PRINTCOLS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

#define PRINTCOLS_MAX_STEPS 32
#define PRINTCOLS_MAX_RESULTS 64
#define PRINTCOLS_BUDGET 100000
#define PRINTCOLS_MAX 10 /* columns kept per version, AGE not counted */
#define PRINTCOLS_DATE_MARK '\x01'

/* ---- JSONPath ---- */

typedef struct printcols_path printcols_path_t;

/* NULL with err set (naming the position) when expr is not in the subset. */
printcols_path_t *printcols_path_compile(const char *expr, err_t *err);
void printcols_path_free(printcols_path_t *p);
/* The values expr selects in root, in document order, at most max (and at
 * most PRINTCOLS_MAX_RESULTS). Pointers into root. */
size_t printcols_path_eval(const printcols_path_t *p, const cJSON *root, const cJSON **out, size_t max);

/* ---- cells ---- */

enum { PRINTCOLS_STRING, PRINTCOLS_INTEGER, PRINTCOLS_NUMBER, PRINTCOLS_BOOLEAN, PRINTCOLS_DATE };
/* A CRD column type name; unknown names read as string. */
int printcols_type(const char *name);
/* The cell of one column for obj into out (cap bytes, cut to fit). p NULL:
 * the column's path was refused, the cell says "<unsupported>". */
void printcols_cell(const printcols_path_t *p, int type, const cJSON *obj, char *out, size_t cap);
/* A date cell's time (epoch seconds); false when v is not a date cell. */
bool printcols_date_of(const char *v, long long *epoch_s);

/* ---- the table ---- */

typedef struct printcols_column {
    char *name;        /* the header as kubectl prints it: upper case */
    char *type;        /* as declared: string, integer, number, boolean, date */
    char *json_path;
    char *description;
    int priority;      /* > 0: kubectl shows it only with -o wide */
    int ctype;         /* PRINTCOLS_* */
    printcols_path_t *path; /* NULL when refused */
} printcols_column_t;

typedef struct printcols_set {
    const printcols_column_t *cols;
    size_t n;                  /* ≤ PRINTCOLS_MAX */
    const char *const *names;  /* n + 1: the headers, then "AGE" */
} printcols_set_t;

typedef struct printcols printcols_t;

printcols_t *printcols_new(void);
void printcols_free(printcols_t *t);
/* Apply one CRD (deleted: it is gone). Writes the canonical kind it
 * describes ("Widget.example.com") to kind and returns true when that
 * kind's columns changed; false when nothing changed or crd is not a CRD. */
bool printcols_crd(printcols_t *t, bool deleted, const cJSON *crd, char *kind, size_t kindsz);
/* The columns for an object of kind at version (its apiVersion's version;
 * NULL or unknown: the storage version), remembered as the kind's current
 * set. NULL when the kind has no CRD here or that version declares no
 * printer columns. */
const printcols_set_t *printcols_use(printcols_t *t, const char *kind, const char *version);
/* The kind's current set (see printcols_use), or NULL. */
const printcols_set_t *printcols_find(const printcols_t *t, const char *kind);

#endif

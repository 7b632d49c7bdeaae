/* fuzz_jsonpath.c — CRD printer columns on arbitrary bytes (a CRD is
 * untrusted input, and so is every object it describes). The first line is
 * a JSONPath, the rest a JSON document. The path is compiled and evaluated
 * on the document as every column type; then the document is read as a
 * CustomResourceDefinition into a table, and each of its columns is
 * evaluated on the document too. Nothing may crash, leak, read out of
 * bounds or run long; a refused path must say why. */
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/printcols.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *nl = memchr(data, '\n', size);
    size_t plen = nl ? (size_t)(nl - (const char *)data) : size;
    char *path = malloc(plen + 1);
    memcpy(path, data, plen);
    path[plen] = '\0';
    const char *rest = nl ? nl + 1 : "";
    size_t rlen = nl ? size - plen - 1 : 0;
    cJSON *doc = cJSON_ParseWithLength(rest, rlen);

    err_t e = {0};
    printcols_path_t *p = printcols_path_compile(path, &e);
    if (!p && !e.msg[0]) __builtin_trap();
    char cell[96];
    for (int t = PRINTCOLS_STRING; t <= PRINTCOLS_DATE; t++) {
        printcols_cell(p, t, doc, cell, sizeof cell);
        if (strlen(cell) >= sizeof cell) __builtin_trap();
    }
    const cJSON *vals[PRINTCOLS_MAX_RESULTS];
    if (printcols_path_eval(p, doc, vals, PRINTCOLS_MAX_RESULTS) > PRINTCOLS_MAX_RESULTS) __builtin_trap();
    printcols_path_free(p);

    printcols_t *tab = printcols_new();
    char kind[320];
    if (doc && printcols_crd(tab, false, doc, kind, sizeof kind)) {
        const printcols_set_t *set = printcols_use(tab, kind, NULL);
        for (size_t i = 0; set && i < set->n; i++) {
            printcols_cell(set->cols[i].path, set->cols[i].ctype, doc, cell, sizeof cell);
            if (!set->names[i]) __builtin_trap();
        }
        if (set && strcmp(set->names[set->n], "AGE")) __builtin_trap();
        printcols_crd(tab, true, doc, kind, sizeof kind);
    }
    printcols_free(tab);
    cJSON_Delete(doc);
    free(path);
    return 0;
}

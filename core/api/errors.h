/* errors.h — turning what a cluster answered into the API's error contract.
 *
 * A live call that fails is reported with the cluster's own words: the
 * Kubernetes Status reason picks the code (Forbidden → 403 "forbidden") and
 * the Status message is passed through, so a user told "pods is forbidden:
 * User \"ann\" cannot get resource \"pods\" in namespace \"payments\"" learns
 * exactly what they lack. Transport failures become 502 cluster_unreachable
 * or 504 timeout.
 */
#ifndef KB_API_ERRORS_H
#define KB_API_ERRORS_H

#include <stddef.h>

typedef struct api_error {
    int status;         /* HTTP status to answer with */
    const char *code;   /* contract code: "forbidden", … (static string) */
    char message[1024];
    int retry_after_s;  /* > 0: send Retry-After */
} api_error_t;

/* From an HTTP answer of the cluster (status ≥ 400) and its body (a Status
 * object when the cluster is a real API server; anything else is tolerated). */
void api_error_from_cluster(int status, const char *body, size_t len, const char *retry_after,
                            const char *cluster, api_error_t *out);
/* From a call that got no answer: err_code is the ERR_* of the transport. */
void api_error_from_transport(int err_code, const char *reason, const char *cluster, api_error_t *out);
/* The contract code for an HTTP status. */
const char *api_error_code_for_status(int status);

#endif

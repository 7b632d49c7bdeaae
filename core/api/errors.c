/* errors.c — cluster answers → API errors; see errors.h. */
#include "errors.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

const char *api_error_code_for_status(int status)
{
    switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthenticated";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "conflict";
    case 410: return "gone";
    case 413: return "too_large";
    case 422: return "invalid";
    case 429: return "rate_limited";
    case 501: return "not_implemented";
    case 502: return "cluster_unreachable";
    case 503: return "unavailable";
    case 504: return "timeout";
    default: return status >= 500 ? "internal" : "bad_request";
    }
}

void api_error_from_cluster(int status, const char *body, size_t len, const char *retry_after,
                            const char *cluster, api_error_t *out)
{
    memset(out, 0, sizeof *out);
    const char *msg = NULL;
    cJSON *doc = body && len ? cJSON_ParseWithLength(body, len) : NULL;
    if (doc) {
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(doc, "kind");
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, "message");
        if (cJSON_IsString(kind) && !strcmp(kind->valuestring, "Status") && cJSON_IsString(m))
            msg = m->valuestring;
    }
    /* The cluster's own 4xx statuses keep their meaning; its 5xx become 502
     * because the failure is upstream of us, not in Kubilitics. */
    if (status >= 500 && status != 503 && status != 504) {
        out->status = 502;
        out->code = "cluster_error";
    } else if (status == 503) {
        out->status = 503;
        out->code = "cluster_unavailable";
    } else if (status == 504) {
        out->status = 504;
        out->code = "timeout";
    } else {
        out->status = status;
        out->code = api_error_code_for_status(status);
    }
    if (msg) snprintf(out->message, sizeof out->message, "%s", msg);
    else snprintf(out->message, sizeof out->message, "cluster %s answered HTTP %d", cluster ? cluster : "", status);
    if (retry_after) {
        int s = atoi(retry_after);
        if (s > 0) out->retry_after_s = s;
    }
    cJSON_Delete(doc);
}

void api_error_from_transport(int err_code, const char *reason, const char *cluster, api_error_t *out)
{
    memset(out, 0, sizeof *out);
    if (err_code == ERR_TIMEOUT) {
        out->status = 504;
        out->code = "timeout";
        snprintf(out->message, sizeof out->message, "cluster %s did not answer in time%s%s; try again",
                 cluster, reason ? ": " : "", reason ? reason : "");
        return;
    }
    out->status = 502;
    out->code = "cluster_unreachable";
    snprintf(out->message, sizeof out->message, "cluster %s is unreachable%s%s", cluster, reason ? ": " : "",
             reason ? reason : "");
}

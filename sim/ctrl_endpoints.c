/* ctrl_endpoints.c — Service → EndpointSlice (discovery.k8s.io/v1) and core
 * Endpoints, from the pods the Service's selector matches in its namespace.
 *
 * An index per namespace holds each Service's selector and, once the
 * namespace has been looked at, its member pods (name → IP, node, ready).
 * Pod changes update the members of the Services that select the pod (found
 * through a "key=value" → Services index), so a pod flip costs a few map
 * lookups and one slice write, not a namespace scan. The first sync in a
 * namespace scans its pods once. Services without a selector are left to
 * their owner, as in Kubernetes. One slice per Service, named
 * <service>-<5 chars of hash> (ctrl_slice_name), owned by the Service.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "ctrl_internal.h"

typedef struct ep_member {
    char ip[48];
    char node[256];
    char uid[64];
    bool ready;
} ep_member_t;

typedef struct ep_svc {
    char *name;
    cJSON *selector; /* plain map; NULL = no selector */
    map_t members;   /* pod name → ep_member_t */
} ep_svc_t;

typedef struct svc_list {
    struct ep_svc **v;
    size_t n, cap;
} svc_list_t;

typedef struct ep_ns {
    ep_svc_t **svcs;
    size_t n, cap;
    map_t by_pair; /* "k=v" of each selector's first pair → svc_list_t of the Services with it */
    bool built;
} ep_ns_t;

void ctrl_slice_name(const char *ns, const char *svc, char *out, size_t n)
{
    char suf[8];
    uint64_t h = sim_hash_str(ns, 31) ^ sim_hash_str(svc, 37);
    sim_hash_suffix(sim_mix64(h), suf, 5);
    snprintf(out, n, "%.200s-%s", svc, suf);
}

static ep_ns_t *ns_get(sim_controllers_t *c, const char *ns, bool create)
{
    ep_ns_t *e = map_gets(&c->svc_by_ns, ns);
    if (!e && create) {
        e = xcalloc(1, sizeof *e);
        map_puts(&c->svc_by_ns, ns, e);
    }
    return e;
}

static void members_clear(ep_svc_t *s)
{
    map_slot_t *slot;
    for (size_t it = 0; map_next(&s->members, &it, &slot);) free(slot->val);
    map_free(&s->members);
    memset(&s->members, 0, sizeof s->members);
}

static void svc_free(ep_svc_t *s)
{
    members_clear(s);
    cJSON_Delete(s->selector);
    free(s->name);
    free(s);
}

static ep_svc_t *svc_find(ep_ns_t *e, const char *name, size_t *idx)
{
    for (size_t i = 0; e && i < e->n; i++)
        if (strcmp(e->svcs[i]->name, name) == 0) {
            if (idx) *idx = i;
            return e->svcs[i];
        }
    return NULL;
}

/* A pod can only be selected by Services whose first selector pair is one
 * of its labels: by_pair lists them, so a pod looks at a handful of
 * Services, not at every Service of its namespace (1,000 in a generated
 * namespace). */
static void add_pair(ep_ns_t *e, ep_svc_t *s)
{
    const cJSON *kv = s->selector ? s->selector->child : NULL;
    if (!kv || !cJSON_IsString(kv)) return; /* such a selector matches no label */
    char pair[512];
    int n = snprintf(pair, sizeof pair, "%s=%s", kv->string, kv->valuestring);
    if (n <= 0 || (size_t)n >= sizeof pair) return;
    svc_list_t *l = map_get(&e->by_pair, pair, (size_t)n);
    if (!l) {
        l = xcalloc(1, sizeof *l);
        map_put(&e->by_pair, pair, (size_t)n, l);
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 2;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = s;
}

static void pairs_free(ep_ns_t *e)
{
    map_slot_t *slot;
    for (size_t it = 0; map_next(&e->by_pair, &it, &slot);) {
        svc_list_t *l = slot->val;
        free(l->v);
        free(l);
    }
    map_free(&e->by_pair);
    memset(&e->by_pair, 0, sizeof e->by_pair);
}

static void rebuild_pairs(ep_ns_t *e)
{
    pairs_free(e);
    for (size_t i = 0; i < e->n; i++) add_pair(e, e->svcs[i]);
}

static bool obj_matches(const sim_obj_t *o, const cJSON *sel)
{
    if (!sel || !sel->child) return false;
    const cJSON *kv;
    cJSON_ArrayForEach(kv, sel)
    {
        const char *v = sim_obj_label(o, kv->string);
        if (!v || !cJSON_IsString(kv) || strcmp(v, kv->valuestring) != 0) return false;
    }
    return true;
}

typedef struct cand {
    ep_svc_t *fixed[8], **v;
    size_t n, cap;
} cand_t;

/* Add to c (once each) the Services of e that could select o: those whose
 * first selector pair is one of o's labels. */
static void candidates(ep_ns_t *e, const sim_obj_t *o, cand_t *c)
{
    if (!c->v) {
        c->v = c->fixed;
        c->cap = sizeof c->fixed / sizeof *c->fixed;
    }
    const char *p = sim_obj_labels_packed(o);
    while (p && *p) {
        const char *k = p, *v = k + strlen(k) + 1;
        char pair[512];
        int n = snprintf(pair, sizeof pair, "%s=%s", k, v);
        svc_list_t *l = n > 0 && (size_t)n < sizeof pair ? map_get(&e->by_pair, pair, (size_t)n) : NULL;
        for (size_t i = 0; l && i < l->n; i++) {
            size_t j = 0;
            while (j < c->n && c->v[j] != l->v[i]) j++;
            if (j < c->n) continue;
            if (c->n == c->cap) {
                ep_svc_t **nv = xmalloc(c->cap * 2 * sizeof *nv);
                memcpy(nv, c->v, c->n * sizeof *nv);
                if (c->v != c->fixed) free(c->v);
                c->v = nv;
                c->cap *= 2;
            }
            c->v[c->n++] = l->v[i];
        }
        p = v + strlen(v) + 1;
    }
}

static void cand_free(cand_t *c)
{
    if (c->v != c->fixed) free(c->v);
}

static bool member_of(const sim_obj_t *o, ep_member_t *m)
{
    const char *ip = sim_obj_field(o, "status.podIP");
    if (!ip || !*ip || !ctrl_pod_active(o)) return false;
    snprintf(m->ip, sizeof m->ip, "%s", ip);
    const char *node = sim_obj_field(o, "spec.nodeName");
    snprintf(m->node, sizeof m->node, "%s", node ? node : "");
    snprintf(m->uid, sizeof m->uid, "%s", sim_obj_uid(o));
    m->ready = sim_bytes_pod_ready(sim_obj_bytes(o));
    return true;
}

/* Put or drop pod o in s; true when the membership changed. */
static bool member_update(ep_svc_t *s, const sim_obj_t *o, bool gone)
{
    ep_member_t m;
    bool in = !gone && obj_matches(o, s->selector) && member_of(o, &m);
    ep_member_t *cur = map_gets(&s->members, sim_obj_name(o));
    if (!in) {
        if (!cur) return false;
        free(map_dels(&s->members, sim_obj_name(o)));
        return true;
    }
    if (cur && memcmp(cur, &m, sizeof m) == 0) return false;
    if (!cur) {
        cur = xmalloc(sizeof *cur);
        map_puts(&s->members, sim_obj_name(o), cur);
    }
    *cur = m;
    return true;
}

typedef struct scan {
    ep_ns_t *e;
    ep_svc_t *only;
} scan_t;

static bool scan_pod(const sim_obj_t *o, void *ud)
{
    scan_t *s = ud;
    if (s->only) {
        member_update(s->only, o, false);
        return true;
    }
    cand_t c = {0};
    candidates(s->e, o, &c);
    for (size_t i = 0; i < c.n; i++) member_update(c.v[i], o, false);
    cand_free(&c);
    return true;
}

static void ns_build(sim_controllers_t *c, const char *ns, ep_ns_t *e)
{
    if (e->built) return;
    e->built = true;
    scan_t s = {e, NULL};
    sim_each(c->st, c->k.pod, ns, scan_pod, &s);
}

void ctrl_endpoints_on_service(sim_controllers_t *c, const sim_event_t *ev)
{
    const char *ns = sim_obj_namespace(ev->obj), *name = sim_obj_name(ev->obj);
    ep_ns_t *e = ns_get(c, ns, true);
    size_t idx = 0;
    ep_svc_t *s = svc_find(e, name, &idx);
    if (ev->type == SIM_DELETED) {
        if (s) {
            svc_free(s);
            e->svcs[idx] = e->svcs[--e->n];
            rebuild_pairs(e);
        }
        /* Endpoints are not owned by their Service; remove them here. */
        if (sim_get_obj(c->st, c->k.eps, ns, name)) ctrl_delete(c, c->k.eps, ns, name);
        return;
    }
    cJSON *sel = sim_obj_member(ev->obj, "spec.selector"); /* not the whole tree: 50k Services at start */
    bool changed = !s || !((s->selector == NULL && sel == NULL) || (s->selector && sel && cJSON_Compare(s->selector, sel, true)));
    bool fresh = !s;
    if (!s) {
        s = xcalloc(1, sizeof *s);
        s->name = xstrdup(name);
        if (e->n == e->cap) {
            e->cap = e->cap ? e->cap * 2 : 8;
            e->svcs = xrealloc(e->svcs, e->cap * sizeof *e->svcs);
        }
        e->svcs[e->n++] = s;
    }
    if (changed) {
        cJSON_Delete(s->selector);
        s->selector = sel && cJSON_IsObject(sel) && sel->child ? sel : NULL;
        if (s->selector) sel = NULL; /* taken */
        /* A new Service only adds its pair; rebuilding the namespace's
         * index per Service made the first sweep quadratic. */
        if (fresh) add_pair(e, s);
        else rebuild_pairs(e);
        members_clear(s);
        if (e->built && s->selector) {
            scan_t sc = {e, s};
            sim_each(c->st, c->k.pod, ns, scan_pod, &sc);
        }
    }
    cJSON_Delete(sel);
    if (!s->selector) return;
    /* On the first sweep, trust slices that exist (the generator's); the
     * first pod change in the namespace brings them up to date. */
    char sname[256];
    ctrl_slice_name(ns, name, sname, sizeof sname);
    if (ev->type == SIM_ADDED && ev->rv == 0 && sim_get_obj(c->st, c->k.slice, ns, sname)) return;
    ctrl_enqueue(c, CQ_ENDPOINTS, ns, name);
}

void ctrl_endpoints_on_pod(sim_controllers_t *c, const sim_event_t *ev)
{
    const char *ns = sim_obj_namespace(ev->obj);
    ep_ns_t *e = ns_get(c, ns, false);
    if (!e || !e->n) return;
    cand_t cand = {0};
    candidates(e, ev->obj, &cand);
    if (ev->old) candidates(e, ev->old, &cand);
    for (size_t i = 0; i < cand.n; i++) {
        ep_svc_t *s = cand.v[i];
        if (!s->selector) continue;
        bool touches = obj_matches(ev->obj, s->selector) || (ev->old && obj_matches(ev->old, s->selector));
        if (!touches) continue;
        if (!e->built) {
            ctrl_enqueue(c, CQ_ENDPOINTS, ns, s->name);
            continue;
        }
        if (member_update(s, ev->obj, ev->type == SIM_DELETED)) ctrl_enqueue(c, CQ_ENDPOINTS, ns, s->name);
    }
    cand_free(&cand);
}

typedef struct sorted_member {
    const char *name;
    const ep_member_t *m;
} sorted_member_t;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const sorted_member_t *)a)->name, ((const sorted_member_t *)b)->name);
}

int ctrl_endpoints_sync(sim_controllers_t *c, const char *ns, const char *name)
{
    ep_ns_t *e = ns_get(c, ns, false);
    ep_svc_t *s = svc_find(e, name, NULL);
    const sim_obj_t *so = sim_get_obj(c->st, c->k.svc, ns, name);
    if (!s || !s->selector || !so || sim_obj_deleting(so)) return 0;
    ns_build(c, ns, e);
    const cJSON *svc = sim_obj_json(so);
    const cJSON *ports = sim_jpath(svc, "spec", "ports");
    char uid[64];
    snprintf(uid, sizeof uid, "%s", sim_obj_uid(so));

    sorted_member_t *ms = xmalloc((s->members.len + 1) * sizeof *ms);
    size_t nm = 0;
    map_slot_t *slot;
    for (size_t it = 0; map_next(&s->members, &it, &slot);) ms[nm++] = (sorted_member_t){slot->key, slot->val};
    if (nm > 1) qsort(ms, nm, sizeof *ms, by_name);

    /* ports as the slice and Endpoints carry them: the target port */
    cJSON *sports = cJSON_CreateArray(), *eports = cJSON_CreateArray();
    const cJSON *p;
    cJSON_ArrayForEach(p, ports)
    {
        const cJSON *tp = cJSON_GetObjectItemCaseSensitive(p, "targetPort");
        int64_t port = cJSON_IsNumber(tp) ? (int64_t)tp->valuedouble : sim_jint(p, "port", 0);
        const char *pname = sim_jstr(p, "name");
        const char *proto = sim_jstr(p, "protocol") ? sim_jstr(p, "protocol") : "TCP";
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "name", pname ? pname : "");
        cJSON_AddNumberToObject(a, "port", (double)port);
        cJSON_AddStringToObject(a, "protocol", proto);
        cJSON_AddItemToArray(sports, a);
        cJSON *b = cJSON_Duplicate(a, true);
        if (!pname) cJSON_DeleteItemFromObjectCaseSensitive(b, "name");
        cJSON_AddItemToArray(eports, b);
    }

    /* EndpointSlice */
    char sname[256];
    ctrl_slice_name(ns, name, sname, sizeof sname);
    cJSON *eps = cJSON_CreateArray();
    cJSON *ready_addrs = cJSON_CreateArray(), *notready_addrs = cJSON_CreateArray();
    for (size_t i = 0; i < nm; i++) {
        const ep_member_t *m = ms[i].m;
        cJSON *ep = cJSON_CreateObject();
        cJSON *addrs = cJSON_AddArrayToObject(ep, "addresses");
        cJSON_AddItemToArray(addrs, cJSON_CreateString(m->ip));
        cJSON *cd = cJSON_AddObjectToObject(ep, "conditions");
        cJSON_AddBoolToObject(cd, "ready", m->ready);
        cJSON_AddBoolToObject(cd, "serving", m->ready);
        cJSON_AddFalseToObject(cd, "terminating");
        if (m->node[0]) cJSON_AddStringToObject(ep, "nodeName", m->node);
        cJSON *tr = cJSON_AddObjectToObject(ep, "targetRef");
        cJSON_AddStringToObject(tr, "kind", "Pod");
        cJSON_AddStringToObject(tr, "namespace", ns);
        cJSON_AddStringToObject(tr, "name", ms[i].name);
        cJSON_AddStringToObject(tr, "uid", m->uid);
        cJSON_AddItemToArray(eps, ep);
        cJSON *ad = cJSON_CreateObject();
        cJSON_AddStringToObject(ad, "ip", m->ip);
        if (m->node[0]) cJSON_AddStringToObject(ad, "nodeName", m->node);
        cJSON_AddItemToObject(ad, "targetRef", cJSON_Duplicate(tr, true));
        cJSON_AddItemToArray(m->ready ? ready_addrs : notready_addrs, ad);
    }
    free(ms);
    int rc = 0;
    cJSON *cur = sim_get_copy(c->st, c->k.slice, ns, sname);
    if (cur) {
        bool same = cJSON_Compare(cJSON_GetObjectItemCaseSensitive(cur, "endpoints"), eps, true) &&
                    cJSON_Compare(cJSON_GetObjectItemCaseSensitive(cur, "ports"), sports, true);
        if (same) {
            cJSON_Delete(cur);
            cJSON_Delete(eps);
            cJSON_Delete(sports);
        } else {
            sim_jset(cur, "endpoints", eps);
            sim_jset(cur, "ports", sports);
            if (ctrl_update(c, c->k.slice, ns, cur) < 0) rc = -1;
        }
    } else {
        cJSON *sl = cJSON_CreateObject();
        cJSON_AddStringToObject(sl, "apiVersion", "discovery.k8s.io/v1");
        cJSON_AddStringToObject(sl, "kind", "EndpointSlice");
        cJSON *md = cJSON_AddObjectToObject(sl, "metadata");
        cJSON_AddStringToObject(md, "name", sname);
        cJSON_AddStringToObject(md, "namespace", ns);
        cJSON *l = cJSON_AddObjectToObject(md, "labels");
        cJSON_AddStringToObject(l, "kubernetes.io/service-name", name);
        cJSON_AddStringToObject(l, "endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io");
        cJSON *refs = cJSON_AddArrayToObject(md, "ownerReferences");
        cJSON_AddItemToArray(refs, ctrl_owner_ref("v1", "Service", name, uid));
        cJSON_AddStringToObject(sl, "addressType", "IPv4");
        cJSON_AddItemToObject(sl, "endpoints", eps);
        cJSON_AddItemToObject(sl, "ports", sports);
        if (ctrl_create(c, c->k.slice, ns, sl, NULL) < 0) rc = -1;
    }

    /* core Endpoints: one subset with ready and not-ready addresses */
    cJSON *subsets = cJSON_CreateArray();
    if (cJSON_GetArraySize(ready_addrs) || cJSON_GetArraySize(notready_addrs)) {
        cJSON *sub = cJSON_CreateObject();
        if (cJSON_GetArraySize(ready_addrs)) cJSON_AddItemToObject(sub, "addresses", ready_addrs);
        else cJSON_Delete(ready_addrs);
        if (cJSON_GetArraySize(notready_addrs)) cJSON_AddItemToObject(sub, "notReadyAddresses", notready_addrs);
        else cJSON_Delete(notready_addrs);
        cJSON_AddItemToObject(sub, "ports", eports);
        cJSON_AddItemToArray(subsets, sub);
    } else {
        cJSON_Delete(ready_addrs);
        cJSON_Delete(notready_addrs);
        cJSON_Delete(eports);
    }
    cJSON *ecur = sim_get_copy(c->st, c->k.eps, ns, name);
    if (ecur) {
        const cJSON *old = cJSON_GetObjectItemCaseSensitive(ecur, "subsets");
        bool same = (old && cJSON_Compare(old, subsets, true)) || (!old && cJSON_GetArraySize(subsets) == 0);
        if (same) {
            cJSON_Delete(ecur);
            cJSON_Delete(subsets);
        } else {
            sim_jset(ecur, "subsets", subsets);
            if (ctrl_update(c, c->k.eps, ns, ecur) < 0) rc = -1;
        }
    } else {
        cJSON *ep = cJSON_CreateObject();
        cJSON_AddStringToObject(ep, "apiVersion", "v1");
        cJSON_AddStringToObject(ep, "kind", "Endpoints");
        cJSON *md = cJSON_AddObjectToObject(ep, "metadata");
        cJSON_AddStringToObject(md, "name", name);
        cJSON_AddStringToObject(md, "namespace", ns);
        cJSON *l = cJSON_AddObjectToObject(md, "labels");
        cJSON_AddStringToObject(l, "endpoints.kubernetes.io/managed-by", "endpoint-controller");
        cJSON_AddItemToObject(ep, "subsets", subsets);
        if (ctrl_create(c, c->k.eps, ns, ep, NULL) < 0) rc = -1;
    }
    return rc;
}

void ctrl_endpoints_free(sim_controllers_t *c)
{
    map_slot_t *slot;
    for (size_t it = 0; map_next(&c->svc_by_ns, &it, &slot);) {
        ep_ns_t *e = slot->val;
        for (size_t i = 0; i < e->n; i++) svc_free(e->svcs[i]);
        free(e->svcs);
        pairs_free(e);
        free(e);
    }
    map_free(&c->svc_by_ns);
}

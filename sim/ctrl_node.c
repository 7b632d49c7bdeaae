/* ctrl_node.c — node heartbeats and namespace defaults.
 *
 * Nodes: a Node created without status (a bare manifest) gets what a kubelet
 * would report — capacity, allocatable, conditions, addresses, nodeInfo —
 * and every node gets a Lease in kube-node-lease, renewed periodically. A
 * real kubelet renews every 10 s; with thousands of nodes kubesim stretches
 * the period so leases add at most ~50 writes/s to the watch streams.
 *
 * Namespaces: a new namespace gets its "default" ServiceAccount and the
 * kube-root-ca.crt ConfigMap, as kube-controller-manager does (queued under
 * the pseudo namespace "@ns").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "ctrl_internal.h"

static void micro_time(int64_t now_ms, char out[40])
{
    char ts[32];
    clock_rfc3339(now_ms / 1000, ts);
    ts[19] = '\0';
    snprintf(out, 40, "%.19s.%06dZ", ts, (int)(now_ms % 1000) * 1000);
}

cJSON *ctrl_lease(const char *node, const char *node_uid, int64_t now_ms)
{
    char mt[40];
    micro_time(now_ms, mt);
    cJSON *l = cJSON_CreateObject();
    cJSON_AddStringToObject(l, "apiVersion", "coordination.k8s.io/v1");
    cJSON_AddStringToObject(l, "kind", "Lease");
    cJSON *md = cJSON_AddObjectToObject(l, "metadata");
    cJSON_AddStringToObject(md, "name", node);
    cJSON_AddStringToObject(md, "namespace", "kube-node-lease");
    if (node_uid) {
        cJSON *refs = cJSON_AddArrayToObject(md, "ownerReferences");
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "apiVersion", "v1");
        cJSON_AddStringToObject(r, "kind", "Node");
        cJSON_AddStringToObject(r, "name", node);
        cJSON_AddStringToObject(r, "uid", node_uid);
        cJSON_AddItemToArray(refs, r);
    }
    cJSON *sp = cJSON_AddObjectToObject(l, "spec");
    cJSON_AddStringToObject(sp, "holderIdentity", node);
    cJSON_AddNumberToObject(sp, "leaseDurationSeconds", 40);
    cJSON_AddStringToObject(sp, "renewTime", mt);
    return l;
}

static cJSON *node_cond(const char *type, const char *status, const char *reason, const char *msg, const char *ts)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", type);
    cJSON_AddStringToObject(c, "status", status);
    cJSON_AddStringToObject(c, "lastHeartbeatTime", ts);
    cJSON_AddStringToObject(c, "lastTransitionTime", ts);
    cJSON_AddStringToObject(c, "reason", reason);
    cJSON_AddStringToObject(c, "message", msg);
    return c;
}

cJSON *ctrl_node_status(const char *name, int index, int64_t cpu_m, int64_t mem_bytes, int64_t now_ms)
{
    char ts[32], v[64];
    clock_rfc3339(now_ms / 1000, ts);
    cJSON *st = cJSON_CreateObject();
    cJSON *cap = cJSON_AddObjectToObject(st, "capacity");
    snprintf(v, sizeof v, "%lld", (long long)(cpu_m / 1000));
    cJSON_AddStringToObject(cap, "cpu", v);
    cJSON_AddStringToObject(cap, "ephemeral-storage", "102350Mi");
    cJSON_AddStringToObject(cap, "hugepages-1Gi", "0");
    cJSON_AddStringToObject(cap, "hugepages-2Mi", "0");
    snprintf(v, sizeof v, "%lldKi", (long long)(mem_bytes / 1024));
    cJSON_AddStringToObject(cap, "memory", v);
    cJSON_AddStringToObject(cap, "pods", "110");
    cJSON *al = cJSON_AddObjectToObject(st, "allocatable");
    snprintf(v, sizeof v, "%lldm", (long long)(cpu_m - 100));
    cJSON_AddStringToObject(al, "cpu", v);
    cJSON_AddStringToObject(al, "ephemeral-storage", "94320Mi");
    cJSON_AddStringToObject(al, "hugepages-1Gi", "0");
    cJSON_AddStringToObject(al, "hugepages-2Mi", "0");
    snprintf(v, sizeof v, "%lldKi", (long long)((mem_bytes - (512LL << 20)) / 1024));
    cJSON_AddStringToObject(al, "memory", v);
    cJSON_AddStringToObject(al, "pods", "110");
    cJSON *conds = cJSON_AddArrayToObject(st, "conditions");
    cJSON_AddItemToArray(conds, node_cond("MemoryPressure", "False", "KubeletHasSufficientMemory",
                                          "kubelet has sufficient memory available", ts));
    cJSON_AddItemToArray(conds, node_cond("DiskPressure", "False", "KubeletHasNoDiskPressure",
                                          "kubelet has no disk pressure", ts));
    cJSON_AddItemToArray(conds, node_cond("PIDPressure", "False", "KubeletHasSufficientPID",
                                          "kubelet has sufficient PID available", ts));
    cJSON_AddItemToArray(conds, node_cond("Ready", "True", "KubeletReady", "kubelet is posting ready status", ts));
    cJSON *addrs = cJSON_AddArrayToObject(st, "addresses");
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "type", "InternalIP");
    snprintf(v, sizeof v, "172.18.%d.%d", index / 250, 2 + index % 250);
    cJSON_AddStringToObject(a, "address", v);
    cJSON_AddItemToArray(addrs, a);
    a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "type", "Hostname");
    cJSON_AddStringToObject(a, "address", name);
    cJSON_AddItemToArray(addrs, a);
    cJSON *de = cJSON_AddObjectToObject(st, "daemonEndpoints");
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(de, "kubeletEndpoint"), "Port", 10250);
    cJSON *ni = cJSON_AddObjectToObject(st, "nodeInfo");
    uint64_t h = sim_hash_str(name, 53);
    char id[40];
    sim_hex(&h, id, 32);
    cJSON_AddStringToObject(ni, "machineID", id);
    cJSON_AddStringToObject(ni, "systemUUID", id);
    cJSON_AddStringToObject(ni, "bootID", id);
    cJSON_AddStringToObject(ni, "kernelVersion", "6.1.0-28-amd64");
    cJSON_AddStringToObject(ni, "osImage", "Debian GNU/Linux 12 (bookworm)");
    cJSON_AddStringToObject(ni, "containerRuntimeVersion", "containerd://1.7.13");
    cJSON_AddStringToObject(ni, "kubeletVersion", "v1.30.0");
    cJSON_AddStringToObject(ni, "kubeProxyVersion", "v1.30.0");
    cJSON_AddStringToObject(ni, "operatingSystem", "linux");
    cJSON_AddStringToObject(ni, "architecture", "amd64");
    return st;
}

static int namespace_defaults(sim_controllers_t *c, const char *ns)
{
    const sim_obj_t *n = sim_get_obj(c->st, c->k.ns, NULL, ns);
    if (!n || sim_obj_deleting(n)) return 0;
    if (!sim_get_obj(c->st, c->k.sa, ns, "default")) {
        cJSON *sa = cJSON_CreateObject();
        cJSON_AddStringToObject(sa, "apiVersion", "v1");
        cJSON_AddStringToObject(sa, "kind", "ServiceAccount");
        cJSON *md = cJSON_AddObjectToObject(sa, "metadata");
        cJSON_AddStringToObject(md, "name", "default");
        cJSON_AddStringToObject(md, "namespace", ns);
        ctrl_create(c, c->k.sa, ns, sa, NULL);
    }
    if (!sim_get_obj(c->st, c->k.cm, ns, "kube-root-ca.crt")) {
        cJSON *cm = cJSON_CreateObject();
        cJSON_AddStringToObject(cm, "apiVersion", "v1");
        cJSON_AddStringToObject(cm, "kind", "ConfigMap");
        cJSON *md = cJSON_AddObjectToObject(cm, "metadata");
        cJSON_AddStringToObject(md, "name", "kube-root-ca.crt");
        cJSON_AddStringToObject(md, "namespace", ns);
        cJSON *an = cJSON_AddObjectToObject(md, "annotations");
        cJSON_AddStringToObject(an, "kubernetes.io/description",
                                "Contains a CA bundle that can be used to verify the kube-apiserver when using "
                                "internal endpoints such as the internal service IP or kubernetes.default.svc. No "
                                "other usage is guaranteed across distributions of Kubernetes clusters.");
        cJSON *d = cJSON_AddObjectToObject(cm, "data");
        cJSON_AddStringToObject(d, "ca.crt",
                                "-----BEGIN CERTIFICATE-----\nMIIBkubesimSimulatedCAcertificateNotARealKey\n"
                                "-----END CERTIFICATE-----\n");
        ctrl_create(c, c->k.cm, ns, cm, NULL);
    }
    return 0;
}

int ctrl_node_sync(sim_controllers_t *c, const char *ns, const char *name)
{
    if (strcmp(ns, "@ns") == 0) return namespace_defaults(c, name);
    const sim_obj_t *o = sim_get_obj(c->st, c->k.node, NULL, name);
    if (!o) return 0;
    ctrl_node_t *cn = ctrl_node_get(c, name);
    const cJSON *j = sim_obj_json(o);
    if (!sim_jpath(j, "status", "conditions")) {
        cJSON *upd = sim_get_copy(c->st, c->k.node, NULL, name);
        if (upd) {
            cJSON *st = ctrl_node_status(name, cn ? cn->index : 0, 4000, 16LL << 30, c->now_ms);
            sim_jset(upd, "status", st);
            if (ctrl_update_status(c, c->k.node, NULL, upd) < 0) return -1;
            o = sim_get_obj(c->st, c->k.node, NULL, name);
            if (o) {
                ctrl_event_obj(c, o, "Normal", "Starting", "kubelet", "Starting kubelet.");
                ctrl_event_obj(c, o, "Normal", "NodeReady", "kubelet", "Node %s status is now: NodeReady", name);
            }
        }
    }
    if (!sim_get_obj(c->st, c->k.lease, "kube-node-lease", name) && o)
        ctrl_create(c, c->k.lease, "kube-node-lease", ctrl_lease(name, sim_obj_uid(o), c->now_ms), NULL);
    return 0;
}

void ctrl_node_leases(sim_controllers_t *c)
{
    size_t n = c->nodes.len;
    if (!n) return;
    /* renew every 10 s, stretched so at most ~50 renewals happen per second */
    size_t period_s = n / 50 > 10 ? n / 50 : 10;
    size_t per_call = (n + period_s - 1) / period_s;
    map_slot_t *slot;
    size_t done = 0, it = c->lease_cursor, wraps = 0;
    while (done < per_call && wraps < 2) {
        if (!map_next(&c->nodes, &it, &slot)) {
            it = 0;
            wraps++;
            continue;
        }
        done++;
        ctrl_node_t *nd = slot->val;
        cJSON *l = sim_get_copy(c->st, c->k.lease, "kube-node-lease", nd->name);
        if (!l) continue;
        char mt[40];
        micro_time(c->now_ms, mt);
        sim_jset_str(sim_jobj(l, "spec"), "renewTime", mt);
        ctrl_update(c, c->k.lease, "kube-node-lease", l);
    }
    c->lease_cursor = it;
}

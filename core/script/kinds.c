/* kinds.c — the built-in Kubernetes kinds and their canonical ID form.
 *
 * The ID form of API.md is KIND[.GROUP] (group omitted for the core group).
 * Relation rules are validated against this table; custom resources are
 * written Kind.group with a dotted group and accepted as written, because
 * no cluster is at hand when a plugin loads.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "script/script.h"

typedef struct kind_def {
    const char *kind, *group, *plural;
} kind_def_t;

static const kind_def_t kinds[] = {
    {"Pod", "", "pods"},
    {"Service", "", "services"},
    {"ConfigMap", "", "configmaps"},
    {"Secret", "", "secrets"},
    {"PersistentVolumeClaim", "", "persistentvolumeclaims"},
    {"PersistentVolume", "", "persistentvolumes"},
    {"ServiceAccount", "", "serviceaccounts"},
    {"Node", "", "nodes"},
    {"Namespace", "", "namespaces"},
    {"Endpoints", "", "endpoints"},
    {"Event", "", "events"},
    {"ReplicationController", "", "replicationcontrollers"},
    {"LimitRange", "", "limitranges"},
    {"ResourceQuota", "", "resourcequotas"},
    {"PodTemplate", "", "podtemplates"},
    {"Deployment", "apps", "deployments"},
    {"ReplicaSet", "apps", "replicasets"},
    {"StatefulSet", "apps", "statefulsets"},
    {"DaemonSet", "apps", "daemonsets"},
    {"ControllerRevision", "apps", "controllerrevisions"},
    {"Job", "batch", "jobs"},
    {"CronJob", "batch", "cronjobs"},
    {"HorizontalPodAutoscaler", "autoscaling", "horizontalpodautoscalers"},
    {"Ingress", "networking.k8s.io", "ingresses"},
    {"IngressClass", "networking.k8s.io", "ingressclasses"},
    {"NetworkPolicy", "networking.k8s.io", "networkpolicies"},
    {"EndpointSlice", "discovery.k8s.io", "endpointslices"},
    {"PodDisruptionBudget", "policy", "poddisruptionbudgets"},
    {"Role", "rbac.authorization.k8s.io", "roles"},
    {"ClusterRole", "rbac.authorization.k8s.io", "clusterroles"},
    {"RoleBinding", "rbac.authorization.k8s.io", "rolebindings"},
    {"ClusterRoleBinding", "rbac.authorization.k8s.io", "clusterrolebindings"},
    {"StorageClass", "storage.k8s.io", "storageclasses"},
    {"CSIDriver", "storage.k8s.io", "csidrivers"},
    {"CSINode", "storage.k8s.io", "csinodes"},
    {"VolumeAttachment", "storage.k8s.io", "volumeattachments"},
    {"Lease", "coordination.k8s.io", "leases"},
    {"PriorityClass", "scheduling.k8s.io", "priorityclasses"},
    {"RuntimeClass", "node.k8s.io", "runtimeclasses"},
    {"CertificateSigningRequest", "certificates.k8s.io", "certificatesigningrequests"},
    {"ValidatingWebhookConfiguration", "admissionregistration.k8s.io", "validatingwebhookconfigurations"},
    {"MutatingWebhookConfiguration", "admissionregistration.k8s.io", "mutatingwebhookconfigurations"},
    {"CustomResourceDefinition", "apiextensions.k8s.io", "customresourcedefinitions"},
    {"APIService", "apiregistration.k8s.io", "apiservices"},
    {"Gateway", "gateway.networking.k8s.io", "gateways"},
    {"GatewayClass", "gateway.networking.k8s.io", "gatewayclasses"},
    {"HTTPRoute", "gateway.networking.k8s.io", "httproutes"},
    {"GRPCRoute", "gateway.networking.k8s.io", "grpcroutes"},
    {"PodMetrics", "metrics.k8s.io", "pods"},
    {"NodeMetrics", "metrics.k8s.io", "nodes"},
};

static const char *canon(const kind_def_t *k, char *out, size_t outsz)
{
    if (k->group[0])
        snprintf(out, outsz, "%s.%s", k->kind, k->group);
    else
        snprintf(out, outsz, "%s", k->kind);
    return out;
}

static bool singular_eq(const char *name, size_t n, const char *plural)
{
    size_t pl = strlen(plural);
    if (pl > 3 && strcmp(plural + pl - 3, "ies") == 0 && n == pl - 2 &&
        strncasecmp(name, plural, n - 1) == 0 && (name[n - 1] == 'y' || name[n - 1] == 'Y'))
        return true;
    if (pl > 2 && strcmp(plural + pl - 2, "es") == 0 && n == pl - 2 && strncasecmp(name, plural, n) == 0)
        return true;
    return pl > 1 && plural[pl - 1] == 's' && n == pl - 1 && strncasecmp(name, plural, n) == 0;
}

static bool custom_kind(const char *name)
{
    const char *dot = strchr(name, '.');
    if (!dot || dot == name || !(name[0] >= 'A' && name[0] <= 'Z')) return false;
    for (const char *c = name; c < dot; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9'))) return false;
    const char *g = dot + 1;
    if (!strchr(g, '.') || strlen(g) > 253) return false;
    for (const char *c = g; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '.')) return false;
    return g[0] != '.' && g[strlen(g) - 1] != '.' && !strstr(g, "..");
}

const char *script_kind_canonical(const char *name, char *out, size_t outsz)
{
    if (!name || !name[0] || strlen(name) >= 256) return NULL;
    const char *dot = strchr(name, '.');
    size_t base = dot ? (size_t)(dot - name) : strlen(name);
    const char *group = dot ? dot + 1 : NULL;
    const size_t nk = sizeof kinds / sizeof kinds[0];
    /* Kind, Kind.group, resource, resource.group and the singular resource
     * ("deployment"), case-insensitive as kubectl takes them. Earlier table
     * rows win, so "pods" is Pod, not PodMetrics. */
    for (int pass = 0; pass < 3; pass++) {
        for (size_t i = 0; i < nk; i++) {
            const kind_def_t *k = &kinds[i];
            if (group && strcasecmp(group, k->group) != 0) continue;
            bool hit = pass == 0   ? base == strlen(k->kind) && strncasecmp(name, k->kind, base) == 0
                       : pass == 1 ? base == strlen(k->plural) && strncasecmp(name, k->plural, base) == 0
                                   : singular_eq(name, base, k->plural);
            if (hit) return canon(k, out, outsz);
        }
    }
    if (custom_kind(name)) {
        snprintf(out, outsz, "%s", name);
        return out;
    }
    return NULL;
}

/* kinds.c — the table of built-in resource types, matching what a
 * Kubernetes 1.29–1.33 API server lists in discovery for these groups
 * (names, short names, categories, scope, verbs, subresources) and the
 * fields each kind lets a fieldSelector use. */
#include "kinds.h"

#include <string.h>

#define ALL SIM_VERBS_ALL
#define RO (SIM_VERB_GET | SIM_VERB_LIST)
#define CR SIM_VERB_CREATE
#define NS true
#define CL false
#define ST SIM_SUB_STATUS
#define SC SIM_SUB_SCALE
/* The store fills id, crd and api_version. */
#define K(...) {__VA_ARGS__, 0, false, NULL}

/* group, version, kind, resource, singular, short names, categories,
 * list kind, namespaced, verbs, subresources, field paths */
const sim_kind_t sim_builtin_kinds[] = {
    K("", "v1", "Binding", "bindings", "binding", NULL, NULL, "BindingList", NS, CR, 0, NULL),
    K("", "v1", "ComponentStatus", "componentstatuses", "componentstatus", "cs", NULL, "ComponentStatusList",
     CL, RO, 0, NULL),
    K("", "v1", "ConfigMap", "configmaps", "configmap", "cm", NULL, "ConfigMapList", NS, ALL, 0, NULL),
    K("", "v1", "Endpoints", "endpoints", "endpoints", "ep", NULL, "EndpointsList", NS, ALL, 0, NULL),
    K("", "v1", "Event", "events", "event", "ev", NULL, "EventList", NS, ALL, 0,
     "involvedObject.kind,involvedObject.namespace,involvedObject.name,involvedObject.uid,"
     "involvedObject.apiVersion,involvedObject.resourceVersion,involvedObject.fieldPath,reason,"
     "reportingComponent,source,type"),
    K("", "v1", "LimitRange", "limitranges", "limitrange", "limits", NULL, "LimitRangeList", NS, ALL, 0, NULL),
    K("", "v1", "Namespace", "namespaces", "namespace", "ns", NULL, "NamespaceList", CL,
     ALL & ~SIM_VERB_DELETECOLLECTION, ST, "status.phase"),
    K("", "v1", "Node", "nodes", "node", "no", NULL, "NodeList", CL, ALL, ST, "spec.unschedulable"),
    K("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", "persistentvolumeclaim", "pvc", NULL,
     "PersistentVolumeClaimList", NS, ALL, ST, NULL),
    K("", "v1", "PersistentVolume", "persistentvolumes", "persistentvolume", "pv", NULL, "PersistentVolumeList",
     CL, ALL, ST, NULL),
    K("", "v1", "Pod", "pods", "pod", "po", "all", "PodList", NS, ALL,
     ST | SIM_SUB_LOG | SIM_SUB_BINDING | SIM_SUB_EVICTION,
     "spec.nodeName,spec.restartPolicy,spec.schedulerName,spec.serviceAccountName,spec.hostNetwork,"
     "status.phase,status.podIP,status.nominatedNodeName"),
    K("", "v1", "PodTemplate", "podtemplates", "podtemplate", NULL, NULL, "PodTemplateList", NS, ALL, 0, NULL),
    K("", "v1", "ReplicationController", "replicationcontrollers", "replicationcontroller", "rc", "all",
     "ReplicationControllerList", NS, ALL, ST | SC, "status.replicas"),
    K("", "v1", "ResourceQuota", "resourcequotas", "resourcequota", "quota", NULL, "ResourceQuotaList", NS, ALL,
     ST, NULL),
    K("", "v1", "Secret", "secrets", "secret", NULL, NULL, "SecretList", NS, ALL, 0, "type"),
    K("", "v1", "ServiceAccount", "serviceaccounts", "serviceaccount", "sa", NULL, "ServiceAccountList", NS, ALL,
     0, NULL),
    K("", "v1", "Service", "services", "service", "svc", "all", "ServiceList", NS,
     ALL & ~SIM_VERB_DELETECOLLECTION, ST, NULL),

    K("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations",
     "mutatingwebhookconfiguration", NULL, "api-extensions", "MutatingWebhookConfigurationList", CL, ALL, 0,
     NULL),
    K("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations",
     "validatingwebhookconfiguration", NULL, "api-extensions", "ValidatingWebhookConfigurationList", CL, ALL, 0,
     NULL),

    K("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions",
     "customresourcedefinition", "crd,crds", "api-extensions", "CustomResourceDefinitionList", CL, ALL, ST,
     NULL),

    K("apiregistration.k8s.io", "v1", "APIService", "apiservices", "apiservice", NULL, "api-extensions",
     "APIServiceList", CL, ALL, ST, NULL),

    K("apps", "v1", "ControllerRevision", "controllerrevisions", "controllerrevision", NULL, NULL,
     "ControllerRevisionList", NS, ALL, 0, NULL),
    K("apps", "v1", "DaemonSet", "daemonsets", "daemonset", "ds", "all", "DaemonSetList", NS, ALL, ST, NULL),
    K("apps", "v1", "Deployment", "deployments", "deployment", "deploy", "all", "DeploymentList", NS, ALL,
     ST | SC, NULL),
    K("apps", "v1", "ReplicaSet", "replicasets", "replicaset", "rs", "all", "ReplicaSetList", NS, ALL, ST | SC,
     NULL),
    K("apps", "v1", "StatefulSet", "statefulsets", "statefulset", "sts", "all", "StatefulSetList", NS, ALL,
     ST | SC, NULL),

    K("authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews", "selfsubjectreview", NULL, NULL,
     "SelfSubjectReviewList", CL, CR, 0, NULL),
    K("authentication.k8s.io", "v1", "TokenReview", "tokenreviews", "tokenreview", NULL, NULL, "TokenReviewList",
     CL, CR, 0, NULL),

    K("authorization.k8s.io", "v1", "LocalSubjectAccessReview", "localsubjectaccessreviews",
     "localsubjectaccessreview", NULL, NULL, "LocalSubjectAccessReviewList", NS, CR, 0, NULL),
    K("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews",
     "selfsubjectaccessreview", NULL, NULL, "SelfSubjectAccessReviewList", CL, CR, 0, NULL),
    K("authorization.k8s.io", "v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews", "selfsubjectrulesreview",
     NULL, NULL, "SelfSubjectRulesReviewList", CL, CR, 0, NULL),
    K("authorization.k8s.io", "v1", "SubjectAccessReview", "subjectaccessreviews", "subjectaccessreview", NULL,
     NULL, "SubjectAccessReviewList", CL, CR, 0, NULL),

    K("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", "horizontalpodautoscaler",
     "hpa", "all", "HorizontalPodAutoscalerList", NS, ALL, ST, NULL),

    K("batch", "v1", "CronJob", "cronjobs", "cronjob", "cj", "all", "CronJobList", NS, ALL, ST, NULL),
    K("batch", "v1", "Job", "jobs", "job", NULL, "all", "JobList", NS, ALL, ST, "status.successful"),

    K("certificates.k8s.io", "v1", "CertificateSigningRequest", "certificatesigningrequests",
     "certificatesigningrequest", "csr", NULL, "CertificateSigningRequestList", CL, ALL, ST,
     "spec.signerName"),

    K("coordination.k8s.io", "v1", "Lease", "leases", "lease", NULL, NULL, "LeaseList", NS, ALL, 0, NULL),

    K("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", "endpointslice", NULL, NULL,
     "EndpointSliceList", NS, ALL, 0, NULL),

    K("events.k8s.io", "v1", "Event", "events", "event", "ev", NULL, "EventList", NS, ALL, 0,
     "regarding.kind,regarding.namespace,regarding.name,regarding.uid,reason,type,reportingController"),

    K("metrics.k8s.io", "v1beta1", "NodeMetrics", "nodes", "nodemetrics", NULL, NULL, "NodeMetricsList", CL, RO,
     0, NULL),
    K("metrics.k8s.io", "v1beta1", "PodMetrics", "pods", "podmetrics", NULL, NULL, "PodMetricsList", NS, RO, 0,
     NULL),

    K("networking.k8s.io", "v1", "IngressClass", "ingressclasses", "ingressclass", NULL, NULL, "IngressClassList",
     CL, ALL, 0, NULL),
    K("networking.k8s.io", "v1", "Ingress", "ingresses", "ingress", "ing", NULL, "IngressList", NS, ALL, ST,
     NULL),
    K("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", "networkpolicy", "netpol", NULL,
     "NetworkPolicyList", NS, ALL, 0, NULL),

    K("node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", "runtimeclass", NULL, NULL, "RuntimeClassList", CL,
     ALL, 0, NULL),

    K("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", "poddisruptionbudget", "pdb", NULL,
     "PodDisruptionBudgetList", NS, ALL, ST, NULL),

    K("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", "clusterrolebinding", NULL,
     NULL, "ClusterRoleBindingList", CL, ALL, 0, NULL),
    K("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", "clusterrole", NULL, NULL,
     "ClusterRoleList", CL, ALL, 0, NULL),
    K("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", "rolebinding", NULL, NULL,
     "RoleBindingList", NS, ALL, 0, NULL),
    K("rbac.authorization.k8s.io", "v1", "Role", "roles", "role", NULL, NULL, "RoleList", NS, ALL, 0, NULL),

    K("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", "priorityclass", "pc", NULL,
     "PriorityClassList", CL, ALL, 0, NULL),

    K("storage.k8s.io", "v1", "CSIDriver", "csidrivers", "csidriver", NULL, NULL, "CSIDriverList", CL, ALL, 0,
     NULL),
    K("storage.k8s.io", "v1", "CSINode", "csinodes", "csinode", NULL, NULL, "CSINodeList", CL, ALL, 0, NULL),
    K("storage.k8s.io", "v1", "CSIStorageCapacity", "csistoragecapacities", "csistoragecapacity", NULL, NULL,
     "CSIStorageCapacityList", NS, ALL, 0, NULL),
    K("storage.k8s.io", "v1", "StorageClass", "storageclasses", "storageclass", "sc", NULL, "StorageClassList",
     CL, ALL, 0, NULL),
    K("storage.k8s.io", "v1", "VolumeAttachment", "volumeattachments", "volumeattachment", NULL, NULL,
     "VolumeAttachmentList", CL, ALL, ST, NULL),
};

const size_t sim_builtin_nkinds = sizeof sim_builtin_kinds / sizeof sim_builtin_kinds[0];

bool sim_kind_is_virtual(const sim_kind_t *k) { return strcmp(k->group, "metrics.k8s.io") == 0; }

bool sim_kind_is_review(const sim_kind_t *k)
{
    return k->verbs == SIM_VERB_CREATE && (strcmp(k->group, "authorization.k8s.io") == 0 ||
                                           strcmp(k->group, "authentication.k8s.io") == 0);
}

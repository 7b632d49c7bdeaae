/* export.c — a query result drawn as SVG or written as Graphviz DOT.
 *
 * Both use the result's own coordinates, so an export is exactly the
 * picture the UI shows for the same scope. The SVG is self-contained (no
 * fonts or images fetched): group frames, edges coloured by type with
 * arrowheads, nodes as rounded boxes with a kind glyph (kubectl's short
 * names), the status as the box colour, and a legend of the statuses, edge
 * types and glyphs that appear.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "graph/graph_int.h"

#define NODE_W 180
#define NODE_H 64

typedef struct glyph {
    const char *kind, *glyph;
} glyph_t;

static const glyph_t GLYPHS[] = {
    {"Pod", "po"},
    {"Deployment.apps", "deploy"},
    {"ReplicaSet.apps", "rs"},
    {"StatefulSet.apps", "sts"},
    {"DaemonSet.apps", "ds"},
    {"Job.batch", "job"},
    {"CronJob.batch", "cj"},
    {"Service", "svc"},
    {"EndpointSlice.discovery.k8s.io", "eps"},
    {"Endpoints", "ep"},
    {"Ingress.networking.k8s.io", "ing"},
    {"HTTPRoute.gateway.networking.k8s.io", "route"},
    {"Gateway.gateway.networking.k8s.io", "gw"},
    {"NetworkPolicy.networking.k8s.io", "netpol"},
    {"PodDisruptionBudget.policy", "pdb"},
    {"HorizontalPodAutoscaler.autoscaling", "hpa"},
    {"ConfigMap", "cm"},
    {"Secret", "secret"},
    {"PersistentVolumeClaim", "pvc"},
    {"PersistentVolume", "pv"},
    {"StorageClass.storage.k8s.io", "sc"},
    {"ServiceAccount", "sa"},
    {"Role.rbac.authorization.k8s.io", "role"},
    {"ClusterRole.rbac.authorization.k8s.io", "crole"},
    {"RoleBinding.rbac.authorization.k8s.io", "rb"},
    {"ClusterRoleBinding.rbac.authorization.k8s.io", "crb"},
    {"Node", "node"},
    {"Namespace", "ns"},
    {NULL, NULL},
};

int graph_kind_glyph(const char *kind, const char **glyph, const char **lane_name)
{
    for (int i = 0; GLYPHS[i].kind; i++)
        if (strcmp(GLYPHS[i].kind, kind) == 0) {
            *glyph = GLYPHS[i].glyph;
            if (lane_name) *lane_name = GLYPHS[i].kind;
            return i;
        }
    *glyph = "cr"; /* custom resources and other kinds */
    if (lane_name) *lane_name = "other kinds";
    return -1;
}

static const char *status_colour(int st)
{
    static const char *const c[] = {"#2e7d32", "#757575", "#f9a825", "#c62828"};
    return st >= 0 && st <= 3 ? c[st] : c[1];
}

static const char *edge_colour(const char *type)
{
    static const char *const known[][2] = {
        {"owns", "#5c6bc0"},       {"selects", "#00897b"}, {"routes", "#8e24aa"},     {"mounts", "#6d4c41"},
        {"references", "#8d6e63"}, {"uses", "#546e7a"},    {"runs-on", "#9e9e9e"},    {"binds", "#ef6c00"},
        {"grants", "#d81b60"},     {"scales", "#3949ab"},  {"terminates", "#43a047"}, {NULL, NULL},
    };
    for (int i = 0; known[i][0]; i++)
        if (strcmp(known[i][0], type) == 0) return known[i][1];
    return "#90a4ae";
}

static void xml_text(buf_t *out, const char *s, size_t max)
{
    size_t n = 0;
    for (; *s && n < max; s++, n++) {
        switch (*s) {
        case '&':
            buf_puts(out, "&amp;");
            break;
        case '<':
            buf_puts(out, "&lt;");
            break;
        case '>':
            buf_puts(out, "&gt;");
            break;
        case '"':
            buf_puts(out, "&quot;");
            break;
        case '\'':
            buf_puts(out, "&#39;");
            break;
        default:
            if ((unsigned char)*s >= 0x20) buf_putc(out, *s);
        }
    }
    if (*s) buf_puts(out, "…");
}

static void id_text(const store_t *s, store_oid_t o, buf_t *out)
{
    buf_t id = {0};
    store_obj_id(s, o, &id);
    xml_text(out, id.data ? id.data : "", SIZE_MAX);
    buf_free(&id);
}

void graph_result_svg(const graph_result_t *r, buf_t *out)
{
    graph_t *g = r->g;
    const store_t *s = g->s;
    double maxx = 600, maxy = 200;
    for (size_t i = 0; i < r->nnodes; i++) {
        if (r->xy[2 * i] + NODE_W > maxx) maxx = r->xy[2 * i] + NODE_W;
        if (r->xy[2 * i + 1] + NODE_H > maxy) maxy = r->xy[2 * i + 1] + NODE_H;
    }
    for (size_t i = 0; i < r->ngroups; i++) {
        if (r->groups[i].x + r->groups[i].w > maxx) maxx = r->groups[i].x + r->groups[i].w;
        if (r->groups[i].y + r->groups[i].h > maxy) maxy = r->groups[i].y + r->groups[i].h;
    }
    double legend_x = maxx + 40;
    double width = legend_x + 260, height = maxy + 40;
    if (height < 700) height = 700;
    buf_printf(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
        "font-family=\"Helvetica,Arial,sans-serif\">\n",
        width, height, width, height);
    buf_puts(out, "<title>Kubilitics topology: ");
    xml_text(out, store_cluster(s), 200);
    buf_printf(out, " (resourceVersion %llu)</title>\n", (unsigned long long)r->rv);
    buf_puts(out,
             "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
             "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" fill=\"#78909c\"/>"
             "</marker></defs>\n<rect width=\"100%\" height=\"100%\" fill=\"#fafafa\"/>\n");
    /* group frames */
    buf_puts(out, "<g class=\"groups\">\n");
    for (size_t i = 0; i < r->ngroups; i++) {
        const layout_group_t *gr = &r->groups[i];
        buf_printf(out,
                   "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" rx=\"12\" fill=\"#eceff1\" "
                   "stroke=\"#cfd8dc\"/>\n",
                   gr->x + 4, gr->y + 4, gr->w - 8, gr->h - 8);
        buf_printf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"18\" fill=\"#37474f\">", gr->x + 20,
                   gr->y + 34);
        const char *ns = store_str(s, gr->ns);
        xml_text(out, *ns ? ns : "(cluster)", 120);
        if (gr->app) {
            buf_puts(out, " · ");
            xml_text(out, store_str(s, gr->app), 120);
        }
        buf_puts(out, "</text>\n");
    }
    buf_puts(out, "</g>\n<g class=\"edges\" fill=\"none\" stroke-width=\"1.5\">\n");
    bool type_seen[GRAPH_MAX_TYPES / 64 + 1][64];
    memset(type_seen, 0, sizeof type_seen);
    for (size_t i = 0; i < r->nedges; i++) {
        const gpend_t *e = &r->edges[i];
        double x1 = r->xy[2 * e->src], y1 = r->xy[2 * e->src + 1], x2 = r->xy[2 * e->dst],
               y2 = r->xy[2 * e->dst + 1];
        /* Stop at the target box's border so the arrowhead shows. */
        double dx = x2 - x1, dy = y2 - y1, sx = dx ? (NODE_W / 2.0) / (dx < 0 ? -dx : dx) : 1e9,
               sy = dy ? (NODE_H / 2.0) / (dy < 0 ? -dy : dy) : 1e9, k = sx < sy ? sx : sy;
        if (k > 1) k = 1;
        const char *ty = graph_type_str(g, e->type);
        type_seen[e->type / 64][e->type % 64] = true;
        buf_printf(
            out,
            "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"%s\" marker-end=\"url(#arrow)\">"
            "<title>",
            x1, y1, x2 - dx * k, y2 - dy * k, edge_colour(ty));
        xml_text(out, ty, 64);
        buf_puts(out, "</title></line>\n");
    }
    buf_puts(out, "</g>\n<g class=\"nodes\">\n");
    bool glyph_seen[sizeof GLYPHS / sizeof GLYPHS[0] + 1];
    memset(glyph_seen, 0, sizeof glyph_seen);
    bool status_seen[4] = {false, false, false, false};
    for (size_t i = 0; i < r->nnodes; i++) {
        store_oid_t o = r->nodes[i];
        double x = r->xy[2 * i], y = r->xy[2 * i + 1];
        int st = graph_node_status(g, o);
        status_seen[st & 3] = true;
        const char *kind = store_str(s, store_obj_kind(s, o)), *glyph;
        int gi = graph_kind_glyph(kind, &glyph, NULL);
        glyph_seen[gi < 0 ? sizeof GLYPHS / sizeof GLYPHS[0] : (size_t)gi] = true;
        buf_puts(out, "<g><title>");
        id_text(s, o, out);
        const char *reason = graph_node_reason(g, o);
        if (*reason) {
            buf_puts(out, " — ");
            xml_text(out, reason, 200);
        }
        buf_printf(out,
                   "</title><rect x=\"%.0f\" y=\"%.0f\" width=\"%d\" height=\"%d\" rx=\"8\" fill=\"#ffffff\" "
                   "stroke=\"%s\" stroke-width=\"3\"/>",
                   x - NODE_W / 2.0, y - NODE_H / 2.0, NODE_W, NODE_H, status_colour(st));
        buf_printf(out, "<circle cx=\"%.0f\" cy=\"%.0f\" r=\"20\" fill=\"%s\"/>", x - NODE_W / 2.0 + 28, y,
                   status_colour(st));
        buf_printf(out,
                   "<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\" text-anchor=\"middle\" fill=\"#fff\" "
                   "font-weight=\"bold\">%s</text>",
                   x - NODE_W / 2.0 + 28, y + 4, glyph);
        buf_printf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\" fill=\"#607d8b\">",
                   x - NODE_W / 2.0 + 56, y - 8);
        xml_text(out, kind, 20);
        buf_printf(out, "</text><text x=\"%.0f\" y=\"%.0f\" font-size=\"13\" fill=\"#263238\">",
                   x - NODE_W / 2.0 + 56, y + 12);
        xml_text(out, store_str(s, store_obj_name(s, o)), 15);
        buf_puts(out, "</text></g>\n");
    }
    buf_puts(out, "</g>\n");
    /* legend */
    double ly = 30;
    buf_printf(out,
               "<g class=\"legend\"><rect x=\"%.0f\" y=\"10\" width=\"240\" height=\"%.0f\" fill=\"#ffffff\" "
               "stroke=\"#cfd8dc\" rx=\"8\"/>\n",
               legend_x, height - 20);
    buf_printf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"14\" font-weight=\"bold\">Status</text>\n",
               legend_x + 12, ly += 10);
    static const char *const stn[] = {"ok", "unknown", "warning", "error"};
    for (int st = 0; st < 4; st++) {
        ly += 22;
        buf_printf(
            out,
            "<rect x=\"%.0f\" y=\"%.0f\" width=\"14\" height=\"14\" fill=\"%s\"/><text x=\"%.0f\" y=\"%.0f\" "
            "font-size=\"12\">%s%s</text>\n",
            legend_x + 12, ly - 11, status_colour(st), legend_x + 34, ly, stn[st],
            status_seen[st] ? "" : " (none)");
    }
    buf_printf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"14\" font-weight=\"bold\">Edges</text>\n",
               legend_x + 12, ly += 34);
    for (uint32_t t = 0; t < g->ntypes; t++) {
        if (!type_seen[t / 64][t % 64]) continue;
        const char *ty = graph_type_str(g, t);
        ly += 20;
        buf_printf(out,
                   "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"%s\" stroke-width=\"2\"/>"
                   "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\">",
                   legend_x + 12, ly - 4, legend_x + 44, ly - 4, edge_colour(ty), legend_x + 52, ly);
        xml_text(out, ty, 40);
        buf_puts(out, "</text>\n");
    }
    buf_printf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"14\" font-weight=\"bold\">Kinds</text>\n",
               legend_x + 12, ly += 34);
    for (size_t i = 0; i <= sizeof GLYPHS / sizeof GLYPHS[0]; i++) {
        if (!glyph_seen[i]) continue;
        bool other = i >= sizeof GLYPHS / sizeof GLYPHS[0] - 1;
        ly += 24;
        buf_printf(
            out,
            "<circle cx=\"%.0f\" cy=\"%.0f\" r=\"10\" fill=\"#546e7a\"/><text x=\"%.0f\" y=\"%.0f\" "
            "font-size=\"8\" text-anchor=\"middle\" fill=\"#fff\">%s</text><text x=\"%.0f\" y=\"%.0f\" "
            "font-size=\"12\">",
            legend_x + 22, ly - 4, legend_x + 22, ly - 1, other ? "cr" : GLYPHS[i].glyph, legend_x + 40, ly);
        xml_text(out, other ? "other kinds" : GLYPHS[i].kind, 40);
        buf_puts(out, "</text>\n");
    }
    buf_puts(out, "</g>\n</svg>\n");
}

static void dot_str(buf_t *out, const char *s)
{
    buf_putc(out, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') buf_putc(out, '\\');
        if ((unsigned char)*s >= 0x20) buf_putc(out, *s);
    }
    buf_putc(out, '"');
}

void graph_result_dot(const graph_result_t *r, buf_t *out)
{
    graph_t *g = r->g;
    const store_t *s = g->s;
    buf_puts(out, "digraph topology {\n  graph [label=");
    buf_t t = {0};
    buf_printf(&t, "%s @ resourceVersion %llu%s", store_cluster(s), (unsigned long long)r->rv,
               r->truncated ? " (truncated)" : "");
    dot_str(out, t.data);
    buf_free(&t);
    buf_puts(
        out,
        ", labelloc=t, splines=true, outputorder=edgesfirst];\n"
        "  node [shape=box, style=\"rounded,filled\", fillcolor=white, penwidth=3, fontname=Helvetica];\n"
        "  edge [fontname=Helvetica, fontsize=9];\n");
    buf_t id = {0};
    for (size_t i = 0; i < r->nnodes; i++) {
        store_oid_t o = r->nodes[i];
        buf_reset(&id);
        store_obj_id(s, o, &id);
        buf_puts(out, "  ");
        dot_str(out, id.data);
        const char *kind = store_str(s, store_obj_kind(s, o)), *glyph;
        graph_kind_glyph(kind, &glyph, NULL);
        buf_t label = {0};
        buf_printf(&label, "%s %s\n%s", glyph, kind, store_str(s, store_obj_name(s, o)));
        buf_puts(out, " [label=");
        dot_str(out, label.data);
        buf_free(&label);
        /* Graphviz's y axis points up; the layout's points down. Points are
         * 1/72 inch: the layout's pixels are used as points. */
        buf_printf(out, ", pos=\"%.0f,%.0f!\", color=\"%s\", tooltip=", r->xy[2 * i], -r->xy[2 * i + 1],
                   status_colour(graph_node_status(g, o)));
        dot_str(out, graph_node_reason(g, o));
        buf_puts(out, "];\n");
    }
    for (size_t i = 0; i < r->nedges; i++) {
        const gpend_t *e = &r->edges[i];
        buf_puts(out, "  ");
        buf_reset(&id);
        store_obj_id(s, r->nodes[e->src], &id);
        dot_str(out, id.data);
        buf_puts(out, " -> ");
        buf_reset(&id);
        store_obj_id(s, r->nodes[e->dst], &id);
        dot_str(out, id.data);
        const char *ty = graph_type_str(g, e->type);
        buf_puts(out, " [label=");
        dot_str(out, ty);
        buf_printf(out, ", color=\"%s\"];\n", edge_colour(ty));
    }
    buf_free(&id);
    buf_puts(out, "}\n");
}

"""test_topology_rules.py — an organisation's relation rules added to a running server
draw their edges without a restart (the store refills the fields they read), and a
broken edit is rejected with its line number while the previous rules keep working."""
import os
import shutil
import time

from harness import BIN, ROOT, check, check_eq, http_json, run, start, test, wait_for

RULES = """local rel = require "kubilitics.relations"
return {
  name = "org", version = "1.0.0", priority = 50,
  relations = {
    rel.ref{ type = "runs-as", from = "Deployment.apps",
             path = "spec.template.spec.serviceAccountName", to = "ServiceAccount" },
  },
}
"""

EDGE = ("Deployment.apps/shop/frontend", "runs-as", "ServiceAccount/shop/frontend")


def edges(srv):
    st, _, t = http_json("GET", srv.url + "/api/v1/clusters/kubesim/topology?namespace=shop&limit=100000")
    check_eq(st, 200, "topology status")
    return {(e["source"], e["type"], e["target"]) for e in t["edges"]}


@test
def org_rules_added_at_run_time_draw_edges_and_a_broken_edit_keeps_them(tmp):
    plugins = os.path.join(tmp, "plugins")
    shutil.copytree(os.path.join(ROOT, "plugins"), plugins)
    kc = os.path.join(tmp, "kc.yaml")
    start([BIN("kubesim"), "--listen", "127.0.0.1:0", "--manifests", "examples/demo", "--kubeconfig-out", kc])
    srv = start([BIN("kubilitics"), "serve", "--listen", "127.0.0.1:0", "--data-dir", os.path.join(tmp, "d"),
                 "--plugins", plugins, "--kubeconfig", kc])
    wait_for(lambda: ("Service/shop/frontend", "selects") in {(s, t) for s, t, _ in edges(srv)}, timeout=30,
             what="the core rules' edges")
    check(EDGE not in edges(srv), "no runs-as edge before the org rules exist")
    with open(os.path.join(plugins, "org.lua"), "w") as f:
        f.write(RULES)
    t0 = time.time()
    wait_for(lambda: EDGE in edges(srv), timeout=10, what="the org rule's edge")
    took = time.time() - t0
    got = {e for e in edges(srv) if e[1] == "runs-as"}
    # redis names no serviceAccountName (it runs as default implicitly): 3 edges
    check_eq(len(got), 3, "a runs-as edge per shop Deployment naming its account: %r" % sorted(got))
    # a broken edit: rejected with file:line, the old rules (and edges) stay
    with open(os.path.join(plugins, "org.lua"), "w") as f:
        f.write(RULES.replace("type = \"runs-as\",", "type = \"runs-as\" from = 1,"))
    wait_for(lambda: "org.lua:5" in srv.log_text(), timeout=5, what="the error logged with org.lua:5")
    time.sleep(0.5)
    check(EDGE in edges(srv), "the previous rules' edges stay")
    _, _, plugins_doc = http_json("GET", srv.url + "/api/v1/plugins")
    check("org.lua:5" in str(plugins_doc), "the reload error is visible in /api/v1/plugins")
    print("  org rules drew their edges %.2f s after the file appeared" % took)


run()

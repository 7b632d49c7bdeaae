"""test_plugin_cli.py — `kubilitics plugin check|test` as a user runs them.

Exit codes (docs/plugins.md): check 0 valid / 2 invalid; test 0 all specs
passed / 1 a spec failed or the plugin does not load / 2 nothing to run.
Messages name the file and line at fault. `plugin test` runs the real
lua5.4 + busted, so these tests need both (Debian lua5.4, lua-busted,
lua-yaml), as the project's own Lua suite does.
"""
import os
import shutil
import subprocess

from harness import BIN, ROOT, check, check_eq, run, test

TIMEOUT = 120


def kb(*args, cwd=None, env=None):
    e = dict(os.environ)
    e.pop("KUBILITICS_LUA_DIR", None)  # found beside the binary, as a user's would be
    if env:
        e.update(env)
    p = subprocess.run([BIN("kubilitics")] + list(args), cwd=cwd or ROOT, env=e, capture_output=True,
                       timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


GOOD_PLUGIN = """local k = require "kubilitics"
return {
  name = "pinger", version = "0.1.0",
  routes = {
    k.route { method = "GET", path = "/ping", handler = function(req)
      return { body = { pong = req.query.n or "1" } }
    end },
  },
}
"""

GOOD_SPEC = """local testing = require "kubilitics.testing"
describe("pinger", function()
  local plugin = testing.load()
  it("pongs", function()
    assert.equal('{"pong":"3"}', plugin:request("GET", "/ping?n=3").body)
  end)
  it("reads its fixtures", function()
    assert.equal("Pod/shop/web-1", testing.id(testing.fixtures()[1]))
  end)
end)
"""

FIXTURE = """apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop}
"""


def folder_plugin(tmp, name="pinger", init=GOOD_PLUGIN, spec=GOOD_SPEC):
    d = os.path.join(tmp, name)
    write(os.path.join(d, "init.lua"), init)
    if spec is not None:
        write(os.path.join(d, "spec", name + "_spec.lua"), spec)
    write(os.path.join(d, "fixtures", "pods.yaml"), FIXTURE)
    return d


@test
def check_accepts_a_good_plugin(tmp):
    rc, out, err = kb("plugin", "check", "examples/plugins/hello.lua")
    check_eq(rc, 0, "exit code")
    check("ok   hello 1.0.0" in out, "the plugin's summary, got %r" % out)


@test
def check_rejects_a_syntax_error_naming_file_and_line(tmp):
    path = os.path.join(tmp, "broken.lua")
    write(path, 'return {\n  name = "broken",\n  version = "1.0.0"\n  priority = 1,\n}\n')
    rc, out, err = kb("plugin", "check", path)
    check_eq(rc, 2, "exit code")
    check("broken.lua:4:" in out + err, "file:line of the error, got %r" % (out + err))


@test
def check_rejects_a_bad_manifest_naming_the_route_line(tmp):
    path = os.path.join(tmp, "badroute.lua")
    write(path, 'local k = require "kubilitics"\nreturn {\n  name = "badroute", version = "1.0.0",\n'
                '  routes = {\n    k.route { method = "GET", path = "nope", handler = function() end },\n  },\n}\n')
    rc, out, err = kb("plugin", "check", path)
    check_eq(rc, 2, "exit code")
    check("badroute.lua:5: routes[1].path 'nope'" in err, "route line in the message, got %r" % err)


@test
def test_runs_the_team_routes_example(tmp):
    rc, out, err = kb("plugin", "test", "examples/plugins/team-routes")
    check_eq(rc, 0, "exit code (stdout %r, stderr %r)" % (out[-2000:], err[-2000:]))
    check("ok   team-routes 1.0.0" in out, "the check's summary first")
    check(" successes / 0 failures / 0 errors" in out, "busted's summary, got %r" % out[-500:])


@test
def test_passes_a_good_folder_plugin_and_busted_options(tmp):
    d = folder_plugin(tmp)
    rc, out, err = kb("plugin", "test", d, "-o", "TAP")
    check_eq(rc, 0, "exit code (stdout %r, stderr %r)" % (out, err))
    check("ok 1 - pinger pongs" in out and "ok 2 - pinger reads its fixtures" in out, "TAP output, got %r" % out)


@test
def test_runs_from_any_directory(tmp):
    d = folder_plugin(tmp)
    # The library is found beside the executable (up to four levels up) when
    # the build is inside the repository; an out-of-tree build names it.
    env = None if BIN("kubilitics").startswith(ROOT + os.sep) else {"KUBILITICS_LUA_DIR": os.path.join(ROOT, "lua")}
    rc, out, err = kb("plugin", "test", "pinger", cwd=tmp, env=env)
    check_eq(rc, 0, "exit code (stdout %r, stderr %r)" % (out, err))


@test
def test_exits_1_when_a_spec_fails_naming_the_spec_line(tmp):
    spec = GOOD_SPEC.replace('\'{"pong":"3"}\'', '\'{"pong":"4"}\'')
    d = folder_plugin(tmp, spec=spec)
    rc, out, err = kb("plugin", "test", d)
    check_eq(rc, 1, "exit code")
    check("pinger_spec.lua:5" in out, "the failing assertion's file:line, got %r" % out)
    check("1 success / 1 failure" in out, "busted's count, got %r" % out[-300:])
    check("specs failed" in err, "a closing message, got %r" % err)


@test
def test_exits_1_when_a_spec_errors(tmp):
    d = folder_plugin(tmp, spec='describe("x", function() it("y", function() error("boom") end) end)\n')
    rc, out, err = kb("plugin", "test", d)
    check_eq(rc, 1, "exit code")
    check("boom" in out, "the error, got %r" % out)


@test
def test_exits_1_for_a_broken_plugin_naming_file_and_line(tmp):
    d = folder_plugin(tmp, init=GOOD_PLUGIN.replace('version = "0.1.0"', 'version = "v1"'))
    rc, out, err = kb("plugin", "test", d)
    check_eq(rc, 1, "exit code")
    check("init.lua:9: version 'v1' is not a semantic version" in err, "file:line in the message, got %r" % err)
    check("running" not in out, "no specs run for a plugin that does not load")


@test
def test_exits_2_without_specs(tmp):
    d = folder_plugin(tmp, spec=None)
    rc, out, err = kb("plugin", "test", d)
    check_eq(rc, 2, "exit code")
    check("no specs found" in err and "spec/" in err, "where it looked, got %r" % err)


@test
def test_exits_2_for_a_missing_plugin_or_bad_usage(tmp):
    rc, out, err = kb("plugin", "test", os.path.join(tmp, "nothing"))
    check_eq(rc, 2, "exit code for a missing path")
    check("no such plugin" in err, "message, got %r" % err)
    rc, out, err = kb("plugin", "test")
    check_eq(rc, 2, "exit code without a path")
    check("usage: kubilitics plugin check|test" in err, "usage, got %r" % err)
    os.makedirs(os.path.join(tmp, "empty"))
    rc, out, err = kb("plugin", "test", os.path.join(tmp, "empty"))
    check_eq(rc, 2, "exit code for a folder without init.lua")
    check("no init.lua" in err, "message, got %r" % err)


@test
def test_exits_2_when_busted_is_missing(tmp):
    d = folder_plugin(tmp)
    rc, out, err = kb("plugin", "test", d, env={"KUBILITICS_BUSTED": os.path.join(tmp, "no-busted")})
    check_eq(rc, 2, "exit code")
    check("busted not found" in err, "message, got %r" % err)


@test
def test_finds_specs_and_fixtures_of_a_file_plugin(tmp):
    write(os.path.join(tmp, "pinger.lua"), GOOD_PLUGIN)
    write(os.path.join(tmp, "pinger_spec.lua"), GOOD_SPEC)
    write(os.path.join(tmp, "fixtures", "pinger", "pods.yaml"), FIXTURE)
    # another plugin's spec in the same folder is not run
    write(os.path.join(tmp, "other_spec.lua"), 'describe("o", function() it("fails", function() error("x") end) end)\n')
    rc, out, err = kb("plugin", "test", os.path.join(tmp, "pinger.lua"))
    check_eq(rc, 0, "exit code (stdout %r, stderr %r)" % (out, err))
    check("2 successes" in out, "both specs of pinger, got %r" % out[-300:])


@test
def test_reports_a_budget_stop_as_the_server_would(tmp):
    init = GOOD_PLUGIN.replace('return { body = { pong = req.query.n or "1" } }',
                               'while true do end')
    spec = """local testing = require "kubilitics.testing"
describe("loop", function()
  it("is stopped with a 503", function()
    local res = testing.load():request("GET", "/ping")
    assert.equal(503, res.status)
    assert.equal("plugin_budget_exceeded", res.error.code)
    assert.matches("init.lua:6: instruction budget exceeded", res.error.message)
  end)
end)
"""
    d = folder_plugin(tmp, init=init, spec=spec)
    rc, out, err = kb("plugin", "test", d)
    check_eq(rc, 0, "exit code (stdout %r, stderr %r)" % (out, err))


if __name__ == "__main__":
    if not shutil.which("lua5.4") or not os.path.exists("/usr/bin/busted"):
        print("lua5.4 and /usr/bin/busted are needed (apt install lua5.4 lua-busted lua-yaml)")
        print("0 passed, 1 failed")
        raise SystemExit(1)
    run()

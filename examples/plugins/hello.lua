-- hello.lua — the smallest useful plugin: two HTTP routes under
-- /api/v1/plugins/hello/. Edit the message and the running server answers
-- with the new one within a second; break the file and the old one stays.
local k = require "kubilitics"

return {
  name = "hello",
  version = "1.0.0",
  description = "Says hello and echoes request bodies.",
  routes = {
    -- GET /api/v1/plugins/hello/hello → {"from":"anonymous","message":"hello"}
    { method = "GET", path = "/hello", handler = function(req)
      return { status = 200, body = { message = "hello", from = req.user or "anonymous" } }
    end },

    -- POST /api/v1/plugins/hello/echo → the request body, same content type
    { method = "POST", path = "/echo", handler = function(req)
      k.log("debug", "echo of " .. #req.body .. " bytes, request " .. tostring(k.http.request_id()))
      return {
        status = 200,
        headers = { ["Content-Type"] = req.headers["content-type"] or "text/plain; charset=utf-8" },
        body = req.body,
      }
    end },
  },
}

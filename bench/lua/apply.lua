-- POST a multipart application with a 200 KB PDF; every request uses a fresh email address.
-- env: BENCH_PDF (path), BENCH_FIELD_PREFIX (unique per run)
local counter = 0
local threads = {}
local boundary = "----wegotworkbench"
local pdf

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  local file = io.open(os.getenv("BENCH_PDF"), "rb")
  pdf = file:read("*all")
  file:close()
  prefix = os.getenv("BENCH_FIELD_PREFIX") or "run"
end

local function part(name, value)
  return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n" .. value .. "\r\n"
end

function request()
  counter = counter + 1
  local email = prefix .. "-" .. id .. "-" .. counter .. "@bench.example"
  local body = part("name", "Bench Candidate") .. part("email", email)
    .. part("motivation", "I would love to join.")
    .. "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"resume\"; filename=\"cv.pdf\"\r\n"
    .. "Content-Type: application/pdf\r\n\r\n" .. pdf .. "\r\n--" .. boundary .. "--\r\n"
  return wrk.format("POST", nil, {["Content-Type"] = "multipart/form-data; boundary=" .. boundary}, body)
end

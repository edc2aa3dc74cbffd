-- The mixed load: careers page views, job pages, applications with a 200 KB PDF through the
-- public API, and signed-in dashboard reads. Run with one connection per thread (-c N -t N):
-- each thread then sees its responses in the order of its requests, so the application a 201
-- acknowledges is known, and every response is logged as "<unix time> <kind> <status>
-- <retry-after or -> <email or ->" in RES_LOG.<thread>.
--
-- env: RES_PDF, RES_PREFIX (unique per run), RES_LOG, RES_SLUG, RES_JOBS (comma-separated ids),
--      RES_COOKIE, RES_MIX ("careers,job,apply,dashboard" weights, default 80,10,5,5),
--      RES_RATE (requests per second per thread, 0 = as fast as possible),
--      RES_DELAY (milliseconds to wait before each request when pacing)
local threads = {}
local boundary = "----wegotworkresilience"

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local function split(text)
  local out = {}
  for item in string.gmatch(text or "", "[^,]+") do
    table.insert(out, item)
  end
  return out
end

function init(args)
  local file = io.open(os.getenv("RES_PDF"), "rb")
  pdf = file:read("*all")
  file:close()
  prefix = os.getenv("RES_PREFIX") or "run"
  slug = os.getenv("RES_SLUG")
  jobs = split(os.getenv("RES_JOBS"))
  cookie = os.getenv("RES_COOKIE") or ""
  local weights = split(os.getenv("RES_MIX") or "80,10,5,5")
  limits = {}
  local total = 0
  for index, weight in ipairs(weights) do
    total = total + tonumber(weight)
    limits[index] = total
  end
  rate = tonumber(os.getenv("RES_RATE") or "0")
  base_delay = tonumber(os.getenv("RES_DELAY") or "0")
  math.randomseed(id * 7919 + os.time())
  log = io.open(os.getenv("RES_LOG") .. "." .. id, "w")
  log:setvbuf("line")
  counter = 0
  started = os.time()
end

local function part(name, value)
  return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n" .. value .. "\r\n"
end

local kind, email

function request()
  counter = counter + 1
  local pick = math.random(limits[#limits])
  local job = jobs[math.random(#jobs)]
  email = nil
  if pick <= limits[1] then
    kind = "careers"
    return wrk.format("GET", "/careers/" .. slug, {["Accept-Encoding"] = "gzip"})
  elseif pick <= limits[2] then
    kind = "job"
    return wrk.format("GET", "/careers/" .. slug .. "/jobs/" .. job, {["Accept-Encoding"] = "gzip"})
  elseif pick <= limits[3] then
    kind = "apply"
    email = prefix .. "-" .. id .. "-" .. counter .. "@load.example"
    local body = part("name", "Load Candidate") .. part("email", email)
      .. part("motivation", "I would love to join.")
      .. "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"resume\"; filename=\"cv.pdf\"\r\n"
      .. "Content-Type: application/pdf\r\n\r\n" .. pdf .. "\r\n--" .. boundary .. "--\r\n"
    return wrk.format("POST", "/api/v1/public/jobs/" .. job .. "/applications",
      {["Content-Type"] = "multipart/form-data; boundary=" .. boundary}, body)
  else
    kind = "dashboard"
    return wrk.format("GET", "/dashboard/" .. slug .. "/applicants",
      {["Cookie"] = cookie, ["Accept-Encoding"] = "gzip"})
  end
end

function response(status, headers, body)
  local retry = headers["retry-after"] or headers["Retry-After"] or "-"
  log:write(os.time(), " ", kind, " ", status, " ", retry, " ", email or "-", "\n")
end

function delay()
  if rate <= 0 then
    return 0
  end
  -- Against the wall clock (to the second): never ahead of the target rate, and no pause
  -- while more than a second behind it.
  local due = rate * (os.time() - started + 1)
  if counter >= due then
    return math.floor(1000 / rate)
  elseif counter < due - 2 * rate then
    return 0
  end
  return base_delay
end

-- POST the same applicant fields urlencoded, without a file (the floor's bare insert).
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  prefix = os.getenv("BENCH_FIELD_PREFIX") or "run"
end

function request()
  counter = counter + 1
  local email = prefix .. "-" .. id .. "-" .. counter .. "%40bench.example"
  local body = "name=Bench+Candidate&email=" .. email .. "&motivation=I+would+love+to+join."
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

-- POST /api/auth/sign-in/email as JSON with a fixed account (env BENCH_EMAIL, BENCH_PASSWORD).
function init(args)
  body = '{"email":"' .. os.getenv("BENCH_EMAIL") .. '","password":"' .. os.getenv("BENCH_PASSWORD") .. '"}'
end

function request()
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Origin"] = os.getenv("BENCH_ORIGIN")}, body)
end

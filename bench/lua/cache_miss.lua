-- Every request carries a query string never seen before, so the render cache never has it:
-- each response is rendered from the database (the cost of the first view after a change).
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  return wrk.format("GET", wrk.path .. "?ref=" .. id .. "-" .. counter)
end

-- wrk script: posts distinct valid aggregate reports to /api/v1/reports.
-- Every request carries a new report id (thread number plus a counter, shaped as
-- a version 4 UUID), and all reports use the last complete 15-minute bucket.
-- Environment: SMILE_BENCH_TOKEN (station token), SMILE_BENCH_STATION (station id).

local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
end

function init(args)
  token = os.getenv("SMILE_BENCH_TOKEN")
  station = os.getenv("SMILE_BENCH_STATION") or "bench-desk"
  counter = 0
  local now = os.time()
  bucket_start = now - now % 900 - 900
  headers = {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }
end

function request()
  counter = counter + 1
  local report_id = string.format("%08x-0000-4000-8000-%012x", thread_number, counter)
  local body = string.format(
    '{"schema_version":1,"report_id":"%s","station_id":"%s","bucket_start":%d,'
      .. '"bucket_minutes":15,"interactions":3,"interaction_seconds":412.5,'
      .. '"client":{"smiles":4,"smile_seconds":9.25}}',
    report_id, station, bucket_start)
  return wrk.format("POST", "/api/v1/reports", headers, body)
end

local unexpected = 0

function response(status, headers, body)
  if status ~= 201 then
    unexpected = unexpected + 1
    if unexpected <= 3 then
      io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
    end
  end
end

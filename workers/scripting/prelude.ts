/**
 * The Lua side of the scripting engine, run once in each new interpreter
 * (lua-vm.ts): the host-call channel, the `redis` library, `cjson`,
 * `cmsgpack`, `bit` and `struct` (their work is done by the host, see
 * libs.ts), the conversions of values in both directions, and the sandbox
 * Redis 7.0 gives scripts (the same globals, read-only library tables,
 * errors for undeclared globals). Formats:
 *
 * host request (Lua -> JS): op char, argument count, ';', then per argument
 *   `<len>:<bytes>`.
 * value (JS -> Lua, and script results Lua -> JS): `$<len>:<bytes>` string,
 *   `:<num>;` number, `+<len>:` status, `-<len>:` error, `*<n>;` array,
 *   `%<n>;` map, `~<n>;` set, `,<len>:` double, `(<len>:` big number,
 *   `=<len>:` verbatim (format:text), `T`/`F` booleans, `_` nil,
 *   `{<n>;` a generic table of n key/value pairs (cjson, cmsgpack),
 *   `N` cjson.null, `!<len>:` a host error raised in Lua as it is.
 */
export const PRELUDE = String.raw`
local io_write, io_read, io_flush = io.write, io.read, io.flush
-- The host function (lua-vm.ts points this C closure at JavaScript): its
-- arguments are strings, its answers a kind and a payload.
local hostfn = os.getenv
-- The byte channel carries what the host function cannot (bodies to compile, strings with NUL bytes).
io.stdout:setvbuf('full', 65536)
-- Answers come framed (8 ASCII digits of length, then the bytes): with a
-- buffered stdin one host read usually brings both, and no end-of-file is needed.
io.stdin:setvbuf('full', 65536)
local function emit(s)
  io_write(s)
  io_flush()
end
local sbyte, ssub, sfind, sformat, tconcat = string.byte, string.sub, string.find, string.format, table.concat
local type, tostring, tonumber, error, pairs, rawget, rawset, select, setmetatable, getmetatable, xpcall, pcall, loadstring =
      type, tostring, tonumber, error, pairs, rawget, rawset, select, setmetatable, getmetatable, xpcall, pcall, loadstring
local dbg_getinfo, dbg_sethook = debug.getinfo, debug.sethook
local unpack = unpack
local null = newproxy(false)
local huge = math.huge
local floor = math.floor

-- Number <-> string conversions are C's printf/strtod here, slow in WebAssembly:
-- the small integers every message is full of (lengths, counts) come from tables.
local INT_STR, STR_INT = {}, {}
for i = 0, 8191 do local k = tostring(i); INT_STR[i] = k; STR_INT[k] = i; STR_INT[sformat('%08d', i)] = i end
local function istr(n)
  local s = INT_STR[n]
  if s then return s end
  return tostring(n)
end
local function snum(s)
  local n = STR_INT[s]
  if n then return n end
  return tonumber(s)
end
-- %.17g, the exact form of a number (integers from the table).
local function num17(v)
  if v >= 0 and v <= 8191 and v == floor(v) then return INT_STR[v] end
  return sformat('%.17g', v)
end

-- A library error: the error handler gives it the user's position, as luaL_error shows it in Redis.
local function raise(msg)
  error({ liberr = msg }, 0)
end

-- Values from the host.
local parse
parse = function(s, p)
  local t = sbyte(s, p)
  if t == 36 or t == 43 or t == 45 or t == 44 or t == 40 or t == 61 or t == 33 then
    local c = sfind(s, ':', p + 1, true)
    local n = snum(ssub(s, p + 1, c - 1))
    local v = ssub(s, c + 1, c + n)
    local nx = c + n + 1
    if t == 36 then return v, nx
    elseif t == 43 then return { ok = v }, nx
    elseif t == 45 then return { err = v }, nx
    elseif t == 44 then return { double = tonumber(v) }, nx
    elseif t == 40 then return { big_number = v }, nx
    elseif t == 61 then return { verbatim_string = { format = ssub(v, 1, 3), string = ssub(v, 5) } }, nx
    else raise(v) end
  elseif t == 58 then
    local c = sfind(s, ';', p + 1, true)
    return snum(ssub(s, p + 1, c - 1)), c + 1
  elseif t == 42 or t == 37 or t == 126 or t == 123 then
    local c = sfind(s, ';', p + 1, true)
    local n = snum(ssub(s, p + 1, c - 1))
    local tbl, v, k = {}, nil, nil
    p = c + 1
    if t == 42 then
      for i = 1, n do v, p = parse(s, p); tbl[i] = v end
      return tbl, p
    end
    for i = 1, n do
      k, p = parse(s, p)
      if t == 126 then tbl[k] = true else v, p = parse(s, p); tbl[k] = v end
    end
    if t == 37 then return { map = tbl }, p elseif t == 126 then return { set = tbl }, p end
    return tbl, p
  elseif t == 84 then return true, p + 1
  elseif t == 70 then return false, p + 1
  elseif t == 78 then return null, p + 1
  else return nil, p + 1 end
end

-- One host call: op, then the arguments as strings.
-- One answer from the host: its 8-digit length, then its bytes.
local function read_framed()
  local head = io_read(8)
  local len = STR_INT[head] or tonumber(head)
  if len == 0 then return '' end
  return io_read(len)
end

-- A string the host could not push (it holds a NUL): lua-vm.ts pushBytes.
function __readin() return read_framed() end

-- KEYS or ARGV as the host sends them: a 4-byte count, then per string a
-- 4-byte length and its bytes (big-endian): two C calls per string.
local function read_list(s, p)
  local a, b, c, d = sbyte(s, p, p + 3)
  local n = ((a * 256 + b) * 256 + c) * 256 + d
  p = p + 4
  local t = {}
  for i = 1, n do
    a, b, c, d = sbyte(s, p, p + 3)
    local len = ((a * 256 + b) * 256 + c) * 256 + d
    t[i] = ssub(s, p + 4, p + 3 + len)
    p = p + 4 + len
  end
  return t, p
end

-- While a host call runs the busy hook must not make one of its own (a NUL
-- string read through the byte channel runs Lua code inside the call).
local in_host = false
-- SCRIPT KILL was obeyed, or the host aborted the script (an unlocked script
-- reached another shard): the hook then raises at every instruction of user
-- code, so no pcall in the script can swallow it, until 'finish'.
local killing, aborting = false, false
local busy_hook
local function abort_script()
  aborting = true
  killing = true
  dbg_sethook(busy_hook, '', 1)
  error({ err = 'ERR script aborted' })
end
-- One host call; the arguments must be strings. Answers: 'B' a bulk string
-- (the commonest reply, as it is), 'I' an integer, 'S' a status, 'T' any
-- value in the tagged format.
local function host(op, ...)
  in_host = true
  local k, v = hostfn(op, ...)
  in_host = false
  if k == 'B' then return v end
  if k == 'I' then return snum(v) end
  if k == 'S' then return { ok = v } end
  return (parse(v, 1))
end

-- The arguments with numbers as %.17g strings, as Redis converts them for redis.call.
local function strs(...)
  local n = select('#', ...)
  local t = { ... }
  for i = 1, n do if type(t[i]) == 'number' then t[i] = num17(t[i]) end end
  return unpack(t, 1, n)
end
-- Script results and generic values to the host.
local encode_reply
encode_reply = function(v, out, depth)
  local t = type(v)
  if t == 'string' then out[#out + 1] = '$' .. istr(#v) .. ':' .. v
  elseif t == 'number' then out[#out + 1] = ':' .. num17(v) .. ';'
  elseif t == 'boolean' then out[#out + 1] = v and 'T' or 'F'
  elseif t == 'table' then
    if depth > 100 then local m = 'ERR reached lua stack limit'; out[#out + 1] = '-' .. #m .. ':' .. m; return end
    local e = rawget(v, 'err')
    if type(e) == 'string' then out[#out + 1] = '-' .. istr(#e) .. ':' .. e; return end
    local ok = rawget(v, 'ok')
    if type(ok) == 'string' then out[#out + 1] = '+' .. istr(#ok) .. ':' .. ok; return end
    local d = rawget(v, 'double')
    if type(d) == 'number' then local s = sformat('%.17g', d); out[#out + 1] = ',' .. istr(#s) .. ':' .. s; return end
    local b = rawget(v, 'big_number')
    if type(b) == 'string' then out[#out + 1] = '(' .. istr(#b) .. ':' .. b; return end
    local m = rawget(v, 'map')
    if type(m) == 'table' then
      local at = #out + 1; out[at] = ''
      local n = 0
      for k, x in pairs(m) do n = n + 1; encode_reply(k, out, depth + 1); encode_reply(x, out, depth + 1) end
      out[at] = '%' .. n .. ';'
      return
    end
    local st = rawget(v, 'set')
    if type(st) == 'table' then
      local at = #out + 1; out[at] = ''
      local n = 0
      for k in pairs(st) do n = n + 1; encode_reply(k, out, depth + 1) end
      out[at] = '~' .. n .. ';'
      return
    end
    local vs = rawget(v, 'verbatim_string')
    if type(vs) == 'table' and type(rawget(vs, 'format')) == 'string' and type(rawget(vs, 'string')) == 'string' then
      local s = rawget(vs, 'format') .. ':' .. rawget(vs, 'string')
      out[#out + 1] = '=' .. istr(#s) .. ':' .. s
      return
    end
    local at = #out + 1; out[at] = ''
    local n = 0
    while true do
      local x = rawget(v, n + 1)
      if x == nil then break end
      n = n + 1
      encode_reply(x, out, depth + 1)
    end
    out[at] = '*' .. n .. ';'
  else out[#out + 1] = '_' end
end

-- Any value, tables with all their pairs (cjson.encode, cmsgpack.pack).
local encode_any
encode_any = function(v, out, depth)
  local t = type(v)
  if t == 'string' then out[#out + 1] = '$' .. istr(#v) .. ':' .. v
  elseif t == 'number' then out[#out + 1] = ':' .. num17(v) .. ';'
  elseif t == 'boolean' then out[#out + 1] = v and 'T' or 'F'
  elseif v == null then out[#out + 1] = 'N'
  elseif t == 'table' then
    if depth > 1000 then error('Cannot serialise, excessive nesting (1001)', 0) end
    local at = #out + 1; out[at] = ''
    local n = 0
    for k, x in pairs(v) do n = n + 1; encode_any(k, out, depth + 1); encode_any(x, out, depth + 1) end
    out[at] = '{' .. n .. ';'
  elseif t == 'nil' then out[#out + 1] = '_'
  else out[#out + 1] = '?' .. #t .. ':' .. t end
end

local function pack_values(...)
  local out = {}
  for i = 1, select('#', ...) do encode_any((select(i, ...)), out, 0) end
  return tconcat(out)
end

-- The redis library.
-- Why a redis.call's arguments are refused, or nil (numbers are sent as %.17g by host).
local function bad_args(...)
  local n = select('#', ...)
  if n == 0 then return 'Please specify at least one argument for this redis lib call' end
  for i = 1, n do
    local t = type((select(i, ...)))
    if t ~= 'string' and t ~= 'number' then return 'Lua redis lib command arguments must be strings or integers' end
  end
  return nil
end

local function push_error(msg)
  -- As Redis's luaPushErrorBuff: '-CODE msg' keeps its code, anything else gets ERR.
  local code, text
  if ssub(msg, 1, 1) == '-' then
    local sp = sfind(msg, ' ', 1, true)
    if sp then code, text = ssub(msg, 2, sp - 1), ssub(msg, sp + 1) else code, text = 'ERR', ssub(msg, 2) end
  else code, text = 'ERR', msg end
  text = string.gsub(text, '[\r\n]+$', '')
  return { err = code .. ' ' .. text }
end

local redis = {}
-- A redis.call answer as Lua values (an error reply raises when 'raise').
local function call_reply(k, v, raise)
  if k == 'B' then return v end
  if k == 'A' then abort_script() end
  if k == 'I' then return snum(v) end
  if k == 'S' then return { ok = v } end
  local r = parse(v, 1)
  -- Only an error reply parses to a table with 'err' at the top.
  if raise and type(r) == 'table' and rawget(r, 'err') ~= nil then error(r) end
  return r
end
-- The host answers '?' when an argument is not a string (or there is none):
-- then the arguments are checked and numbers converted here, and it is asked again.
redis.call = function(...)
  in_host = true
  local k, v = hostfn('C', ...)
  in_host = false
  if k == 'B' then return v end
  if k == '?' then
    local e = bad_args(...)
    if e then error(push_error(e)) end
    in_host = true
    k, v = hostfn('C', strs(...))
    in_host = false
  end
  return call_reply(k, v, true)
end
redis.pcall = function(...)
  in_host = true
  local k, v = hostfn('P', ...)
  in_host = false
  if k == '?' then
    local e = bad_args(...)
    if e then return push_error(e) end
    in_host = true
    k, v = hostfn('P', strs(...))
    in_host = false
  end
  return call_reply(k, v, false)
end
redis.error_reply = function(msg)
  if type(msg) ~= 'string' then error('wrong number or type of arguments', 2) end
  if ssub(msg, 1, 1) ~= '-' then msg = '-' .. msg end
  return push_error(msg)
end
redis.status_reply = function(msg)
  if type(msg) ~= 'string' then error('wrong number or type of arguments', 2) end
  return { ok = msg }
end
redis.sha1hex = function(s)
  if type(s) == 'number' then s = tostring(s) end
  if type(s) ~= 'string' then error('wrong number of arguments', 2) end
  return host('S', s)
end
redis.log = function(level, ...)
  local n = select('#', ...)
  if n < 1 then error(push_error('redis.log() requires two arguments or more.')) end
  if type(level) ~= 'number' then error(push_error('First argument must be a number (log level).')) end
  local parts = {}
  for i = 1, n do
    local a = (select(i, ...))
    if type(a) == 'string' or type(a) == 'number' then parts[#parts + 1] = tostring(a) end
  end
  host('L', tostring(level), tconcat(parts, ' '))
end
redis.setresp = function(v)
  if v ~= 2 and v ~= 3 then error(push_error('RESP version must be 2 or 3.')) end
  host('R', tostring(v))
end
redis.set_repl = function(v)
  if type(v) ~= 'number' then error(push_error('redis.set_repl() requires one argument.')) end
  if v < 0 or v > 3 then error(push_error('Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.')) end
end
redis.replicate_commands = function() return true end
redis.breakpoint = function() return false end
redis.debug = function() end
redis.acl_check_cmd = function(...)
  local e = bad_args(...)
  if e then error(push_error(e)) end
  local r = host('A', strs(...))
  if type(r) == 'table' and rawget(r, 'err') ~= nil then error(r) end
  return r
end
redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3
redis.REDIS_VERSION = '7.0.15'
redis.REDIS_VERSION_NUM = 458767

-- Libraries whose work the host does (libs.ts).
local function hostlib(prefix)
  return function(name)
    return function(...) return host('X', prefix .. name, pack_values(...)) end
  end
end
local cj = hostlib('cjson.')
local cjson = { encode = cj('encode'), decode = cj('decode'), null = null, _NAME = 'cjson', _VERSION = '2.1.0',
  encode_keep_buffer = cj('encode_keep_buffer'), encode_max_depth = cj('encode_max_depth'), decode_max_depth = cj('decode_max_depth'),
  encode_number_precision = cj('encode_number_precision'), encode_sparse_array = cj('encode_sparse_array'),
  encode_invalid_numbers = cj('encode_invalid_numbers'), decode_invalid_numbers = cj('decode_invalid_numbers') }
cjson.new = function() return cjson end
local function multi(name)
  -- The host answers an array; the Lua function returns its elements.
  return function(...)
    local r = host('X', name, pack_values(...))
    return unpack(r, 2, r[1] + 1)
  end
end
local cmsgpack = { pack = function(...) return host('X', 'cmsgpack.pack', pack_values(...)) end,
  unpack = multi('cmsgpack.unpack'), unpack_one = multi('cmsgpack.unpack_one'), unpack_limit = multi('cmsgpack.unpack_limit'),
  _NAME = 'cmsgpack', _VERSION = 'lua-cmsgpack 0.4.0', _COPYRIGHT = 'Copyright (C) 2012, Salvatore Sanfilippo',
  _DESCRIPTION = 'MessagePack C implementation for Lua' }
local struct = { pack = function(...) return host('X', 'struct.pack', pack_values(...)) end,
  unpack = multi('struct.unpack'), size = function(...) return host('X', 'struct.size', pack_values(...)) end }

-- bit: 32-bit operations, done here (no host call for arithmetic).
local function tobit(x)
  x = x % 4294967296
  if x >= 2147483648 then x = x - 4294967296 end
  return x
end
local function checknum(x, i)
  if type(x) ~= 'number' then x = tonumber(x); if x == nil then error('bad argument #' .. i .. ' (number expected)', 3) end end
  -- Lua BitOp normalizes through a double add, truncating fractions toward the nearest integer.
  local f = math.floor(x)
  if x - f >= 0.5 then if x - f > 0.5 or f % 2 == 1 then f = f + 1 end end
  return f % 4294967296
end
local function bitop(fn)
  return function(a, ...)
    local r = checknum(a, 1)
    for i = 1, select('#', ...) do r = fn(r, checknum((select(i, ...)), i + 1)) end
    return tobit(r)
  end
end
local function and2(a, b)
  local r, m = 0, 1
  for _ = 1, 32 do
    local x, y = a % 2, b % 2
    if x == 1 and y == 1 then r = r + m end
    a, b, m = (a - x) / 2, (b - y) / 2, m * 2
  end
  return r
end
local function or2(a, b)
  local r, m = 0, 1
  for _ = 1, 32 do
    local x, y = a % 2, b % 2
    if x == 1 or y == 1 then r = r + m end
    a, b, m = (a - x) / 2, (b - y) / 2, m * 2
  end
  return r
end
local function xor2(a, b)
  local r, m = 0, 1
  for _ = 1, 32 do
    local x, y = a % 2, b % 2
    if x ~= y then r = r + m end
    a, b, m = (a - x) / 2, (b - y) / 2, m * 2
  end
  return r
end
local bit = {
  tobit = function(x) return tobit(checknum(x, 1)) end,
  bnot = function(x) return tobit(4294967295 - checknum(x, 1)) end,
  band = bitop(and2), bor = bitop(or2), bxor = bitop(xor2),
  lshift = function(x, n) n = checknum(n, 2) % 32; return tobit(checknum(x, 1) * 2 ^ n) end,
  rshift = function(x, n) n = checknum(n, 2) % 32; return tobit(math.floor(checknum(x, 1) / 2 ^ n)) end,
  arshift = function(x, n) n = checknum(n, 2) % 32; return tobit(math.floor(tobit(checknum(x, 1)) / 2 ^ n)) end,
  rol = function(x, n) x = checknum(x, 1); n = checknum(n, 2) % 32; local hi = x * 2 ^ n; return tobit(hi % 4294967296 + math.floor(hi / 4294967296)) end,
  ror = function(x, n) x = checknum(x, 1); n = (32 - checknum(n, 2) % 32) % 32; local hi = x * 2 ^ n; return tobit(hi % 4294967296 + math.floor(hi / 4294967296)) end,
  bswap = function(x) x = checknum(x, 1); local b0, b1, b2, b3 = x % 256, math.floor(x / 256) % 256, math.floor(x / 65536) % 256, math.floor(x / 16777216); return tobit(((b0 * 256 + b1) * 256 + b2) * 256 + b3) end,
  tohex = function(x, n)
    x = checknum(x, 1)
    n = n == nil and 8 or checknum(n, 2)
    if n >= 2147483648 then n = n - 4294967296 end
    local digits = '0123456789abcdef'
    if n < 0 then n = -n; digits = '0123456789ABCDEF' end
    if n > 8 then n = 8 end
    local s = ''
    for _ = 1, n do local d = x % 16; s = ssub(digits, d + 1, d + 1) .. s; x = (x - d) / 16 end
    return s
  end,
}

-- Library functions that may raise are handed to scripts as C functions
-- (coroutine.wrap's), so 'return cjson.decode(...)' is no tail call and errors
-- keep the user's line, as with Redis's C functions. ('return redis.call(...)'
-- is rewritten instead, untail.ts: it is the hot path.) A wrapper whose function raised is dead; the table
-- hands out a fresh one (the getter below).
local pack = function(...) return { n = select('#', ...), ... } end
local function cfunc(f)
  local live, dead
  local function make()
    dead = false
    live = coroutine.wrap(function(...)
      local args = pack(...)
      while true do
        local res = pack(pcall(f, unpack(args, 1, args.n)))
        if not res[1] then dead = true; error(res[2], 0) end
        args = pack(coroutine.yield(unpack(res, 2, res.n)))
      end
    end)
  end
  make()
  return function()
    if dead then make() end
    return live
  end
end

-- Read-only tables: a proxy whose writes fail, as Redis 7.0's lua_enablereadonlytable.
local function readonly(t, wrapped)
  if wrapped == nil then
    -- Reads go straight to the table (no Lua call per lookup: redis.call is the hot path).
    return setmetatable({}, { __index = t, __newindex = function() error('Attempt to modify a readonly table', 2) end, __metatable = false })
  end
  local getters = {}
  for _, k in ipairs(wrapped) do getters[k] = cfunc(t[k]) end
  return setmetatable({}, {
    __index = function(_, k)
      local g = getters[k]
      if g then return g() end
      return t[k]
    end,
    __newindex = function() error('Attempt to modify a readonly table', 2) end, __metatable = false })
end

-- The error handler: every error becomes {err=..., source=..., line=...} pointing at the user's code.
local function err_handler(e)
  if type(e) ~= 'table' then e = { err = 'ERR ' .. tostring(e) } end
  local level = 2
  while true do
    local i = dbg_getinfo(level, 'Sl')
    if not i then break end
    if i.what ~= 'C' and i.what ~= 'tail' and i.source ~= '=prelude' then
      rawset(e, 'source', i.source)
      rawset(e, 'line', i.currentline)
      break
    end
    level = level + 1
  end
  local lib = rawget(e, 'liberr')
  if lib then
    local where = ''
    if rawget(e, 'source') then where = ssub(rawget(e, 'source'), 2) .. ':' .. rawget(e, 'line') .. ': ' end
    rawset(e, 'err', 'ERR ' .. where .. lib)
  end
  return e
end

-- Scripts by sha, and the busy-script hook.
local scripts = {}
local script_env, function_env
local hook_every = 100000
local err_handler_ref
-- Whether the user's script is running (not the error handler, not the code after it).
local function in_user_code()
  local level = 3
  local seen = false
  while true do
    local i = dbg_getinfo(level, 'Sf')
    if not i then return seen end
    if i.func == err_handler_ref then return false end
    if i.source == '@user_script' or i.source == '@user_function' then seen = true end
    level = level + 1
  end
end
busy_hook = function()
  if in_host then return end
  if aborting then
    if in_user_code() then error({ err = 'ERR script aborted' }) end
    return
  end
  local r = host('H')
  if r == 'kill' and in_user_code() then
    killing = true
    -- Again at every instruction, so a pcall in the script cannot swallow it.
    dbg_sethook(busy_hook, '', 1)
    error({ err = 'ERR Script killed by user with SCRIPT KILL...' })
  end
end

local G = _G
-- Compiled scripts by the host's short id (a short string hashes faster than the sha), and their shas.
local script_sha = {}
local function compile(id, sha, body)
  if sbyte(body, 1) == 27 then return nil, 'user_script: bad binary format (precompiled chunk)' end
  local f, e = loadstring(body, '@user_script')
  if not f then return nil, e end
  setfenv(f, script_env)
  scripts[id] = f
  script_sha[id] = sha
  return f
end

function __compile(sha, id)
  local body = read_framed()
  local f, e = compile(id, sha, body)
  if f then emit('K') else emit('E' .. e) end
end

function __forget(id)
  if id == '*' then scripts, script_sha = {}, {} else scripts[id], script_sha[id] = nil, nil end
end

err_handler_ref = err_handler

-- The script's result, returned to the host (lua-vm.ts run): 'b' and a string,
-- 'n' and a number (%.17g), 'o' and any value (tagged format), 'e' and an error.
local function finish(name, ok, r)
  if killing then
    killing, aborting = false, false
    dbg_sethook(busy_hook, '', hook_every)
  end
  if ok then
    local t = type(r)
    if t == 'string' then return 'b', r end
    if t == 'number' then return 'n', num17(r) end
    local out = {}
    encode_reply(r, out, 0)
    return 'o', tconcat(out)
  else
    local src, line = rawget(r, 'source'), rawget(r, 'line')
    local e = rawget(r, 'err')
    if type(e) ~= 'string' then e = 'ERR ' .. tostring(e) end
    if src and line then e = e .. ' script: ' .. name .. ', on ' .. src .. ':' .. line .. '.' end
    return 'e', e
  end
end

-- KEYS and ARGV from the host: n strings, the first nk of them keys. Up to a
-- dozen without NUL come as arguments (no parsing), others through the byte channel.
local function keys_argv(nk, n, ...)
  nk, n = snum(nk), snum(n)
  local all
  if select('#', ...) == n then
    -- The common shapes without a second pass.
    if nk == 1 then return { (...) }, { select(2, ...) } end
    if nk == 0 then return {}, { ... } end
    all = { ... }
  else all = (read_list(read_framed(), 1)) end
  if nk == 0 then return {}, all end
  if nk == n then return all, {} end
  local argv = { unpack(all, nk + 1, n) }
  for i = n, nk + 1, -1 do all[i] = nil end
  return all, argv
end

-- INFO's used_memory_lua: Lua's own count in whole KB, times 1024, as Redis reports it.
function __memory() return 'n', tostring(floor(collectgarbage('count')) * 1024) end

function __run(id, nk, n, ...)
  local keys, argv = keys_argv(nk, n, ...)
  -- base has no __newindex: plain stores.
  G.KEYS = keys
  G.ARGV = argv
  return finish(script_sha[id], xpcall(scripts[id], err_handler))
end

-- Functions: libraries by name, each its functions by name.
local libs = {}
local pending
local loading = false
local VALID_FLAGS = { ['no-writes'] = true, ['allow-oom'] = true, ['allow-stale'] = true, ['no-cluster'] = true, ['allow-cross-slot-keys'] = true }
local function reg_error(msg) error({ err = 'ERR ' .. msg }) end
local function register_function(...)
  local n = select('#', ...)
  local name, fn, flags, desc
  local positional = false
  if n == 1 and type((...)) == 'table' then
    for k, v in pairs((...)) do
      if k == 'function_name' then name = v elseif k == 'callback' then fn = v
      elseif k == 'flags' then flags = v elseif k == 'description' then desc = v
      else reg_error('unknown argument given to redis.register_function') end
    end
    if name == nil then reg_error('redis.register_function must get a function name argument') end
    if fn == nil then reg_error('redis.register_function must get a callback argument') end
  elseif n == 2 then
    name, fn = ...
    positional = true
  else
    reg_error('wrong number of arguments to redis.register_function')
  end
  -- A number is a string to Redis's reading of the name (lua_isstring).
  if type(name) == 'number' then name = tostring(name) end
  if type(name) ~= 'string' then
    reg_error(positional and 'first argument to redis.register_function must be a string' or 'function_name argument given to redis.register_function must be a string')
  end
  if type(fn) ~= 'function' then
    reg_error(positional and 'second argument to redis.register_function must be a function' or 'callback argument given to redis.register_function must be a function')
  end
  -- Redis 7.0.15 checks function names with its library-name check, and says so (after reading the arguments).
  if not sfind(name, '^[%w_]+$') then reg_error('Library names can only contain letters, numbers, or underscores(_) and must be at least one character long') end
  if flags ~= nil and type(flags) ~= 'table' then reg_error('flags argument to redis.register_function must be a table representing function flags') end
  if desc ~= nil and type(desc) ~= 'string' then reg_error('description argument given to redis.register_function must be a string') end
  local fl = {}
  for _, f in ipairs(flags or {}) do
    if type(f) ~= 'string' or not VALID_FLAGS[f] then reg_error('unknown flag given') end
    fl[#fl + 1] = f
  end
  pending[#pending + 1] = { name = name, fn = fn, flags = fl, desc = desc }
end

function __load(libname)
  local code = read_framed()
  local f, e = loadstring(code, '@user_function')
  if not f then emit('E' .. 'Error compiling function: ' .. e); return end
  setfenv(f, function_env)
  pending = {}
  loading = true
  local ok, r = pcall(f)
  loading = false
  if not ok then
    local msg = type(r) == 'table' and rawget(r, 'err') or ('ERR ' .. tostring(r))
    pending = nil
    emit('E' .. 'Error registering functions: ' .. tostring(msg))
    return
  end
  local out = {}
  for _, p in ipairs(pending) do
    local d = p.desc
    out[#out + 1] = #p.name .. ':' .. p.name .. #tconcat(p.flags, ',') .. ':' .. tconcat(p.flags, ',') .. (d and (#d .. ':' .. d) or '-')
  end
  emit('K' .. tconcat(out))
end

function __commit(libname)
  local fns = {}
  for _, p in ipairs(pending) do fns[p.name] = p.fn end
  libs[libname] = fns
  pending = nil
end

function __drop(libname)
  if libname == '*' then libs = {} else libs[libname] = nil end
end

function __fcall(target, nk, n, ...)
  local dot = sfind(target, '.', 1, true)
  local lib, name = ssub(target, 1, dot - 1), ssub(target, dot + 1)
  local keys, argv = keys_argv(nk, n, ...)
  local f = libs[lib][name]
  return finish(name, xpcall(function() return f(keys, argv) end, err_handler))
end

-- The sandbox: Redis 7.0's globals, nothing else; library tables read-only; no new globals.
local allowed = {
  _G = true, _VERSION = true, assert = true, collectgarbage = true, coroutine = true, error = true, gcinfo = true,
  getmetatable = true, ipairs = true, load = true, loadstring = true, math = true, next = true, pairs = true, pcall = true,
  rawequal = true, rawget = true, rawset = true, select = true, setmetatable = true, string = true,
  table = true, tonumber = true, tostring = true, type = true, unpack = true, xpcall = true,
}
local user_loadstring = function(s, name)
  if type(s) == 'string' and sbyte(s, 1) == 27 then return nil, 'bad binary format' end
  local f, e = loadstring(s, name)
  if f then setfenv(f, script_env) end
  return f, e
end
local base = {}
for k, v in pairs(G) do if allowed[k] then base[k] = v end end
base.loadstring = user_loadstring
-- Redis's pcall hands back an error table's 'err' text rather than the table.
base.pcall = function(f, ...)
  local r = pack(pcall(f, ...))
  if not r[1] and type(r[2]) == 'table' then
    local m = rawget(r[2], 'err') or rawget(r[2], 'liberr')
    if type(m) == 'string' then r[2] = m end
  end
  return unpack(r, 1, r.n)
end
base.load = function(fn, name)
  local f, e = load(fn, name)
  if f then setfenv(f, script_env) end
  return f, e
end
base.string = readonly(string)
base.table = readonly(table)
base.math = readonly(math)
base.coroutine = readonly(coroutine)
base.redis = readonly(redis)
base.cjson = readonly(cjson, { 'encode', 'decode' })
base.cmsgpack = readonly(cmsgpack, { 'pack', 'unpack', 'unpack_one', 'unpack_limit' })
base.struct = readonly(struct, { 'pack', 'unpack', 'size' })
base.bit = readonly(bit)
base.__redis__err__handler = err_handler
-- A global the sandbox has is found in base without a Lua call; a missing one raises from base's own __index.
setmetatable(base, { __index = function(_, k)
  if k ~= 'KEYS' and k ~= 'ARGV' then
    error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
  end
  return nil
end })
script_env = setmetatable({}, {
  __index = base,
  __newindex = function() error('Attempt to modify a readonly table', 2) end,
  __metatable = false,
})
base._G = script_env
G = base

-- While a library loads, its 'redis' has only what registering needs (Redis 7.0).
local load_redis_t = { register_function = register_function, log = redis.log, setresp = redis.setresp,
  REDIS_VERSION = redis.REDIS_VERSION, REDIS_VERSION_NUM = redis.REDIS_VERSION_NUM,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3 }
local load_redis = setmetatable({}, {
  __index = function(_, k)
    local v = load_redis_t[k]
    if v == nil then error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2) end
    return v
  end,
  __newindex = function() error('Attempt to modify a readonly table', 2) end, __metatable = false })
function_env = setmetatable({}, {
  __index = function(_, k)
    if k == 'redis' and loading then return load_redis end
    local v = rawget(base, k)
    if v == nil or k == 'KEYS' or k == 'ARGV' then
      error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
    end
    return v
  end,
  __newindex = function() error('Attempt to modify a readonly table', 2) end,
  __metatable = false,
})

-- The busy-script hook stays set: every 100,000 instructions it asks the host whether SCRIPT KILL was sent.
dbg_sethook(busy_hook, '', hook_every)
`;

-- Wireshark / tshark dissector for the udpchat protocol, version 1 (docs/PROTOCOL.md).
--
-- Registered on UDP port 7070 and as a heuristic UDP dissector (a datagram whose first
-- word is a udpchat verb), so peer-to-peer traffic on random ports is decoded too.
-- Load it with:  wireshark -X lua_script:contrib/wireshark/udpchat.lua  capture.pcap
--           or:  tshark -X lua_script:contrib/wireshark/udpchat.lua -r capture.pcap -Y 'udpchat.verb == "MSG"'
-- or copy it into your personal Lua plugins folder (Help → About → Folders).

local udpchat = Proto("udpchat", "udpchat UDP chat protocol")

local f = udpchat.fields
f.verb = ProtoField.string("udpchat.verb", "Verb")
f.id   = ProtoField.uint32("udpchat.id", "Client id", base.DEC)
f.conn = ProtoField.uint32("udpchat.conn", "Connection token", base.DEC)
f.seq  = ProtoField.uint32("udpchat.seq", "Sequence number", base.DEC)
f.port = ProtoField.uint16("udpchat.port", "Port", base.DEC)
f.host = ProtoField.string("udpchat.host", "Host")
f.text = ProtoField.string("udpchat.text", "Text")
f.code = ProtoField.string("udpchat.code", "Error code")
f.malformed = ProtoField.string("udpchat.malformed", "Malformed")

local e_malformed = ProtoExpert.new("udpchat.malformed.expert", "Malformed udpchat datagram",
                                    expert.group.MALFORMED, expert.severity.ERROR)
local e_newline = ProtoExpert.new("udpchat.newline", "Trailing newline (accepted, but senders must not add it)",
                                  expert.group.PROTOCOL, expert.severity.NOTE)
udpchat.experts = { e_malformed, e_newline }

-- verb -> field names after the verb (MSG's last field is the rest of the datagram)
local layouts = {
  REGISTER = { "id", "port" },   REGISTERED = { "id", "port" },
  LOOKUP = { "id" },             PEER = { "id", "host", "port" },
  INACTIVE = { "id" },           LEAVE = { "id" },            LEFT = { "id" },
  ERROR = { "code", "id" },
  CONNECT = { "conn", "id" },    ACCEPT = { "conn", "id" },   REJECT = { "conn", "id" },
  MSG = { "conn", "id", "seq", "text" },
  ACK = { "conn", "id", "seq" },
  TERMINATE = { "conn", "id" },  TERMINATED = { "conn", "id" },
}
local maxima = { id = 2147483647, seq = 2147483647, conn = 4294967295, port = 65535 }
local codes = { ID_IN_USE = true, ADDRESS_IN_USE = true, NOT_OWNER = true, NOT_REGISTERED = true }

local function valid_number(text, max)
  if not text:match("^[1-9][0-9]*$") or #text > 10 then return nil end
  local value = tonumber(text)
  if value > max then return nil end
  return value
end

local function valid_host(text)
  if text:find(":") then return text:match("^[0-9A-Fa-f:.]+$") ~= nil end
  local a, b, c, d = text:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  if not a then return false end
  for _, part in ipairs({ a, b, c, d }) do
    if (#part > 1 and part:sub(1, 1) == "0") or tonumber(part) > 255 then return false end
  end
  return true
end

local function first_word(tvb)
  local n = math.min(tvb:len(), 12)
  if n == 0 then return nil end
  local head = tvb:range(0, n):string()
  return head:match("^([A-Z]+)")
end

local function dissect(tvb, pinfo, tree)
  local length = tvb:len()
  pinfo.cols.protocol = "UDPCHAT"
  local subtree = tree:add(udpchat, tvb(), "udpchat")
  local function malformed(reason)
    subtree:add(f.malformed, tvb(), reason)
    subtree:add_proto_expert_info(e_malformed, reason)
    pinfo.cols.info = "Malformed: " .. reason
  end
  if length > 1200 then return malformed("datagram of " .. length .. " bytes is over 1200") end
  local body_len = length
  if body_len > 0 and tvb(body_len - 1, 1):uint() == 0x0A then
    body_len = body_len - 1
    if body_len > 0 and tvb(body_len - 1, 1):uint() == 0x0D then body_len = body_len - 1 end
    subtree:add_proto_expert_info(e_newline)
  end
  if body_len == 0 then return malformed("empty datagram") end
  local body = tvb(0, body_len):string()

  -- split on single spaces, remembering offsets
  local fields, offsets = {}, {}
  local start = 1
  while true do
    local space = body:find(" ", start, true)
    if not space then
      fields[#fields + 1] = body:sub(start); offsets[#offsets + 1] = start - 1
      break
    end
    fields[#fields + 1] = body:sub(start, space - 1); offsets[#offsets + 1] = start - 1
    start = space + 1
  end
  local verb = fields[1]
  subtree:add(f.verb, tvb(0, #verb), verb)
  local layout = layouts[verb]
  if not layout then return malformed("unknown verb '" .. verb:sub(1, 40) .. "'") end
  local expected = #layout + 1
  if verb == "MSG" then
    if #fields < expected then return malformed("MSG needs 5 fields, got " .. #fields) end
  elseif #fields ~= expected then
    return malformed(verb .. " needs " .. expected .. " fields, got " .. #fields)
  end
  local info = { verb }
  for i, name in ipairs(layout) do
    local offset = offsets[i + 1]
    local text = fields[i + 1]
    local size = #text
    if name == "text" then
      size = body_len - offset
      text = body:sub(offset + 1)
    end
    local range = tvb(offset, size)
    if maxima[name] then
      local value = valid_number(text, maxima[name])
      if not value then return malformed("<" .. name .. "> '" .. text:sub(1, 40) .. "' is not a number in range") end
      subtree:add(f[name], range, value)
      info[#info + 1] = name .. "=" .. text
    elseif name == "host" then
      if not valid_host(text) then return malformed("<host> '" .. text:sub(1, 60) .. "' is not an IP literal") end
      subtree:add(f.host, range, text)
      info[#info + 1] = "host=" .. text
    elseif name == "code" then
      if not codes[text] then return malformed("unknown error code '" .. text:sub(1, 40) .. "'") end
      subtree:add(f.code, range, text)
      info[#info + 1] = text
    elseif name == "text" then
      if size < 1 or size > 1000 then return malformed("text of " .. size .. " bytes (must be 1 to 1000)") end
      if text:find("[\0\r\n]") then return malformed("forbidden byte in <text>") end
      subtree:add(f.text, range, text)
      info[#info + 1] = '"' .. text:sub(1, 40) .. '"'
    end
  end
  pinfo.cols.info = table.concat(info, " ")
end

function udpchat.dissector(tvb, pinfo, tree)
  dissect(tvb, pinfo, tree)
  return tvb:len()
end

-- Heuristic: the datagram starts with a udpchat verb followed by a space (or ends there).
local function heuristic(tvb, pinfo, tree)
  local word = first_word(tvb)
  if not word or not layouts[word] then return false end
  local after = tvb:len() > #word and tvb(#word, 1):uint() or 0x20
  if after ~= 0x20 and after ~= 0x0A and after ~= 0x0D then return false end
  dissect(tvb, pinfo, tree)
  return true
end

DissectorTable.get("udp.port"):add(7070, udpchat)
udpchat:register_heuristic("udp", heuristic)

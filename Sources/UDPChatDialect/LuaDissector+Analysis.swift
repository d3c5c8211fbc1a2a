// The part of every generated Wireshark dissector that shows `udpchat decode`'s analysis:
// re-sends and duplicates as expert info, answers linked to their requests. The dissector does
// not work these out itself: it reads the file `udpchat decode --wireshark FILE` writes
// (`WiresharkAnalysis` in UDPChatCapture), so Wireshark shows exactly what `decode` says, in
// every dialect (docs/CAPTURE.md, "Re-sends, duplicates and answers in Wireshark").

extension LuaDissector {
    static let analysisRuntime = #"""

        -- decode's analysis (udpchat decode CAPTURE --wireshark FILE): set the preference
        -- udpchat.analysis (tshark -o udpchat.analysis:FILE) or the environment's UDPCHAT_ANALYSIS.
        udpchat.prefs.analysis = Pref.string("Analysis file", "",
          "A file written by `udpchat decode CAPTURE --wireshark FILE` for this capture: re-sends, duplicates, request/response links")
        f.resend    = ProtoField.uint32("udpchat.resend", "Re-send of an earlier datagram (copy)", base.DEC)
        f.duplicate = ProtoField.uint32("udpchat.duplicate", "Duplicate of an earlier datagram (copy)", base.DEC)
        f.request_in  = ProtoField.framenum("udpchat.request_in", "Answers the request in frame", base.NONE, frametype and frametype.REQUEST)
        f.response_in = ProtoField.framenum("udpchat.response_in", "Answered in frame", base.NONE, frametype and frametype.RESPONSE)
        local e_resend = ProtoExpert.new("udpchat.resend.expert", "Re-send (retransmission after no answer)",
                                         expert.group.SEQUENCE, expert.severity.NOTE)
        local e_duplicate = ProtoExpert.new("udpchat.duplicate.expert", "Duplicate (the same datagram again at once)",
                                            expert.group.SEQUENCE, expert.severity.WARN)
        local e_midsession = ProtoExpert.new("udpchat.midsession", "The capture starts in the middle of a session",
                                             expert.group.SEQUENCE, expert.severity.WARN)

        local analysis_path, analysis = nil, nil
        local function frame_analysis(number)
          local path = udpchat.prefs.analysis
          if path == nil or path == "" then path = os.getenv("UDPCHAT_ANALYSIS") or "" end
          if path ~= analysis_path then
            analysis_path, analysis = path, nil
            local chunk = path ~= "" and loadfile(path) or nil
            if chunk then
              local ok, value = pcall(chunk)
              if ok and type(value) == "table" then analysis = value end
            end
          end
          return analysis and analysis.frames and analysis.frames[number]
        end

        local function show_analysis(tvb, pinfo, subtree)
          local a = frame_analysis(pinfo.number)
          if not a then return end
          if a.resend then
            subtree:add(f.resend, tvb(), a.resend)
            subtree:add_proto_expert_info(e_resend, "Re-send, copy " .. a.resend)
          end
          if a.duplicate then
            subtree:add(f.duplicate, tvb(), a.duplicate)
            subtree:add_proto_expert_info(e_duplicate, "Duplicate, copy " .. a.duplicate)
          end
          if a.request then subtree:add(f.request_in, tvb(), a.request) end
          if a.response then subtree:add(f.response_in, tvb(), a.response) end
          if a.note then subtree:add_proto_expert_info(e_midsession, a.note) end
        end

        """#
}

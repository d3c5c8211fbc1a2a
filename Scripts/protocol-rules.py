#!/usr/bin/env python3
"""Regenerates Sources/UDPChatReports/ProtocolRulesTable.swift from the rule tables of docs/PROTOCOL.md §10.
Run from the repository root: python3 Scripts/protocol-rules.py"""
import re

rows = []
for line in open('docs/PROTOCOL.md', encoding='utf-8'):
    m = re.match(r'\| <a id="([A-Z]+-\d+)"></a>\1 \| ([A-Z ]+) \| (.*) \| (.*?) \| (.*?) \|\s*$', line)
    if m:
        rows.append(m.groups())


def q(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


out = ['/// The rules of docs/PROTOCOL.md §10 (id, level, text, section links, the cases that check them),',
       '/// copied verbatim so a report can cite them without the docs at hand. A test compares this table',
       '/// with docs/PROTOCOL.md: regenerate it with `python3 Scripts/protocol-rules.py` after editing the rules.',
       'extension ProtocolRules {', '    static let table: [Rule] = [']
for id, level, text, sections, cases in rows:
    out.append(f'        Rule(id: {q(id)}, level: {q(level)}, text: {q(text)}, sections: {q(sections)}, cases: {q(cases)}),')
out += ['    ]', '}']
open('Sources/UDPChatReports/ProtocolRulesTable.swift', 'w', encoding='utf-8').write('\n'.join(out) + '\n')
print(f'{len(rows)} rules')

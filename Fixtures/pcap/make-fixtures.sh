#!/usr/bin/env bash
# Regenerates the pcap fixtures in this folder with the project's own tools.
# Needs: root (live capture on lo), a built udpchat (UDPCHAT=path, default .build/debug/udpchat),
# socat and tcpdump. Usage:  sudo Fixtures/pcap/make-fixtures.sh [clean|malformed|lossy ...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
UDPCHAT=${UDPCHAT:-$root/.build/debug/udpchat}
work=$(mktemp -d)
recorder=""
cleanup() {
    [ -n "$recorder" ] && kill -INT "$recorder" 2>/dev/null || true
    [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# start_recording FILTER FILE: runs `udpchat record` in the background until stop_recording.
start_recording() {
    "$UDPCHAT" record --interface lo --filter "$1" --out "$2" 2>"$work/record.err" &
    recorder=$!
    for _ in $(seq 50); do grep -q "recording on" "$work/record.err" 2>/dev/null && return 0; sleep 0.1; done
    cat "$work/record.err" >&2
    exit 1
}
stop_recording() {
    sleep 0.3
    kill -INT "$recorder"
    wait "$recorder"
    recorder=""
}

# only_between PORTS... : a BPF filter for datagrams whose both ends use one of PORTS.
only_between() {
    local src="" dst=""
    for p in "$@"; do src="$src${src:+ or }src port $p"; dst="$dst${dst:+ or }dst port $p"; done
    echo "udp and ($src) and ($dst)"
}

clean() {
    # `udpchat demo` (server + alice + bob on loopback, OS-chosen ports): record all loopback UDP
    # while it runs, then keep only the demo's three ports (the demo prints them).
    start_recording "udp and host 127.0.0.1" "$work/all.pcap"
    "$UDPCHAT" demo --rto 3s >"$work/demo.txt"
    stop_recording
    local ports
    ports=$(sed -n -e 's/.*listening on UDP 127\.0\.0\.1:\([0-9]*\).*/\1/p' -e 's/.*reachable on port \([0-9]*\).*/\1/p' "$work/demo.txt")
    # shellcheck disable=SC2086
    tcpdump -r "$work/all.pcap" -w "$here/clean-chat.pcap" "$(only_between $ports)" 2>/dev/null
    echo "clean-chat.pcap: demo ports $(echo $ports)"
}

send() {  # send SOURCE_PORT DEST_PORT (payload on stdin)
    socat -u - "UDP:127.0.0.1:$2,sourceport=$1,reuseaddr"
    sleep 0.02
}

malformed() {
    # The reference server on 127.0.0.1:47070 fed by socat from fixed source ports: valid
    # requests (answered) between malformed ones (dropped silently), plus one non-chat datagram.
    "$UDPCHAT" server --port 47070 --no-table >/dev/null 2>&1 &
    server_pid=$!
    sleep 0.5
    start_recording "udp and (port 47070 or port 41010)" "$here/malformed.pcap.new"
    printf 'REGISTER 1 41001' | send 41001 47070
    printf 'register 1 41001' | send 41001 47070
    printf 'REGISTER 1' | send 41001 47070
    printf 'REGISTER 01 41001' | send 41001 47070
    printf 'REGISTER 1 70000' | send 41001 47070
    printf 'LOOKUP 2\r\n' | send 41001 47070
    printf 'MSG 5 1 1 ' | send 41001 47070
    printf '\xff\xfeREGISTER 1 41001' | send 41001 47070
    head -c 1300 /dev/zero | tr '\0' 'A' | send 41001 47070
    printf 'PEER 2 999.1.1.1 7070' | send 41001 47070
    printf 'ERROR OOPS 1' | send 41001 47070
    printf 'MSG 5 1 1 a\0b' | send 41001 47070
    printf '\x01\x02\x03 not chat' | send 41009 41010
    printf 'LEAVE 1' | send 41001 47070
    stop_recording
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
    mv "$here/malformed.pcap.new" "$here/malformed.pcap"
    echo "malformed.pcap written"
}

lossy() {
    # Alice and Bob (reference clients, RTO 200 ms) with Bob behind `udpchat proxy` (30% loss,
    # 20% duplication, seed 11) that he advertises as his port; the proxy's --pcap tap writes
    # what it received (before impairment) and sent (after).
    "$UDPCHAT" server --port 47080 --no-table >/dev/null 2>&1 &
    server_pid=$!
    "$UDPCHAT" proxy --listen 127.0.0.1:47081 --to 127.0.0.1:47082 --loss 30% --duplicate 20% --seed 11 \
        --stats-interval 0 --pcap "$work/lossy-chat.pcap" >"$work/proxy.txt" 2>&1 &
    local proxy_pid=$!
    sleep 0.5
    (sleep 2.5; echo /accept; sleep 6) |
        "$UDPCHAT" client --id 2 --port 47082 --advertise-port 47081 --server 127.0.0.1:47080 --rto 200ms >"$work/bob.txt" 2>&1 &
    local bob_pid=$!
    (sleep 1; echo "/connect 2"; sleep 3; for line in one two three four five six; do echo "$line"; done; sleep 3; echo /end; sleep 1.5) |
        "$UDPCHAT" client --id 1 --server 127.0.0.1:47080 --rto 200ms >"$work/alice.txt" 2>&1
    wait "$bob_pid" || true
    kill -INT "$proxy_pid"; wait "$proxy_pid" || true
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
    cp "$work/lossy-chat.received.pcap" "$work/lossy-chat.sent.pcap" "$here/"
    echo "lossy-chat.{received,sent}.pcap written"; tail -4 "$work/proxy.txt"
    grep -h "\[" "$work/alice.txt" "$work/bob.txt" || true
}

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(clean malformed lossy)
for target in "${targets[@]}"; do "$target"; done

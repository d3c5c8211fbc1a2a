#!/bin/bash
# Records one normal session of a fixture implementation for `udpchat dialect infer` (README.md):
#   sudo Fixtures/infer/record-session.sh colon|json|wordy [UDPCHAT]
# Needs root (live capture on lo), python3 and a built udpchat (default .build/debug/udpchat).
# Writes Fixtures/infer/WIRE/{session.pcap,session.console.log,session.values.yaml}.
set -euo pipefail
WIRE=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
U=${2:-$ROOT/.build/debug/udpchat}
OUT=$ROOT/Fixtures/infer/$WIRE
SERVER=47170 A=47171 B=47172
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
case $WIRE in
  wordy)
    DIR=$ROOT/Fixtures/real/wordy
    server=(python3 -u "$DIR/server.py" --port $SERVER)
    client() { python3 -u "$DIR/client.py" --id "$1" --server 127.0.0.1:$SERVER --port "$2" --rto 0.5; }
    START_A="" START_B="" CONNECT="connect" ACCEPT=yes END=end QUIT=quit ;;
  colon|json)
    DIR=$ROOT/Fixtures/dialects/iut
    server=(python3 -u "$DIR/server.py" --wire "$WIRE" --port $SERVER)
    client() { python3 -u "$DIR/client.py" --wire "$WIRE" --server 127.0.0.1:$SERVER --port "$2" --rto 0.5; }
    START_A=3 START_B=5 CONNECT=/connect ACCEPT=/accept END=/end QUIT=/quit ;;
  *) echo "usage: $0 colon|json|wordy [UDPCHAT]" >&2; exit 64 ;;
esac
"$U" record --interface lo --port $SERVER --port $A --port $B --out session.pcap --duration 9s > record.log 2>&1 &
RECORDER=$!
sleep 1.5
"${server[@]}" > server.log 2>&1 &
SERVER_PID=$!
sleep 0.3
mkfifo in-a in-b
client 3 $A < in-a > a.log 2>&1 &
client 5 $B < in-b > b.log 2>&1 &
exec 3>in-a 4>in-b
[ -n "$START_A" ] && { echo "$START_A" >&3; sleep 0.2; echo "$START_B" >&4; }
sleep 0.5
echo "$CONNECT 9" >&3; sleep 0.5          # client 9 is inactive
echo "$CONNECT 5" >&3; sleep 0.5
echo "$ACCEPT" >&4; sleep 0.5
echo "hello" >&3; sleep 0.4
echo "how are you" >&3; sleep 0.4
echo "fine, you?" >&4; sleep 0.4
echo "$END" >&3; sleep 0.5
echo "$QUIT" >&3; echo "$QUIT" >&4; sleep 0.8
exec 3>&- 4>&-
kill "$SERVER_PID"
wait "$RECORDER"
cp session.pcap "$OUT/session.pcap"
cat a.log b.log > "$OUT/session.console.log"
printf 'ids: [3, 5, 9]              # the two clients, and the id looked up and found inactive\ntexts: [hello, how are you, "fine, you?"]\n' > "$OUT/session.values.yaml"
echo "$OUT: $(cat record.log | tail -1)"

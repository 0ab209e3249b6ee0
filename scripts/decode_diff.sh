#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Byte-for-byte check that two gxlink binaries decode alike: runs `gxlink decode P FILE` for every
# decoder P on every capture under tests/data, ../shared/data and the fuzz corpora, plus a few
# generated VE.Direct inputs whose TEXT values need escaping, and compares stdout, stderr and the
# exit code. Also feeds each capture through a pipe (stdin), where reads come in other chunks.
# Use it before and after a change to the decode output path (issue 13 item 5).
# Usage: scripts/decode_diff.sh OLD_GXLINK NEW_GXLINK
set -uo pipefail
old=${1:?old gxlink binary}
new=${2:?new gxlink binary}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/decode-diff.XXXXXX)
trap 'rm -rf "$work"' EXIT

# VE.Direct TEXT blocks with '"' and '\' in labels and values (printable, so valid TEXT, but the
# JSON writer must escape them), a HEX frame between blocks and one inside a block.
/usr/bin/python3 - "$work" <<'PY'
import sys
def block(fields):
    body = b"".join(b"\r\n" + k + b"\t" + v for k, v in fields) + b"\r\nChecksum\t"
    return body + bytes([(-sum(body)) % 256])
out = sys.argv[1]
quoted = block([(b"V", b"12800"), (b'A"B', b'x\\y'), (b"PID", b'0x"A053'), (b"SER#", b"HQ\\\\")])
plain = block([(b"V", b"12800"), (b"I", b"-150"), (b"FW", b"159")])
hexf = b":A0102000543\n"
open(out + "/escapes.dump", "wb").write((quoted + hexf + plain) * 50 + plain[:20] + hexf + plain[20:])
PY

inputs=()
while IFS= read -r -d '' f; do inputs+=("$f"); done < <(
  find "$root/tests/data" "$root/tests/fuzz/corpus" "$root/../shared/data" "$work" -type f \
       ! -name '*.md' -print0 2>/dev/null | sort -z)
protocols=$("$new" decode nosuchprotocol /dev/null 2>&1 | sed -n 's/.*(known: \(.*\)).*/\1/p' | tr -d ,)
[ -n "$protocols" ] || { echo "cannot list the decoders of $new" >&2; exit 2; }

runs=0
fails=0
check() {  # label, then the command's tail after the binary
  local label=$1
  shift
  "$old" "$@" > "$work/o.out" 2> "$work/o.err" < "${stdin:-/dev/null}"
  local orc=$?
  "$new" "$@" > "$work/n.out" 2> "$work/n.err" < "${stdin:-/dev/null}"
  local nrc=$?
  runs=$((runs + 1))
  if [ $orc != $nrc ] || ! cmp -s "$work/o.out" "$work/n.out" || ! cmp -s "$work/o.err" "$work/n.err"; then
    fails=$((fails + 1))
    echo "DIFFERS: $label (exit $orc vs $nrc)"
    diff <(head -c 2000 "$work/o.out") <(head -c 2000 "$work/n.out") | head -5
  fi
}
for p in $protocols; do
  for f in "${inputs[@]}"; do
    stdin= check "decode $p $f" decode "$p" "$f"
    case $f in
      "$root"/tests/fuzz/*) ;;
      *) stdin=$f check "decode $p - < $f" decode "$p" - ;;
    esac
  done
done
echo "decoders: $protocols; inputs: ${#inputs[@]}; runs compared: $runs; differing: $fails"
[ $fails = 0 ]

#!/usr/bin/env bash
# onnxExecute.sh — `huginn execute` on ONNX plans (libonnx-testdata models):
# inputs as TensorProto .pb and as .npy, outputs written in the same format
# and equal to the expected outputs (rtol 1e-3, atol 1e-5); no --inputs, a
# corrupt .npy and an operator without a kernel are clear HGN errors.
# Skips when /usr/share/libonnx-testdata is missing.
set -u
: "${HUGINN:?HUGINN must point at the huginn binary}"
HUGINN=$(cd "$(dirname "$HUGINN")" && pwd)/$(basename "$HUGINN")
TD=/usr/share/libonnx-testdata/data
[ -d "$TD" ] || { echo "SKIP: $TD is missing"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work XDG_CONFIG_HOME=$work/xdg
cd "$work"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
run() { # run STATUS ARGS…
  local want=$1; shift
  "$HUGINN" "$@" >"$work/out.txt" 2>"$work/err.txt"
  local got=$?
  out=$(cat "$work/out.txt"); err=$(cat "$work/err.txt")
  [ "$got" -eq "$want" ] || fail "huginn $* exited $got, expected $want (stderr: $err)"
  [ "$got" -lt 128 ] || fail "huginn $* crashed"
}
contains() { case "$1" in *"$2"*) ;; *) fail "$3: expected to contain '$2', got: $1" ;; esac; }

# tensor helper: decode .pb (raw_data or float_data) / .npy float32, compare, convert
cat >tensors.py <<'PY'
import struct, sys
def varint(b, i):
    v = s = 0
    while True:
        c = b[i]; i += 1; v |= (c & 0x7f) << s; s += 7
        if c < 0x80: return v, i
def readPb(p):
    b = open(p, 'rb').read(); i = 0; dims = []; raw = None; fl = []
    while i < len(b):
        k, i = varint(b, i); f, w = k >> 3, k & 7
        if w == 0:
            v, i = varint(b, i)
            if f == 1: dims.append(v)
        elif w == 2:
            n, i = varint(b, i); d = b[i:i + n]; i += n
            if f == 9: raw = d
            if f == 4: fl = list(struct.unpack('<%df' % (n // 4), d))
            if f == 1:
                j = 0
                while j < len(d): v, j = varint(d, j); dims.append(v)
        elif w == 5:
            if f == 4: fl.append(struct.unpack('<f', b[i:i + 4])[0])
            i += 4
        elif w == 1: i += 8
    vals = list(struct.unpack('<%df' % (len(raw) // 4), raw)) if raw is not None else fl
    return dims, vals
def readNpy(p):
    b = open(p, 'rb').read(); assert b[:6] == b'\x93NUMPY'
    hl = struct.unpack('<H', b[8:10])[0]; h = b[10:10 + hl].decode()
    assert "'<f4'" in h, h
    shape = [int(x) for x in h.split('(')[1].split(')')[0].split(',') if x.strip()]
    d = b[10 + hl:]
    return shape, list(struct.unpack('<%df' % (len(d) // 4), d))
def read(p): return readNpy(p) if p.endswith('.npy') else readPb(p)
cmd = sys.argv[1]
if cmd == 'same':
    (da, a), (db, b) = read(sys.argv[2]), read(sys.argv[3])
    assert da == db, (da, db)
    assert len(a) == len(b) and all(abs(x - y) <= 1e-5 + 1e-3 * abs(y) for x, y in zip(a, b)), 'values differ'
elif cmd == 'tonpy':
    d, v = readPb(sys.argv[2])
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % ''.join('%d, ' % x for x in d)
    h += ' ' * ((64 - (10 + len(h) + 1) % 64) % 64) + '\n'
    open(sys.argv[3], 'wb').write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h.encode() + struct.pack('<%df' % len(v), *v))
PY

check() { # check MODEL_DIR — .pb and .npy runs match test_data_set_0
  local m=$1 name; name=$(basename "$m")
  run 0 plan "$m/model.onnx" --out "$name.plan.json"
  run 0 execute "$name.plan.json" --inputs "$m/test_data_set_0" --outputs "$name.pb.out"
  contains "$err" "ONNX nodes" "$name summary"
  python3 tensors.py same "$name.pb.out/output_0.pb" "$m/test_data_set_0/output_0.pb" || fail "$name .pb output differs"
  mkdir -p "$name.npy.in"
  for f in "$m"/test_data_set_0/input_*.pb; do
    python3 tensors.py tonpy "$f" "$name.npy.in/$(basename "$f" .pb).npy" || fail "$name: tonpy"
  done
  run 0 execute "$name.plan.json" --inputs "$name.npy.in" --outputs "$name.npy.out"
  local got; got=$(ls "$name.npy.out"/*.npy | head -1)
  [ -n "$got" ] || fail "$name: no .npy output"
  python3 tensors.py same "$got" "$m/test_data_set_0/output_0.pb" || fail "$name .npy output differs"
}
check "$TD/pytorch-converted/test_Conv2d"
check "$TD/node/test_matmul_4d"
check "$TD/pytorch-converted/test_Linear"

# --json describes the outputs
run 0 execute test_Conv2d.plan.json --inputs "$TD/pytorch-converted/test_Conv2d/test_data_set_0" --json
printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["outputs"][0]["dtype"]=="f32" and d["metrics"]["nodes"]>=1' \
  || fail "execute --json"

# errors: no --inputs, a corrupt .npy, an operator without a kernel
run 2 execute test_Conv2d.plan.json
contains "$err" "HGN-0009" "no --inputs"
mkdir -p bad && printf '\223NUMPY\001\000\020\000{broken' >bad/x.npy
run 4 execute test_Conv2d.plan.json --inputs bad
contains "$err" "HGN-0402" "corrupt npy"
u=$TD/node/test_nonmaxsuppression_suppress_by_IOU
if [ -d "$u" ]; then
  run 0 plan "$u/model.onnx" --out nms.plan.json
  run 4 execute nms.plan.json --inputs "$u/test_data_set_0" --outputs nms.out
  contains "$err" "HGN-0105" "unsupported operator"
  [ ! -e nms.out/output_0.pb ] || fail "an unsupported model wrote outputs"
fi
[ "$failures" -eq 0 ] && echo "onnxExecute: all checks passed"
exit $((failures > 0))

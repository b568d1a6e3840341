#!/usr/bin/env bash
# huginndTls.sh — huginnd over TLS with client certificates (mutual TLS). Makes
# a throwaway CA, a server certificate (SAN 127.0.0.1, localhost), client
# certificates for alice, bob and root, one for "alice" from another CA and an
# expired one, all with the openssl CLI in a temporary folder, then checks:
# startup refuses half-configured TLS (HGN-0001 naming key and path);
# clientAuth = "required" fails the TLS handshake without a valid certificate
# (none, wrong CA, expired) and still wants the bearer token on top of a good
# one; certIdentity makes the CN the user (jobs visible to their owner only,
# the role from the token file); "optional" answers 401 HGN-0017 saying why a
# certificate was refused; Authorization header parsing (case, blanks, other
# schemes, very long headers); plain HTTP on the TLS port fails; the CLI's
# --cacert/--cert/--key (and server.tls.* keys) and its warning about tokens
# over plain HTTP; no token in any log.
# shellcheck source=lib/huginndLib.bash
source "$(dirname "$0")/lib/huginndLib.bash"
requireTools curl openssl

# ---- certificates -----------------------------------------------------------------------
ossl() { openssl "$@" >>openssl.log 2>&1 || { cat openssl.log >&2; fail "openssl $1 failed"; exit 1; }; }
newCa() { # newCa NAME CN
  ossl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" -out "$1.pem" \
    -days 2 -subj "/CN=$2" -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign
}
newCsr() { # newCsr NAME CN
  ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2"
}
cat >ext.cnf <<'E'
[server]
subjectAltName = IP:127.0.0.1, DNS:localhost
extendedKeyUsage = serverAuth
[client]
extendedKeyUsage = clientAuth
E
sign() { # sign NAME CA EXTENSIONS
  ossl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 2 -extfile ext.cnf -extensions "$3" \
    -out "$1.pem"
}
newCa ca "Huginn Test CA"
newCa otherca "Some Other CA"
newCsr server localhost && sign server ca server
for u in alice bob root; do newCsr "$u" "$u" && sign "$u" ca client; done
newCsr mallory alice && sign mallory otherca client # right name, wrong CA
newCsr spaced "alice smith" && sign spaced ca client # a CN that is not a user name
# expired: valid for one day in 2020 (openssl ca takes explicit dates)
newCsr expired alice
: >index.txt
cat >ca.cnf <<'E'
[ca]
default_ca = test
[test]
database = index.txt
new_certs_dir = .
serial = ca.srl
default_md = sha256
policy = any
x509_extensions = client
unique_subject = no
[any]
commonName = supplied
[client]
extendedKeyUsage = clientAuth
E
ossl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired.pem -notext \
  -startdate 20200101000000Z -enddate 20200102000000Z

cat >tokens <<T
$(hash tok-alice-0123456789) alice user
$(hash tok-bob-0123456789) bob user
$(hash tok-root-0123456789) root admin
T

# ---- startup refuses half-configured TLS ------------------------------------------------------
refuse() { # refuse WHAT KEY PATH-OR-TEXT ENV… — huginnd must exit with HGN-0001 naming KEY and the text
  local what=$1 key=$2 text=$3; shift 3
  env HUGINN_STORE__PATH="$work/refused.db" "$@" "$HUGINND" --listen 127.0.0.1:0 --token-file tokens --workers 0 \
    >refused.log 2>&1 &
  local pid=$! waited=0
  while kill -0 $pid 2>/dev/null && [ $waited -lt 100 ]; do sleep 0.05; waited=$((waited + 1)); done
  if kill -0 $pid 2>/dev/null; then
    kill $pid; wait $pid 2>/dev/null
    fail "$what: huginnd started"
    return
  fi
  wait $pid
  local rc=$?
  [ $rc = 3 ] || fail "$what: exit $rc, expected 3 (InvalidConfig)"
  local log
  log=$(cat refused.log)
  contains "$log" HGN-0001 "$what"; contains "$log" "$key" "$what"; contains "$log" "$text" "$what"
}
T=HUGINN_SERVER__TLS__
good=("${T}CERT=$work/server.pem" "${T}KEY=$work/server.key")
refuse "clientAuth without TLS" server.tls.clientAuth "server.tls.cert is not set" "${T}CLIENTAUTH=required"
refuse "clientCa without TLS" server.tls.clientCa "need TLS" "${T}CLIENTCA=$work/ca.pem"
refuse "cert without key" server.tls.key "is empty" "${T}CERT=$work/server.pem"
refuse "missing cert" server.tls.cert "$work/nowhere.pem" "${T}CERT=$work/nowhere.pem" "${T}KEY=$work/server.key"
echo "not a certificate" >junk.pem
refuse "invalid cert" server.tls.cert "$work/junk.pem" "${T}CERT=$work/junk.pem" "${T}KEY=$work/server.key"
refuse "invalid key" server.tls.key "$work/junk.pem" "${T}CERT=$work/server.pem" "${T}KEY=$work/junk.pem"
refuse "key of another certificate" server.tls.key "does not go with" "${good[0]}" "${T}KEY=$work/alice.key"
refuse "required without clientCa" server.tls.clientCa "needs server.tls.clientCa" "${good[@]}" \
  "${T}CLIENTAUTH=required"
refuse "missing clientCa" server.tls.clientCa "$work/none.pem" "${good[@]}" "${T}CLIENTAUTH=required" \
  "${T}CLIENTCA=$work/none.pem"
refuse "invalid clientCa" server.tls.clientCa "$work/junk.pem" "${good[@]}" "${T}CLIENTAUTH=optional" \
  "${T}CLIENTCA=$work/junk.pem"
refuse "certIdentity without clientAuth" server.tls.certIdentity "clientAuth" "${good[@]}" "${T}CERTIDENTITY=true"
refuse "unknown clientAuth" server.tls.clientAuth "maybe" "${good[@]}" "${T}CLIENTAUTH=maybe" \
  "${T}CLIENTCA=$work/ca.pem"
if [ "$(id -u)" != 0 ]; then # root reads any file
  cp ca.pem unreadable.pem && chmod 000 unreadable.pem
  refuse "unreadable clientCa" server.tls.clientCa "$work/unreadable.pem" "${good[@]}" "${T}CLIENTAUTH=required" \
    "${T}CLIENTCA=$work/unreadable.pem"
fi

# ---- running servers ------------------------------------------------------------------------------
start() { # start NAME ENV… — sets $base (https) and $port
  local name=$1; shift
  env HUGINN_STORE__PATH="$work/$name.db" "${good[@]}" "${T}CLIENTCA=$work/ca.pem" "$@" "$HUGINND" \
    --listen 127.0.0.1:0 --port-file "$work/$name.port" --token-file "$work/tokens" --workers 0 --log-level debug \
    >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$work/$name.port" ] && break; sleep 0.05; done
  [ -s "$work/$name.port" ] || { cat "$work/$name.log" >&2; fail "$name did not start"; exit 1; }
  port=$(cat "$work/$name.port")
  base="https://127.0.0.1:$port"
}

# req METHOD PATH CERT TOKEN [BODY] — $code (000: no HTTP answer) and $body; CERT/TOKEN "-" for none
req() {
  local method=$1 path=$2 cert=$3 token=$4 data=${5-}
  local args=(-s -o "$work/body" -w '%{http_code}' -X "$method" --max-time 10 --cacert "$work/ca.pem")
  [ "$cert" = - ] || args+=(--cert "$work/$cert.pem" --key "$work/$cert.key")
  [ "$token" = - ] || args+=(-H "Authorization: Bearer $token")
  [ -z "$data" ] || args+=(-H 'Content-Type: application/json' --data-binary "$data")
  : >"$work/body"
  code=$(curl "${args[@]}" "$base$path")
  body=$(cat "$work/body")
}
expect() { [ "$code" = "$1" ] || fail "$2: HTTP $code, expected $1 (body: $body)"; }
jobId() { printf %s "$body" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p'; }
plan=$(cat "$DATA/plans/fixture-gguf.cpu.json")

# ---- clientAuth = "required": the handshake wants a valid certificate; the token is still needed ----------
start required "${T}CLIENTAUTH=required"
req GET /v1/jobs - tok-alice-0123456789; expect 000 "required: no client certificate"
req GET /healthz - -; expect 000 "required: even /healthz needs a certificate on TCP"
req GET /v1/jobs mallory tok-alice-0123456789; expect 000 "required: a certificate from another CA"
req GET /v1/jobs expired tok-alice-0123456789; expect 000 "required: an expired certificate"
req GET /v1/jobs alice tok-alice-0123456789; expect 200 "required: good certificate and token"
contains "$body" '"jobs"' "required: job list"
req GET /v1/jobs alice -; expect 401 "required: certificate without token"; contains "$body" HGN-0017 "401 code"
req GET /v1/jobs alice tok-wrong-SECRET0123; expect 401 "required: certificate with a wrong token"
req POST /v1/jobs alice tok-alice-0123456789 "{\"plan\":$plan}"; expect 201 "required: alice submits"
contains "$body" '"owner":"alice"' "required: owner from the token"
curl -s --max-time 5 -o /dev/null "http://127.0.0.1:$port/healthz" && fail "plain HTTP must not work on the TLS port"
curl -s --max-time 5 -o /dev/null --cert alice.pem --key alice.key "$base/healthz" &&
  fail "curl must refuse the server without --cacert (it is not signed by a system CA)"

# the CLI: --cacert/--cert/--key, and the same through server.tls.* keys
export HUGINN_TOKEN=tok-alice-0123456789
out=$("$HUGINN" jobs --all --server "$base" --cacert ca.pem --cert alice.pem --key alice.key 2>err); rc=$?
[ $rc = 0 ] || fail "cli: jobs with --cacert/--cert/--key exit $rc: $(cat err)"
contains "$out" "alice" "cli: lists alice's job"
out=$(HUGINN_SERVER__TLS__CAFILE=$work/ca.pem HUGINN_SERVER__TLS__CLIENTCERT=$work/alice.pem \
  HUGINN_SERVER__TLS__CLIENTKEY=$work/alice.key "$HUGINN" jobs --all --server "$base" 2>err); rc=$?
[ $rc = 0 ] || fail "cli: jobs with server.tls.* from the environment exit $rc: $(cat err)"
contains "$out" "alice" "cli: lists alice's job (environment)"
out=$("$HUGINN" jobs --server "$base" --cacert ca.pem 2>&1); rc=$?
[ $rc != 0 ] || fail "cli: jobs without a client certificate succeeded"
contains "$out" HGN-0011 "cli: refused handshake"; contains "$out" "--cert" "cli: hint names --cert"
out=$("$HUGINN" jobs --server "$base" --cacert ca.pem --cert mallory.pem --key mallory.key 2>&1); rc=$?
[ $rc != 0 ] || fail "cli: jobs with another CA's certificate succeeded"
out=$("$HUGINN" jobs --server "$base" --cacert nowhere.pem 2>&1); rc=$?
[ $rc = 3 ] || fail "cli: missing --cacert file exit $rc, expected 3"
contains "$out" HGN-0001 "cli: missing --cacert"; contains "$out" nowhere.pem "cli: missing --cacert names the path"
out=$(HUGINN_SERVER__TLS__CLIENTKEY=$work/gone.key "$HUGINN" jobs --server "$base" --cacert ca.pem \
  --cert alice.pem 2>&1); rc=$?
[ $rc = 3 ] || fail "cli: missing server.tls.clientKey exit $rc, expected 3"
contains "$out" server.tls.clientKey "cli: names the key"; contains "$out" "$work/gone.key" "cli: names the path"
out=$("$HUGINN" jobs --server "$base" 2>&1); rc=$?
[ $rc != 0 ] || fail "cli: jobs without --cacert succeeded"
contains "$out" "--cacert" "cli: hint names --cacert"
# a token sent over plain HTTP to a host that is not loopback draws a warning (and is not printed)
out=$("$HUGINN" jobs --server http://0.0.0.0:1 2>&1)
contains "$out" "over plain HTTP" "cli: plain HTTP warning"; lacks "$out" tok-alice "cli: warning shows the token"
out=$("$HUGINN" jobs --server http://127.0.0.1:1 2>&1)
lacks "$out" "over plain HTTP" "cli: no warning for loopback"
unset HUGINN_TOKEN

# ---- certIdentity: the CN is the user ---------------------------------------------------------------
start identity "${T}CLIENTAUTH=required" "${T}CERTIDENTITY=true"
req POST /v1/jobs alice - "{\"plan\":$plan}"; expect 201 "identity: alice submits with her certificate"
contains "$body" '"owner":"alice"' "identity: owner is the CN"
alicejob=$(jobId)
req POST /v1/jobs bob - "{\"plan\":$plan}"; expect 201 "identity: bob submits"
bobjob=$(jobId)
req GET /v1/jobs alice -; expect 200 "identity: alice lists"
contains "$body" "$alicejob" "identity: alice sees her job"; lacks "$body" "$bobjob" "identity: alice must not see bob's"
req GET /v1/jobs bob -; lacks "$body" "$alicejob" "identity: bob must not see alice's job"
req GET "/v1/jobs/$alicejob" bob -; expect 403 "identity: bob reads alice's job"
req POST "/v1/jobs/$alicejob:cancel" bob -; expect 403 "identity: bob cancels alice's job"
req GET /v1/diagnostics alice -; expect 403 "identity: alice is a user"
req GET /v1/jobs root -; expect 200 "identity: root lists"
contains "$body" "$alicejob" "identity: root (admin in the token file) sees alice's job"
req GET /v1/diagnostics root -; expect 200 "identity: root is an admin"
req GET /v1/jobs alice tok-bob-0123456789; lacks "$body" "$alicejob" "identity: a bearer token wins over the CN"
req GET /v1/jobs alice tok-wrong-SECRET0123; expect 401 "identity: a wrong token is not ignored"
req GET /v1/jobs spaced -; expect 401 "identity: a CN with a blank"; contains "$body" "subject CN" "identity: why"
out=$("$HUGINN" jobs --server "$base" --cacert ca.pem --cert alice.pem --key alice.key 2>&1); rc=$?
[ $rc = 0 ] || fail "cli: certIdentity without a token exit $rc: $out"
contains "$out" "$alicejob" "cli: alice's job by certificate"; lacks "$out" "$bobjob" "cli: not bob's job"

# ---- clientAuth = "optional": 401 HGN-0017 saying why; no certificate falls back to the token ---------
start optional "${T}CLIENTAUTH=optional" "${T}CERTIDENTITY=true"
req GET /healthz - -; expect 200 "optional: /healthz without a certificate"
req GET /v1/jobs - -; expect 401 "optional: neither certificate nor token"
req GET /v1/jobs - tok-bob-0123456789; expect 200 "optional: token without a certificate"
req GET /v1/jobs alice -; expect 200 "optional: certificate without a token"
req GET /v1/jobs expired tok-alice-0123456789; expect 401 "optional: an expired certificate with a good token"
contains "$body" HGN-0017 "optional: expired code"; contains "$body" expired "optional: says expired"
req GET /v1/jobs mallory tok-alice-0123456789; expect 401 "optional: another CA's certificate"
contains "$body" "issuer is unknown" "optional: says why"
req GET /v1/jobs server tok-alice-0123456789; expect 401 "optional: a certificate only for TLS servers (key usage)"

# Authorization header parsing (no client certificate)
auth() { # auth HEADER-VALUE → $code (the header goes through a file: it may be longer than a command line)
  : >"$work/body"
  printf 'Authorization: %s\n' "$1" >"$work/header"
  code=$(curl -s -o "$work/body" -w '%{http_code}' --max-time 10 --cacert ca.pem -H @"$work/header" "$base/v1/jobs")
  body=$(cat "$work/body")
}
auth "bearer tok-bob-0123456789"; expect 200 "lower-case bearer"
auth "BEARER    tok-bob-0123456789   "; expect 200 "upper-case bearer, extra blanks"
auth "$(printf 'Bearer\ttok-bob-0123456789')"; expect 200 "tab after Bearer"
auth "Basic Ym9iOnNlY3JldA=="; expect 401 "Basic scheme"; contains "$body" "not a bearer token" "Basic scheme"
auth "Bearer"; expect 401 "Bearer without a token"
auth "Bearertok-bob-0123456789"; expect 401 "no blank after Bearer"
auth "Bearer tok-bob-0123456789 extra"; expect 401 "blank inside the token"
auth "Bearer tok-wrong-SECRET0123"; expect 401 "wrong token"; lacks "$body" SECRET0123 "error body echoes the token"
auth "Bearer $(head -c 20000 /dev/zero | tr '\0' 'A')"; [ "$code" != 200 ] || fail "a 20000-byte token was accepted"
auth "Bearer $(head -c 200000 /dev/zero | tr '\0' 'A')"; [ "$code" != 200 ] || fail "a 200000-byte header was accepted"
req GET /healthz - -; expect 200 "alive after very long headers"

# ---- no token in any log -------------------------------------------------------------------------------
for l in required identity optional; do
  ! grep -q -e 'tok-' -e SECRET0123 "$work/$l.log" || fail "a bearer token appears in the $l log"
  ! grep -q 'Sanitizer' "$work/$l.log" || fail "sanitizer report in the $l log"
done

for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
for p in "${pids[@]}"; do wait "$p" || fail "huginnd (pid $p) exited $? on SIGTERM"; done
pids=()
for l in required identity optional; do
  ! grep -q 'Sanitizer' "$work/$l.log" || fail "sanitizer report in the $l log: $(grep -A20 Sanitizer "$work/$l.log")"
done

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "huginndTls: all checks passed"

#!/usr/bin/env bash
# Revocation over HTTP (issue 16), as RFC 6960 appendix A and RFC 5280 describe it, with the
# openssl CLI as the judge.
export LC_ALL=C # byte lengths in http_request
# usage: http_revocation.sh ROOT   with ROOT one of
#
#   rsa-root     `ttp serve --root-key-type rsa` (RSA 3072, SHA-256), as in the demo
#   ecdsa-root   `ttp serve --root-key-type ecdsa --root-curve P-384` (SHA-384)
#
# 1. `ttp serve --http-listen 127.0.0.1:0` writes its HTTP port; a bank and a customer enroll
#    over the TTP's channel (keys and CSRs by openssl, sent with s_client).
# 2. Their certificates carry authorityInfoAccess (OCSP, caIssuers) and cRLDistributionPoints
#    pointing at that port; the caIssuers URL serves the CA certificate in DER.
# 3. `openssl ocsp` (POST, to the URL read from the certificate) says good, verified; the GET
#    form (base64 of the DER request, URL-encoded, in the path) says good too.
#    `openssl verify -crl_check -crl_download` fetches the CRL from the CDP and accepts both.
# 4. `ttp revoke` the customer: openssl ocsp (POST and GET) says revoked (keyCompromise),
#    verified; `openssl verify -crl_download` refuses it; the bank is still good.
# 5. A body that is no OCSP request gets an OCSPResponse malformedRequest (HTTP 200); an unknown
#    path 404, a wrong method 405 with Allow, a body over 16 KiB 413.
# 6. Restarted with --public-url: a new certificate names that URL; the revocation holds.
# The raw HTTP requests go through bash's /dev/tcp (no curl needed); every one is bounded.
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
root=${1:?usage: $0 rsa-root|ecdsa-root}
require_tool "$OPENSSL"
[[ $("$OPENSSL" version) == "OpenSSL 3."* ]] || skip_or_fail "need OpenSSL 3.x"
[[ -n ${TTP:-} && -x ${TTP:-} ]] || fail "TTP must name the built ttp executable (got '${TTP:-}')"

case $root in
  rsa-root) root_args=(--root-key-type rsa) ;;
  ecdsa-root) root_args=(--root-key-type ecdsa --root-curve P-384) ;;
  *) fail "unknown root $root" ;;
esac

# ---------------------------------------------------------------- 1. the TTP, two enrollments
TTP_DIR=$WORK/ttp
start ttp "$TTP" serve --certs-dir "$TTP_DIR" --listen 127.0.0.1:0 --port-file "$WORK/ttp.port" \
  --http-listen 127.0.0.1:0 --http-port-file "$WORK/http.port" --log-level info "${root_args[@]}"
TTP_PID=$LAST_PID
wait_for "$WORK/http.port" '^[0-9]+$' "ttp serve writes its HTTP port" "$TTP_PID"
wait_for "$WORK/ttp.port" '^[0-9]+$' "ttp serve writes its port" "$TTP_PID"
TTP_PORT=$(head -n1 "$WORK/ttp.port")
HTTP_PORT=$(head -n1 "$WORK/http.port")
BASE=http://127.0.0.1:$HTTP_PORT
log "ttp serve (pid $TTP_PID): channel 127.0.0.1:$TTP_PORT, HTTP $BASE, root: ${root_args[*]}"
bank_token=$("$TTP" token create --certs-dir "$TTP_DIR" --role bank --cn bank.example \
  --host localhost 2>>"$WORK/token.err") || fail "ttp token create (bank) failed"
customer_token=$("$TTP" token create --certs-dir "$TTP_DIR" --role customer --cn alice \
  2>>"$WORK/token.err") || fail "ttp token create (customer) failed"
mkdir -p "$PKI"
cp "$TTP_DIR/ca.pem" "$PKI/ca.pem"

# enroll NAME ROLE TOKEN CURVE SUBJECT: key and CSR by openssl, sent with s_client; the leaf is
# written to $PKI/NAME.pem.
enroll() {
  local name=$1 role=$2 token=$3 curve=$4 subject=$5
  "$OPENSSL" genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:$curve" -out "$PKI/$name.key" \
    2>/dev/null || fail "openssl could not make the $name key"
  "$OPENSSL" req -new -key "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr" 2>/dev/null ||
    fail "openssl could not make the $name CSR"
  local fifo=$WORK/enroll-$name.in out=$WORK/enroll_$name.out
  mkfifo "$fifo"
  exec {CLIENT_INPUT}<>"$fifo"
  STDIN_FROM=$fifo start "enroll_$name" "$OPENSSL" s_client -quiet -no_ign_eof -tls1_3 \
    -connect "127.0.0.1:$TTP_PORT" -CAfile "$PKI/ca.pem" -verify_return_error \
    -verify_hostname localhost -servername localhost
  local pid=$LAST_PID
  { printf 'ENROLL %s %s\n' "$role" "$token"; cat "$PKI/$name.csr"; } >&"$CLIENT_INPUT"
  wait_for "$out" '^(END|ERROR)' "the TTP answers the $name enrollment" "$pid"
  exec {CLIENT_INPUT}>&-
  wait_exit "$pid" "s_client after the $name enrollment"
  expect "$out" '^OK ENROLLED serial=[0-9A-F]+ ' "the TTP enrolled $name"
  sed -n '/^-----BEGIN CERTIFICATE-----/,/^-----END CERTIFICATE-----/p' "$out" |
    "$OPENSSL" x509 -out "$PKI/$name.pem" || fail "the $name enrollment answer holds no certificate"
  log "$name enrolled: $(grep -m1 '^OK ENROLLED' "$out")"
}
enroll bank bank "$bank_token" P-384 "/C=DE/O=Example Bank/CN=bank.example"
enroll customer customer "$customer_token" P-256 "/C=DE/CN=alice"

# http_request NAME METHOD TARGET [BODY_FILE]: one HTTP/1.1 request ("Connection: close") over
# bash's /dev/tcp; the status line and header fields go to $WORK/NAME.head, the body to
# $WORK/NAME.body. Bounded by STEP_TIMEOUT.
http_request() {
  local name=$1 method=$2 target=$3 body=${4:-}
  local raw=$WORK/$name.raw header
  header="$method $target HTTP/1.1"$'\r\n'"Host: 127.0.0.1:$HTTP_PORT"$'\r\n'
  if [[ -n $body ]]; then
    header+="Content-Type: application/ocsp-request"$'\r\n'
    header+="Content-Length: $(stat -c %s "$body")"$'\r\n'
  fi
  header+="Connection: close"$'\r\n\r\n'
  exec {HTTP_FD}<>"/dev/tcp/127.0.0.1/$HTTP_PORT" || fail "cannot connect to $BASE for $name"
  printf '%s' "$header" >&"$HTTP_FD" || true
  # The server may answer (413) and close before it has read everything: not our failure.
  if [[ -n $body ]]; then cat "$body" >&"$HTTP_FD" 2>/dev/null || true; fi
  timeout "$STEP_TIMEOUT" cat <&"$HTTP_FD" >"$raw" || true
  exec {HTTP_FD}<&-
  # The header ends at the first empty line; the bytes after it are the body.
  local line header_bytes=0 complete=false
  : >"$WORK/$name.head"
  while IFS= read -r line; do
    header_bytes=$((header_bytes + ${#line} + 1))
    if [[ $line == $'\r' ]]; then
      complete=true
      break
    fi
    printf '%s\n' "${line%$'\r'}" >>"$WORK/$name.head"
  done <"$raw"
  $complete || fail "$name: no complete HTTP answer from $BASE$target"
  tail -c "+$((header_bytes + 1))" "$raw" >"$WORK/$name.body"
}

# expect_answer NAME STATUS [CONTENT_TYPE]
expect_answer() {
  expect "$WORK/$1.head" "^HTTP/1.1 $2 " "$1: HTTP status $2"
  if [[ -n ${3:-} ]]; then
    grep -qi "^Content-Type: $3\$" "$WORK/$1.head" || fail "$1: Content-Type is not $3"
  fi
}

# url_encoded_base64 FILE: the base64 of FILE on one line, with '+', '/' and '=' percent-encoded.
url_encoded_base64() {
  base64 -w0 "$1" | sed -e 's|+|%2B|g' -e 's|/|%2F|g' -e 's|=|%3D|g'
}

# ---------------------------------------------------------------- 2. the extensions
for name in bank customer; do
  "$OPENSSL" x509 -in "$PKI/$name.pem" -noout -ext authorityInfoAccess,crlDistributionPoints \
    >"$WORK/$name-ext.out" 2>&1 || fail "openssl x509 cannot read the $name extensions"
  expect "$WORK/$name-ext.out" "OCSP - URI:$BASE/ocsp\$" "$name: authorityInfoAccess id-ad-ocsp"
  expect "$WORK/$name-ext.out" "CA Issuers - URI:$BASE/ca.crt\$" \
    "$name: authorityInfoAccess id-ad-caIssuers"
  expect "$WORK/$name-ext.out" "URI:$BASE/ca.crl\$" "$name: cRLDistributionPoints"
  "$OPENSSL" x509 -in "$PKI/$name.pem" -noout -text >"$WORK/$name.txt"
  expect_not "$WORK/$name.txt" 'Authority Information Access: critical|CRL Distribution Points: critical' \
    "$name: the extensions are non-critical"
done
OCSP_URL=$("$OPENSSL" x509 -in "$PKI/customer.pem" -noout -ocsp_uri)
[[ $OCSP_URL == "$BASE/ocsp" ]] || fail "the customer's OCSP URL is '$OCSP_URL', not $BASE/ocsp"

http_request ca_issuers GET /ca.crt
expect_answer ca_issuers 200 application/pkix-cert
"$OPENSSL" x509 -inform DER -in "$WORK/ca_issuers.body" -noout -fingerprint -sha256 \
  >"$WORK/ca_issuers.fp" || fail "the caIssuers URL does not serve a DER certificate"
"$OPENSSL" x509 -in "$PKI/ca.pem" -noout -fingerprint -sha256 >"$WORK/ca.fp"
cmp -s "$WORK/ca_issuers.fp" "$WORK/ca.fp" || fail "the caIssuers URL serves another certificate"
log "AIA and CDP name $BASE; the caIssuers URL serves the root"

# ---------------------------------------------------------------- 3. good, three ways
# ocsp_post NAME CERT: `openssl ocsp` POSTs to the URL from the certificate, verifies the answer.
ocsp_post() {
  "$OPENSSL" ocsp -issuer "$PKI/ca.pem" -cert "$PKI/$2.pem" -url "$OCSP_URL" \
    -CAfile "$PKI/ca.pem" >"$WORK/$1.out" 2>&1 || fail "$1: openssl ocsp failed"
  expect "$WORK/$1.out" '^Response verify OK' "$1: openssl ocsp verifies the response"
}
# ocsp_get NAME CERT: the GET form of RFC 6960 appendix A, checked with openssl ocsp -respin.
ocsp_get() {
  "$OPENSSL" ocsp -issuer "$PKI/ca.pem" -cert "$PKI/$2.pem" -no_nonce -reqout "$WORK/$1.req" \
    >/dev/null 2>&1 || fail "$1: openssl ocsp -reqout failed"
  http_request "$1" GET "/ocsp/$(url_encoded_base64 "$WORK/$1.req")"
  expect_answer "$1" 200 application/ocsp-response
  "$OPENSSL" ocsp -respin "$WORK/$1.body" -issuer "$PKI/ca.pem" -cert "$PKI/$2.pem" \
    -CAfile "$PKI/ca.pem" >"$WORK/$1.out" 2>&1 || fail "$1: openssl ocsp -respin failed"
  expect "$WORK/$1.out" '^Response verify OK' "$1: openssl ocsp verifies the GET answer"
}
ocsp_post ocsp_customer_good customer
expect "$WORK/ocsp_customer_good.out" 'customer\.pem: good$' "POST: the customer is good"
ocsp_post ocsp_bank_good bank
expect "$WORK/ocsp_bank_good.out" 'bank\.pem: good$' "POST: the bank is good"
ocsp_get ocsp_get_good customer
expect "$WORK/ocsp_get_good.out" 'customer\.pem: good$' "GET: the customer is good"
for name in bank customer; do
  "$OPENSSL" verify -crl_check -crl_download -CAfile "$PKI/ca.pem" "$PKI/$name.pem" \
    >"$WORK/crl_$name.out" 2>&1 || fail "openssl verify -crl_download refuses the good $name"
  expect "$WORK/crl_$name.out" "$name\\.pem: OK\$" "openssl verify with the CRL from the CDP ($name)"
done
log "good: openssl ocsp (POST), the GET form and openssl verify -crl_download agree"

# ---------------------------------------------------------------- 4. revoked
serial=$("$OPENSSL" x509 -in "$PKI/customer.pem" -noout -serial | cut -d= -f2)
"$TTP" revoke --certs-dir "$TTP_DIR" --serial "$serial" --reason keyCompromise \
  >"$WORK/revoke.out" 2>>"$WORK/revoke.err" || fail "ttp revoke failed"
ocsp_post ocsp_customer_revoked customer
expect "$WORK/ocsp_customer_revoked.out" 'customer\.pem: revoked$' "POST: the customer is revoked"
expect "$WORK/ocsp_customer_revoked.out" 'Reason: keyCompromise' "POST: the revocation reason"
ocsp_get ocsp_get_revoked customer
expect "$WORK/ocsp_get_revoked.out" 'customer\.pem: revoked$' "GET: the customer is revoked"
ocsp_post ocsp_bank_still_good bank
expect "$WORK/ocsp_bank_still_good.out" 'bank\.pem: good$' "POST: the bank is still good"
if "$OPENSSL" verify -crl_check -crl_download -CAfile "$PKI/ca.pem" "$PKI/customer.pem" \
  >"$WORK/crl_customer_revoked.out" 2>&1; then
  fail "openssl verify -crl_download accepts the revoked customer"
fi
expect "$WORK/crl_customer_revoked.out" 'certificate revoked' \
  "openssl verify finds the customer in the CRL from the CDP"
"$OPENSSL" verify -crl_check -crl_download -CAfile "$PKI/ca.pem" "$PKI/bank.pem" \
  >"$WORK/crl_bank_after.out" 2>&1 || fail "openssl verify -crl_download refuses the good bank"
http_request crl GET /ca.crl
expect_answer crl 200 application/pkix-crl
"$OPENSSL" crl -inform DER -in "$WORK/crl.body" -noout -text >"$WORK/crl.txt" ||
  fail "/ca.crl is not a DER CRL"
expect "$WORK/crl.txt" "Serial Number: $serial" "the CRL lists the revoked serial"
log "revoked: openssl ocsp (POST and GET) and openssl verify -crl_download see it"

# ---------------------------------------------------------------- 5. refusals
printf 'this is not an OCSP request' >"$WORK/garbage.der"
http_request malformed POST /ocsp "$WORK/garbage.der"
expect_answer malformed 200 application/ocsp-response
"$OPENSSL" ocsp -respin "$WORK/malformed.body" -resp_text -noverify >"$WORK/malformed.out" 2>&1 ||
  true
expect "$WORK/malformed.out" 'malformedrequest \(1\)' "a body that is no OCSP request"
http_request malformed_get GET '/ocsp/%zz-not-base64'
expect_answer malformed_get 200 application/ocsp-response
"$OPENSSL" ocsp -respin "$WORK/malformed_get.body" -resp_text -noverify \
  >"$WORK/malformed_get.out" 2>&1 || true
expect "$WORK/malformed_get.out" 'malformedrequest \(1\)' "a GET path that is no request"

http_request unknown GET /ca.key
expect_answer unknown 404
http_request wrong_method DELETE /ca.crl
expect_answer wrong_method 405
expect "$WORK/wrong_method.head" '^Allow: GET, HEAD$' "405 names the allowed methods"
head -c 20000 /dev/zero >"$WORK/big.der"
http_request too_big POST /ocsp "$WORK/big.der"
expect_answer too_big 413
log "refusals: malformedRequest, 404, 405, 413"

# The TTP still answers after all that, and says nothing went wrong inside.
ocsp_post ocsp_after bank
expect "$WORK/ocsp_after.out" 'bank\.pem: good$' "the TTP still answers"
stop_process "$TTP_PID"
expect_not "$WORK/ttp.err" '\] (error|critical) ' "the TTP's log"

# ---------------------------------------------------------------- 6. --public-url
# Restarted with --public-url: new certificates name that URL, not the listener's address.
rm -f "$WORK/ttp.port" "$WORK/http.port"
start ttp_public "$TTP" serve --certs-dir "$TTP_DIR" --listen 127.0.0.1:0 \
  --port-file "$WORK/ttp.port" --http-listen 127.0.0.1:0 --http-port-file "$WORK/http.port" \
  --public-url http://pki.example:8080/ttp/ --log-level info
TTP_PID=$LAST_PID
wait_for "$WORK/http.port" '^[0-9]+$' "ttp serve writes its HTTP port again" "$TTP_PID"
wait_for "$WORK/ttp.port" '^[0-9]+$' "ttp serve writes its port again" "$TTP_PID"
TTP_PORT=$(head -n1 "$WORK/ttp.port")
HTTP_PORT=$(head -n1 "$WORK/http.port")
carol_token=$("$TTP" token create --certs-dir "$TTP_DIR" --role customer --cn carol \
  2>>"$WORK/token.err") || fail "ttp token create (carol) failed"
enroll carol customer "$carol_token" P-256 "/C=DE/CN=carol"
"$OPENSSL" x509 -in "$PKI/carol.pem" -noout -ext authorityInfoAccess,crlDistributionPoints \
  >"$WORK/carol-ext.out" 2>&1 || fail "openssl x509 cannot read carol's extensions"
expect "$WORK/carol-ext.out" 'OCSP - URI:http://pki\.example:8080/ttp/ocsp$' "--public-url (OCSP)"
expect "$WORK/carol-ext.out" 'CA Issuers - URI:http://pki\.example:8080/ttp/ca\.crt$' \
  "--public-url (caIssuers)"
expect "$WORK/carol-ext.out" 'URI:http://pki\.example:8080/ttp/ca\.crl$' "--public-url (CRL)"
# The revocation outlives the restart; the new port answers.
OCSP_URL=http://127.0.0.1:$HTTP_PORT/ocsp
ocsp_post ocsp_after_restart customer
expect "$WORK/ocsp_after_restart.out" 'customer\.pem: revoked$' "revoked after the restart"
stop_process "$TTP_PID"
expect_not "$WORK/ttp_public.err" '\] (error|critical) ' "the restarted TTP's log"
log "PASS: $root"

#!/usr/bin/env bash
# The product never links libssl: every daemon needs libcrypto and nothing from libssl.
#   tests/integration/no_libssl.sh build/bin/ttp build/bin/bank_server build/bin/client
set -uo pipefail
status=0
for binary in "$@"; do
  needed=$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  if ! grep -q '^libcrypto\.so' <<<"$needed"; then
    echo "FAIL: $binary does not link libcrypto (needs: $(echo $needed))"
    status=1
  elif grep -q '^libssl\.so' <<<"$needed" || ldd "$binary" | grep -q 'libssl\.so'; then
    echo "FAIL: $binary links libssl"
    status=1
  else
    echo "PASS: $(basename "$binary") links libcrypto and not libssl"
  fi
done
exit $status

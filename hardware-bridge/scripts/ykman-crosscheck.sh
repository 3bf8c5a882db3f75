#!/usr/bin/env bash
# Cross-check the emulated YKOATH card with Yubico's own client (ykman).
# Needs: pcscd and vsmartcard-vpcd (Debian packages), ykman (PyPI
# yubikey-manager; its pyscard builds against libpcsclite-dev).
# Starts its own pcscd only if none is running; stops only what it started.
set -euo pipefail
cd "$(dirname "$0")/../.."
READER="Virtual PCD 00 00"
TARGET="${CARGO_TARGET_DIR:-target}"
cargo build -q -p hardware-bridge --bin emulated-card
started_pcscd=""
if ! pgrep -x pcscd >/dev/null; then
  pcscd -f >/tmp/ykman-crosscheck-pcscd.log 2>&1 &
  started_pcscd=$!
  sleep 2
fi
: >/tmp/ykman-crosscheck-card.log
"$TARGET/debug/emulated-card" --kind ykoath >/tmp/ykman-crosscheck-card.log 2>&1 &
card=$!
cleanup() {
  kill "$card" 2>/dev/null || true
  if [ -n "$started_pcscd" ]; then kill "$started_pcscd" 2>/dev/null || true; fi
}
trap cleanup EXIT
for _ in $(seq 50); do grep -qs ready /tmp/ykman-crosscheck-card.log && break; sleep 0.1; done

yk() { timeout 30 ykman --reader "$READER" "$@"; }
yk oath info
# RFC 6238 key "12345678901234567890" in Base32, 8 digits.
yk oath accounts add -o TOTP -d 8 -i Example alice GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
got=$(yk oath accounts code Example | awk '{print $2}')
want=$(python3 -c "
import hmac,hashlib,struct,time
h=hmac.new(b'12345678901234567890',struct.pack('>Q',int(time.time())//30),hashlib.sha1).digest()
o=h[-1]&15; print('%08d'%((struct.unpack('>I',h[o:o+4])[0]&0x7fffffff)%10**8))")
[ "$got" = "$want" ] || { echo "code mismatch: ykman $got, expected $want"; exit 1; }
yk oath access change -n s3cret
if yk oath accounts list -p wrong >/dev/null 2>&1; then echo "wrong password accepted"; exit 1; fi
for i in $(seq 1 15); do
  yk oath accounts add -p s3cret -i "Some-long-issuer-name-$i" "user$i@example.com" JBSWY3DPEHPK3PXP >/dev/null
done
n=$(yk oath accounts list -p s3cret | wc -l)
[ "$n" = 16 ] || { echo "expected 16 accounts (61xx chaining), got $n"; exit 1; }
yk oath reset -f
echo "ykman cross-check passed"

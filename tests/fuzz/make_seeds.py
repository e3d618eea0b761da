#!/usr/bin/env python3
"""Builds the committed seed corpora under tests/fuzz/corpus/ (run from the repo root):
    SC_FUZZ_WRITE_SEEDS=/tmp/pieces build-fuzz/tests/fuzz/fuzz_client_engine
    python3 tests/fuzz/make_seeds.py /tmp/pieces
The pieces are the deterministic honest handshake of the fuzz harness (deterministic_handshake.hpp)
so that the structured seeds decrypt and verify exactly as the targets expect."""
import os
import subprocess
import sys

pieces = sys.argv[1]
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def piece(name):
    with open(os.path.join(pieces, name), "rb") as f:
        return f.read()


def write(target, name, data):
    folder = os.path.join(root, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def messages(stream):
    """Splits handshake messages: (type, body)."""
    out = []
    while len(stream) >= 4:
        length = int.from_bytes(stream[1:4], "big")
        out.append((stream[0], stream[4:4 + length]))
        stream = stream[4 + length:]
    return out


def records(stream):
    out = []
    while len(stream) >= 5:
        length = int.from_bytes(stream[3:5], "big")
        out.append((stream[0], stream[5:5 + length]))
        stream = stream[5 + length:]
    return out


client_hello_records = piece("client_hello_records.bin")
server_hello_records = piece("server_hello_records.bin")
server_flight = piece("server_encrypted_flight.bin")
client_flight = piece("client_second_flight.bin")
client_hello = records(client_hello_records)[0][1]
server_hello = records(server_hello_records)[0][1]

# ---- record layer
write("fuzz_record_deframer", "client_hello_whole", b"\x02\xff" + client_hello_records)
write("fuzz_record_deframer", "client_hello_bytewise", b"\x02\x00" + client_hello_records)
write("fuzz_record_deframer", "server_hello", b"\x00\x10" + server_hello_records)
write("fuzz_record_deframer", "protected", b"\x01\xff" + b"\x17\x03\x03\x00\x20" + bytes(32)
      + b"\x17\x03\x03\x00\x00")
write("fuzz_record_deframer", "fragmented_handshake",
      b"\x00\x07" + b"".join(b"\x16\x03\x03\x00\x10" + server_flight[i:i + 16]
                             for i in range(0, 64, 16)))
for i, aead in enumerate(["aes128", "aes256", "chacha"]):
    write("fuzz_record_protection", "seal_handshake_" + aead, bytes([0x80 | i, 0x16]) + server_flight[:64])
    write("fuzz_record_protection", "seal_alert_" + aead, bytes([0x80 | i, 0x15, 0x01, 0x00]))
    write("fuzz_record_protection", "open_garbage_" + aead,
          bytes([i]) + b"\x17\x03\x03\x00\x20" + bytes(range(32)))

# ---- handshake decoders
write("fuzz_decode_client_hello", "ours", client_hello[4:])
# An openssl s_client ClientHello (also used by tests/integration/hostile).
hex_path = os.path.join(os.path.dirname(root), "..", "integration", "hostile", "client_hello.hex")
with open(hex_path) as f:
    openssl_hello_records = bytes.fromhex(f.read().replace("\n", ""))
openssl_hello = records(openssl_hello_records)[0][1]
write("fuzz_decode_client_hello", "openssl", openssl_hello[4:])
write("fuzz_decode_server_hello", "ours", server_hello[4:])
names = {8: "encrypted_extensions", 13: "certificate_request", 11: "certificate",
         15: "certificate_verify", 20: "finished"}
for flight, who in ((server_flight, "server"), (client_flight, "client")):
    for kind, body in messages(flight):
        target = "fuzz_decode_" + names[kind]
        if kind == 20:
            body = (b"\x00" if len(body) == 32 else b"\x01") + body
        write(target, who, body)
write("fuzz_decode_key_update", "not_requested", b"\x00")
write("fuzz_decode_key_update", "requested", b"\x01")
write("fuzz_decode_new_session_ticket", "simple",
      b"\x00\x00\x1c\x20" + b"\x01\x02\x03\x04" + b"\x01\x00" + b"\x00\x04\xaa\xbb\xcc\xdd"
      + b"\x00\x00")
write("fuzz_decode_new_session_ticket", "early_data",
      b"\x00\x00\x1c\x20" + b"\x01\x02\x03\x04" + b"\x00" + b"\x00\x01\xaa"
      + b"\x00\x08\x00\x2a\x00\x04\x00\x00\x40\x00")
extension_seeds = [
    b"\x00\x04\x03\x04\x03\x03", b"\x01\x03\x04", b"\x02\x00\x04\x00\x1d\x00\x17",
    b"\x03\x00\x24\x00\x1d\x00\x20" + bytes(range(32)), b"\x04\x00\x1d\x00\x20" + bytes(range(32)),
    b"\x05\x00\x17", b"\x06\x00\x0e\x00\x00\x0bserver.test", b"\x07\x00\x04\xde\xad\xbe\xef"]
for i, seed in enumerate(extension_seeds):
    write("fuzz_decode_extensions", "codec%d" % i, seed)

# ---- engines: byte 0 even = raw stream, odd = deterministic mode (harness-sealed plaintext)
write("fuzz_client_engine", "raw_server_hello", b"\x00" + server_hello_records)
write("fuzz_client_engine", "honest_encrypted_flight", b"\x01" + server_flight)
write("fuzz_client_engine", "alert", b"\x00\x15\x03\x03\x00\x02\x02\x28")
write("fuzz_server_engine", "raw_client_hello", b"\x00" + client_hello_records)
write("fuzz_server_engine", "raw_openssl_client_hello", b"\x00" + openssl_hello_records)
write("fuzz_server_engine", "honest_second_flight", b"\x01" + client_flight)

# ---- OTP line protocol
lines = [
    b'REQUEST account=DE44500105175407324931 amount=250.00 currency=EUR payee="ACME \\"Ltd\\""\r\n',
    b"CONFIRM txn=T3f09c2a17b4d5e6f8a90 code=482913\n",
    b"HELP\nQUIT\n",
    b"OTP txn=T3f09c2a17b4d5e6f8a90 code=482913 expires_in=120 expires_at=2026-11-23T10:00:00Z\n",
    b"REJECTED txn=T3f09c2a17b4d5e6f8a90 reason=wrong-code attempts_left=2\nACCEPTED txn=T1\n",
    b"ERROR CONFIRM needs code=\nBYE\n",
    # version 2: transfers, devices, pushes (no final newline: the whole input is one line)
    b'TRANSFER account=DE89370400440532013000 amount=100000 currency=INR payee="your friend"',
    b"SUBSCRIBE\nPING\nSUBSCRIBED devices=2 pending=1\nPONG\n",
    b'OTP txn=T3f09c2a17b4d5e6f8a90 code=482913 account=DE89370400440532013000 amount=1000.00 '
    b'currency=INR payee="x\\"; touch /tmp/pwned; echo \\"" expires_in=120 '
    b"expires_at=2026-11-23T10:00:00Z",
    b"TRANSFER txn=T3f09c2a17b4d5e6f8a90 devices=1 expires_in=120 expires_at=2026-11-23T10:00:00Z",
    b"REJECTED txn=T3f09c2a17b4d5e6f8a90 reason=blocked attempts_left=0 customer_attempts_left=0 "
    b"blocked_until=2026-11-23T10:15:00Z",
    b"WARNING reason=last-attempt attempts_left=1\nBLOCKED until=2026-11-23T10:15:00Z\n",
]
for i, line in enumerate(lines):
    write("fuzz_otp_line", "line%d" % i, b"\xff" + line)
write("fuzz_otp_line", "bytewise", b"\x00" + lines[0])

# ---- TTP requests
csr = subprocess.run(
    ["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
     "-keyout", "/dev/null", "-subj", "/C=DE/CN=alice"], capture_output=True, check=True).stdout
csr_der = subprocess.run(["openssl", "req", "-outform", "DER"], input=csr, capture_output=True,
                         check=True).stdout
write("fuzz_ttp_request", "enroll", b"\xff" + b"ENROLL customer 3f9a00e1\n" + csr)
write("fuzz_ttp_request", "enroll_crlf", b"\x03" + b"ENROLL bank 3f9a00e1\r\n"
      + csr.replace(b"\n", b"\r\n"))
write("fuzz_ttp_request", "commands", b"\x10" + b"CA\nSTATUS 5A0C91\nCRL\nOCSP\n")
write("fuzz_ttp_request", "der", b"\xff" + csr_der)

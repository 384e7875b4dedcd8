#!/bin/sh
# make-posix-stats-seeds.sh - the seed corpus of fuzz_posix_stats
# (fuzz/corpus/posix_stats), from a real server: tests/helpers/test-server
# serves a posix channel (six methods: echo, sleep, fail, big, pid,
# echo_bytes, in a table of 16), shmrpc-call makes calls of four of them,
# and the counters file /dev/shm/shmrpc_posix_NAME is copied in the
# target's input form (8 bytes of file size, little-endian, then the
# file, trailing zeros left out: the target zero-fills).  The variants
# are that file edited as posix_layout.h and methods_layout.h say:
# smaller capacities, a count beyond the capacity, a full-length cut name,
# and the two refusals nearest to acceptance (size, capacity).
#
# usage: fuzz/make-posix-stats-seeds.sh   (after make all tests; BUILD=dir)
set -eu
BUILD=${BUILD:-build}
out=fuzz/corpus/posix_stats
ch=psseed$$
file=/dev/shm/shmrpc_posix_$ch
mkdir -p "$out"

"$BUILD/tests/test-server" -t posix "$ch" >"/tmp/$ch.out" &
srv=$!
trap 'kill $srv 2>/dev/null; wait $srv 2>/dev/null; rm -f /tmp/$ch.out' EXIT
"$BUILD/bin/shmrpc-call" -t posix -w 5 -c 20 "$ch" echo x=1 >/dev/null
"$BUILD/bin/shmrpc-call" -t posix -c 3 "$ch" fail >/dev/null 2>&1 || true
"$BUILD/bin/shmrpc-call" -t posix -c 5 "$ch" sleep ms:=2 >/dev/null
"$BUILD/bin/shmrpc-call" -t posix "$ch" pid >/dev/null
# A call is counted once its answer is out: give the last one a moment.
sleep 0.2

python3 - "$file" "$out" <<'EOF'
import struct, sys

raw = open(sys.argv[1], "rb").read()
out = sys.argv[2]
HDR, TABLE = 4096, 64
# struct method_entry: name[256], flags, the counters from byte 320;
# 8 u64 (errors, sum_ns, 6 reserved) then 256 latency buckets.
ENTRY = 320 + 8 * 8 + 256 * 8
magic, version, hsize, cap, moff, total = struct.unpack_from("<IIIIQQ", raw)
assert (magic, version, hsize, moff, total) == (0x50505253, 1, HDR, HDR,
                                                len(raw)), "layout changed"
assert total == HDR + TABLE + cap * ENTRY, "entry size changed"

def size_of(c):
    return HDR + TABLE + c * ENTRY

def with_cap(b, c, count=None):
    b = bytearray(b[:size_of(c)].ljust(size_of(c), b"\0"))
    struct.pack_into("<I", b, 12, c)
    struct.pack_into("<Q", b, 24, size_of(c))
    if count is not None:
        struct.pack_into("<I", b, HDR, count)
    return bytes(b)

def put(name, b, size=None):
    with open(f"{out}/{name}", "wb") as f:
        f.write(struct.pack("<Q", len(b) if size is None else size))
        f.write(b.rstrip(b"\0"))

put("real_6_methods_of_16", raw)
put("cap_1_of_them", with_cap(raw, 1))
put("cap_0", with_cap(raw, 0, 0))
put("count_beyond_cap_4", with_cap(raw, 4, 0xffffffff))
cut = bytearray(with_cap(raw, 2))
cut[HDR + TABLE + ENTRY:HDR + TABLE + ENTRY + 255] = b"m" * 255
struct.pack_into("<I", cut, HDR + TABLE + ENTRY + 256, 1)  # TRUNCATED
put("name_255_truncated", bytes(cut))
put("size_one_short", raw, len(raw) - 1)
over = bytearray(raw)
struct.pack_into("<I", over, 12, 4097)
put("cap_beyond_max", bytes(over))
EOF
ls -l "$out"

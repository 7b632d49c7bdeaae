#!/bin/sh
# tests/fuzz/run.sh [SECONDS] — build every tests/fuzz/fuzz_*.c with libFuzzer,
# ASan and UBSan against all of core/ and sim/ (mains left out) plus llhttp,
# and run each for SECONDS (default 30). Corpora live in build/fuzz/corpus/NAME
# (seeded from tests/fuzz/corpus/NAME when present); crashes are saved under
# build/fuzz/artifacts/. Prints one line per target; exits 1 if any crashed.
set -u
cd "$(dirname "$0")/../.." || exit 2
secs=${1:-30}
out=build/fuzz
mkdir -p "$out/obj" "$out/corpus" "$out/artifacts"
pkgs="lua5.4 libuv libcurl libcjson sqlite3 openssl yaml-0.1 zlib"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cflags="-std=c11 -D_GNU_SOURCE -g -O1 $san -Icore -Isim -I/usr/share/include/llhttp $(pkg-config --cflags $pkgs)"
libs="$(pkg-config --libs $pkgs) -lm -lpthread"

# Library objects: everything but files that define main().
srcs=""
for f in core/*/*.c sim/*.c; do
    case "$f" in core/app/*) continue ;; esac  # the serve assembly needs the generated UI table
    [ -f "$f" ] || continue
    grep -qE '^int main\(' "$f" && continue
    srcs="$srcs $f"
done
# A source that does not compile (someone's work in progress) is left out
# with a warning; a target that needs it then fails to link, and says so.
objs=""
for f in $srcs /usr/share/llhttp/*.c; do
    o="$out/obj/$(echo "$f" | tr '/' '_' | sed 's/\.c$/.o/')"
    if [ ! "$o" -nt "$f" ]; then
        case "$f" in
        /usr/*) flags="-std=c11 -g -O1 $san -I/usr/share/include/llhttp" ;;
        *) flags="$cflags" ;;
        esac
        # Written aside and renamed, so a concurrent run never sees half a file.
        if ! clang $flags -fsanitize=fuzzer-no-link -w -c "$f" -o "$o.$$" 2>"$o.err"; then
            echo "fuzz: warning: $f does not compile, left out"
            rm -f "$o.$$" "$o"
            continue
        fi
        mv -f "$o.$$" "$o"
    fi
    objs="$objs $o"
done
lib="$out/libfuzzcore.$$.a"
rm -f "$lib"
ar rcs "$lib" $objs

status=0
for t in tests/fuzz/fuzz_*.c; do
    name=$(basename "$t" .c)
    bin="$out/$name"
    if ! clang $cflags -fsanitize=fuzzer -o "$bin" "$t" "$lib" $libs; then
        echo "fuzz $name: BUILD FAILED"
        status=1
        continue
    fi
    mkdir -p "$out/corpus/$name"
    seeds=""
    [ -d "tests/fuzz/corpus/$name" ] && seeds="tests/fuzz/corpus/$name"
    log="$out/$name.log"
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$out/artifacts/$name-" "$out/corpus/$name" $seeds >"$log" 2>&1
    rc=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
    if [ $rc -eq 0 ]; then
        echo "fuzz $name: ok (${execs:-?} runs in ${secs}s)"
    else
        echo "fuzz $name: CRASH (exit $rc) — see $log and $out/artifacts/"
        grep -m3 -E 'ERROR|SUMMARY' "$log"
        status=1
    fi
done
rm -f "$lib"
exit $status

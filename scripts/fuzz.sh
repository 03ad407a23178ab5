#!/usr/bin/env bash
# `make fuzz`: runs every fuzz target for FUZZ_SECONDS, one after the other, and prints (and
# writes to .run/fuzz/summary.md) each one's executions, peak RSS and findings. A finding stops
# its target early and is kept under .run/fuzz/artifacts/<target>/; commit it, minimized, to
# fuzz/regressions/<target>/ once fixed, where `make test` replays it.
#
# FUZZ_RUNS, when set, also stops each target after that many executions (the run that meets
# the 10^6 target: `FUZZ_RUNS=1000000`, with FUZZ_SECONDS as the cap).
#
# Built with `--sanitizer none`, so a stable toolchain runs it (cargo-fuzz's default ASan build
# needs nightly). Memory is bounded by the fuzz binaries' own allocator (256 MiB of Rust heap,
# fuzz/src/lib.rs), with libFuzzer's RSS limit as a backstop; an input slower than 10 s is a
# finding too.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cargo_fuzz=${CARGO_FUZZ:-$root/.tools/bin/cargo-fuzz}
seconds=${FUZZ_SECONDS:-60}
run_limit=${FUZZ_RUNS:+-runs=$FUZZ_RUNS}
targets=${FUZZ_TARGETS:-csv_export xlsx_export bank_statement rules_plan accounting_webhook stripe_webhook link_tokens inbound_mime pdf_text amounts dates}
target_dir=${FUZZ_TARGET_DIR:-$root/target/fuzz}
work=$root/.run/fuzz
mkdir -p "$work"
summary=$work/summary.md

# Inputs up to these sizes (bytes): documents and workbooks need room, text parsers little.
max_len() {
    case $1 in
        pdf_text|xlsx_export|inbound_mime) echo 65536 ;;
        csv_export|bank_statement|rules_plan|stripe_webhook|accounting_webhook) echo 16384 ;;
        *) echo 4096 ;;
    esac
}

cd "$root" || exit 1
"$cargo_fuzz" fuzz build --sanitizer none --fuzz-dir fuzz --target-dir "$target_dir" || exit 1

{
    echo "| target | seconds | executions | execs/s | peak RSS (MB) | corpus | findings |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
} > "$summary"
failed=0
for target in $targets; do
    corpus=$work/corpus/$target
    artifacts=$work/artifacts/$target
    mkdir -p "$corpus" "$artifacts"
    log=$work/$target.log
    # The working corpus comes first: libFuzzer adds new inputs there, never to the seeds.
    "$cargo_fuzz" fuzz run --sanitizer none --fuzz-dir fuzz --target-dir "$target_dir" \
        "$target" "$corpus" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" $run_limit -max_len="$(max_len "$target")" -timeout=10 \
        -rss_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$artifacts/" \
        > "$log" 2>&1
    status=$?
    runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
    rss=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
    took=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | tail -1 | grep -o '[0-9]* second' | grep -o '[0-9]*')
    units=$(find "$corpus" -type f | wc -l)
    found=$(find "$artifacts" -type f | wc -l)
    if [ "$status" -ne 0 ] || [ "$found" -ne 0 ]; then
        failed=1
        finding="$found: $(find "$artifacts" -type f -printf '%f ' | head -c 200)"
    else
        finding=0
    fi
    rate=$(( ${runs:-0} / ( ${took:-$seconds} > 0 ? ${took:-$seconds} : 1 ) ))
    echo "| $target | ${took:-?} | ${runs:-?} | $rate | ${rss:-?} | $units | $finding |" | tee -a "$summary"
done
echo
cat "$summary"
exit $failed

#!/usr/bin/env bash
# bench/versions/run.sh - Debian version comparisons per second: Ward's vercmp()
# (src/software/vercmp.c in a small C driver, an in-process loop) against
# python3-apt's apt_pkg.version_compare (an in-process loop in Python) and
# dpkg --compare-versions (a process per comparison, on a sample), on the same
# pairs of real versions from this machine's apt lists and dpkg status.
#
# Targets, each run --runs times (default 3), interleaved, medians reported:
#   ward        vercmp-bench PAIRS: every pair, looped for --seconds
#   python-apt  /usr/bin/python3: apt_pkg.version_compare on every pair, looped for --seconds
#   dpkg        dpkg --compare-versions A lt B in a shell loop, --dpkg-sample pairs
#
# Also checks the answers: Ward's must equal dpkg's on the whole sample (a failure
# otherwise); disagreements with apt_pkg (apt's own implementation) are counted.
# Everything lives in a temporary directory that is removed on exit.

set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

usage() {
    cat <<'EOF'
Usage: bench/versions/run.sh [--runs N] [--pairs N] [--dpkg-sample N] [--seconds S] [--json]

Comparisons per second of Ward's in-process version comparison, python3-apt's
apt_pkg.version_compare and dpkg --compare-versions (a process per call), on
pairs of real versions from this machine's apt lists (neighbours after
sorting, random pairs, pairs of one package, edits of real versions). Goal:
Ward at least as fast as python3-apt.

Options:
  --runs N          measured runs per target (default 3); the median is reported
  --pairs N         pairs in the corpus (default 200000)
  --dpkg-sample N   pairs given to dpkg, a process each (default 1000)
  --seconds S       how long each in-process loop runs (default 2)
  --json            print the figures as JSON on stdout (the table then goes to stderr)
  -h, --help        this text

Environment:
  CC       the C compiler for the driver (default: cc)
  TMPDIR   where the temporary directory is made (default /tmp)

Exit status: 0 when every run succeeded and Ward agreed with dpkg on every
sampled pair (whether or not the goal was met), 1 otherwise.
EOF
}

RUNS=3
PAIRS=200000
SAMPLE=1000
SECONDS_LOOP=2
JSON=0
while (( $# > 0 )); do
    case $1 in
        --runs)        (( $# >= 2 )) || die "--runs needs a value"; RUNS=$2; shift 2 ;;
        --runs=*)      RUNS=${1#*=}; shift ;;
        --pairs)       (( $# >= 2 )) || die "--pairs needs a value"; PAIRS=$2; shift 2 ;;
        --pairs=*)     PAIRS=${1#*=}; shift ;;
        --dpkg-sample) (( $# >= 2 )) || die "--dpkg-sample needs a value"; SAMPLE=$2; shift 2 ;;
        --dpkg-sample=*) SAMPLE=${1#*=}; shift ;;
        --seconds)     (( $# >= 2 )) || die "--seconds needs a value"; SECONDS_LOOP=$2; shift 2 ;;
        --seconds=*)   SECONDS_LOOP=${1#*=}; shift ;;
        --json)        JSON=1; shift ;;
        -h|--help)     usage; exit 0 ;;
        *)             usage >&2; die "unknown argument: $1" ;;
    esac
done
is_posint "$RUNS" || die "--runs must be a positive whole number, not '$RUNS'"
is_posint "$PAIRS" || die "--pairs must be a positive whole number, not '$PAIRS'"
is_posint "$SAMPLE" || die "--dpkg-sample must be a positive whole number, not '$SAMPLE'"
is_posint "$SECONDS_LOOP" || die "--seconds must be a positive whole number, not '$SECONDS_LOOP'"
RUNS=$((10#$RUNS)); PAIRS=$((10#$PAIRS)); SAMPLE=$((10#$SAMPLE)); SECONDS_LOOP=$((10#$SECONDS_LOOP))

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)
CC=${CC:-cc}
# Debian's own python3: python3-apt is built for it, not for a python3 earlier on PATH.
PYAPT=/usr/bin/python3

# ------------------------------------------------------------ dependencies
missing_pkgs=()
command -v python3 >/dev/null 2>&1 || missing_pkgs+=(python3)
command -v dpkg >/dev/null 2>&1 || missing_pkgs+=(dpkg)
command -v "$CC" >/dev/null 2>&1 || missing_pkgs+=(gcc)
[[ -x $PYAPT ]] && "$PYAPT" -c 'import apt_pkg' 2>/dev/null || missing_pkgs+=(python3-apt)
if (( ${#missing_pkgs[@]} > 0 )); then
    sudo=
    (( EUID != 0 )) && sudo='sudo '
    log "run.sh: missing: ${missing_pkgs[*]}. Install with:"
    log "    ${sudo}apt-get install -y ${missing_pkgs[*]}"
    exit 1
fi
[[ -f $SCRIPT_DIR/vercmp-bench.c && -f $SCRIPT_DIR/apt-pkg-bench.py ]] || die "missing vercmp-bench.c or apt-pkg-bench.py next to run.sh"
[[ -f $REPO/tests/integ/vercorpus.py ]] || die "missing tests/integ/vercorpus.py (the corpus generator)"

# ------------------------------------------------------- temp dir, cleanup
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ward-bench-versions.XXXXXX")
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    rm -rf -- "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ------------------------------------------------------------------ setup
log "== setup"
DRIVER=$TMP/vercmp-bench
"$CC" -O2 -D_GNU_SOURCE -I"$REPO/src" -o "$DRIVER" "$SCRIPT_DIR/vercmp-bench.c" "$REPO/src/software/vercmp.c" \
    "$REPO/src/core/err.c" 2>"$TMP/cc.log" || { cat "$TMP/cc.log" >&2; die "cannot build vercmp-bench.c"; }
CORPUS=$(python3 "$REPO/tests/integ/vercorpus.py" pairs "$TMP" --max "$PAIRS" --sample "$SAMPLE") ||
    die "cannot build the corpus of versions"
NPAIRS=$(wc -l <"$TMP/pairs.tsv")
head -n "$SAMPLE" "$TMP/sample.tsv" >"$TMP/dpkg.tsv"
NSAMPLE=$(wc -l <"$TMP/dpkg.tsv")
log "corpus:     $CORPUS"
log "pairs:      $NPAIRS (ward, python-apt), $NSAMPLE of them for dpkg"

# ------------------------------------------------------------- the answers
FAILURES=()
"$DRIVER" "$TMP/dpkg.tsv" --seconds 0 --out "$TMP/ward-sample.out" >/dev/null
DPKG_DISAGREE=0
while IFS=$'\t' read -r a b && read -r w <&3; do
    case $w in -1) op=lt ;; 0) op=eq ;; *) op=gt ;; esac
    dpkg --compare-versions "$a" "$op" "$b" 2>/dev/null || DPKG_DISAGREE=$((DPKG_DISAGREE + 1))
done <"$TMP/dpkg.tsv" 3<"$TMP/ward-sample.out"
(( DPKG_DISAGREE == 0 )) || FAILURES+=("ward and dpkg disagree on $DPKG_DISAGREE of $NSAMPLE sampled pairs")
"$DRIVER" "$TMP/pairs.tsv" --seconds 0 --out "$TMP/ward-all.out" >/dev/null
APT_DISAGREE=$("$PYAPT" "$SCRIPT_DIR/apt-pkg-bench.py" "$TMP/pairs.tsv" --answers "$TMP/ward-all.out")
log "answers:    ward = dpkg on all $NSAMPLE sampled pairs: $( (( DPKG_DISAGREE == 0 )) && echo yes || echo "NO ($DPKG_DISAGREE differ)" ); ward vs apt_pkg: $APT_DISAGREE of $NPAIRS differ"

CPUS=$(nproc 2>/dev/null || echo '?')
LOAD_START=$(loadavg)

# ---------------------------------------------------------------- measure
TARGETS=(ward python-apt dpkg)
declare -A RATE
for t in "${TARGETS[@]}"; do RATE[$t]=; done

run_dpkg() { # comparisons per second of a process per comparison
    local start end
    start=$(date +%s%N)
    while IFS=$'\t' read -r a b; do
        dpkg --compare-versions "$a" lt "$b" 2>/dev/null || true
    done <"$TMP/dpkg.tsv"
    end=$(date +%s%N)
    awk -v n="$NSAMPLE" -v ns=$(( end - start )) 'BEGIN { printf "%.0f", n / (ns / 1e9) }'
}

log "== measuring ($RUNS runs per target, interleaved)"
for (( r = 1; r <= RUNS; r++ )); do
    v=$("$DRIVER" "$TMP/pairs.tsv" --seconds "$SECONDS_LOOP" | sed -n 's/.* per_second \([0-9]*\).*/\1/p')
    [[ -n $v ]] || die "vercmp-bench printed no rate"
    RATE[ward]+="$v "
    log "$(printf 'run %d/%d  %-11s %12s comparisons/s' "$r" "$RUNS" ward "$v")"
    v=$("$PYAPT" "$SCRIPT_DIR/apt-pkg-bench.py" "$TMP/pairs.tsv" --seconds "$SECONDS_LOOP")
    [[ $v =~ ^[0-9]+$ ]] || die "apt-pkg-bench.py printed '$v'"
    RATE[python-apt]+="$v "
    log "$(printf 'run %d/%d  %-11s %12s comparisons/s' "$r" "$RUNS" python-apt "$v")"
    v=$(run_dpkg)
    RATE[dpkg]+="$v "
    log "$(printf 'run %d/%d  %-11s %12s comparisons/s' "$r" "$RUNS" dpkg "$v")"
done
LOAD_END=$(loadavg)

# ---------------------------------------------------------------- results
declare -A MED
for t in "${TARGETS[@]}"; do
    read -r -a v <<<"${RATE[$t]}"
    MED[$t]=$(median "${v[@]}")
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "nan" }'; }
R_APT=$(ratio "${MED[ward]}" "${MED[python-apt]}")
R_DPKG=$(ratio "${MED[ward]}" "${MED[dpkg]}")
GOAL_MET=$(awk -v a="${MED[ward]}" -v b="${MED[python-apt]}" 'BEGIN { print (a >= b) ? "true" : "false" }')
PYAPT_VERSION=$("$PYAPT" -c 'import apt_pkg; print(apt_pkg.VERSION)' 2>/dev/null || echo '?')
DPKG_VERSION=$(dpkg-query -W -f '${Version}' dpkg 2>/dev/null || echo '?')

print_table() {
    local t
    printf '\nVersion comparison benchmark: %d runs per target, interleaved, medians; %s CPUs\n' "$RUNS" "$CPUS"
    printf 'corpus: %s\n' "$CORPUS"
    printf 'apt_pkg %s (python3-apt); dpkg %s; load average (1 min) before: %s, after: %s\n\n' "$PYAPT_VERSION" \
        "$DPKG_VERSION" "$LOAD_START" "$LOAD_END"
    printf '%-52s %16s\n' target 'comparisons/s'
    printf '%-52s %16.0f\n' "ward vercmp(), in process, $NPAIRS pairs" "${MED[ward]}"
    printf '%-52s %16.0f\n' "python3-apt apt_pkg.version_compare, same pairs" "${MED[python-apt]}"
    printf '%-52s %16.0f\n' "dpkg --compare-versions, a process each, $NSAMPLE pairs" "${MED[dpkg]}"
    printf '\nward / python-apt: %sx    ward / dpkg: %sx\n' "$R_APT" "$R_DPKG"
    printf 'per run:\n'
    for t in "${TARGETS[@]}"; do printf '  %-11s %s\n' "$t" "${RATE[$t]% }"; done
    printf '\nGoal: Ward at least as fast as python3-apt: %s\n' "$( [[ $GOAL_MET == true ]] && echo met || echo 'NOT met')"
    printf 'answers: ward = dpkg on %d sampled pairs: %s; ward vs apt_pkg: %s of %d pairs differ\n' "$NSAMPLE" \
        "$( (( DPKG_DISAGREE == 0 )) && echo yes || echo "no, $DPKG_DISAGREE differ")" "$APT_DISAGREE" "$NPAIRS"
    if (( ${#FAILURES[@]} > 0 )); then
        printf 'FAILURES:\n'
        printf '  %s\n' "${FAILURES[@]}"
    fi
}

print_json() {
    printf '{\n  "benchmark": "versions",\n  "runs": %d,\n  "pairs": %d,\n  "dpkg_sample": %d,\n' "$RUNS" "$NPAIRS" "$NSAMPLE"
    printf '  "cpus": "%s",\n  "loadavg_before": "%s",\n  "loadavg_after": "%s",\n' "$CPUS" "$LOAD_START" "$LOAD_END"
    printf '  "per_second": {"ward": %s, "python_apt": %s, "dpkg": %s},\n' "$(json_list "${RATE[ward]}")" \
        "$(json_list "${RATE[python-apt]}")" "$(json_list "${RATE[dpkg]}")"
    printf '  "median": {"ward": %s, "python_apt": %s, "dpkg": %s},\n' "${MED[ward]}" "${MED[python-apt]}" "${MED[dpkg]}"
    printf '  "ratio": {"python_apt": %s, "dpkg": %s},\n  "goal_met": %s,\n' "$R_APT" "$R_DPKG" "$GOAL_MET"
    printf '  "dpkg_disagreements": %d,\n  "apt_pkg_disagreements": %d,\n' "$DPKG_DISAGREE" "$APT_DISAGREE"
    json_failures
}

finish_output

#!/usr/bin/env bash
# bench/upgrades/run.sh - this machine's available upgrades: `ward upgrades --json`
# (in process, from the apt lists) against `apt-get -s upgrade`, wall and CPU time,
# and that both give the same answer (the same packages, versions, security ones and
# kept-back ones).
#
# Targets, each run --runs times (default 5), interleaved, medians reported:
#   ward          ward upgrades --json
#   apt-get       apt-get -s -q upgrade, as apt is configured here
#   apt-get-warm  apt-get -s -q upgrade with its binary cache (pkgcache.bin) in the
#                 temporary directory, built by a warm-up run first: the fastest apt
#                 can be (some images, Docker's among them, turn that cache off)
#
# Nothing is installed or changed: apt-get only simulates. Everything lives in a
# temporary directory that is removed on exit.

set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

usage() {
    cat <<'EOF'
Usage: bench/upgrades/run.sh [--runs N] [--json]

Wall and CPU time of `ward upgrades --json` against `apt-get -s upgrade` (as
configured, and with a warm binary cache) on this machine's own apt lists, and
a check that they agree. Goal: Ward 10x faster with the same answer.

Options:
  --runs N   measured runs per target (default 5); the median is reported
  --json     print the figures as JSON on stdout (the table then goes to stderr)
  -h, --help this text

Environment:
  WARD_BIN   the ward binary (default: <repo>/build/ward); copied into the temporary
             directory first
  CC         the C compiler for the rusage helper (default: cc)
  TMPDIR     where the temporary directory is made (default /tmp)

Exit status: 0 when every run succeeded and the answers agree (whether or not
the goal was met), 1 otherwise.
EOF
}

RUNS=5
JSON=0
GOAL_RATIO=10
while (( $# > 0 )); do
    case $1 in
        --runs)   (( $# >= 2 )) || die "--runs needs a value"; RUNS=$2; shift 2 ;;
        --runs=*) RUNS=${1#*=}; shift ;;
        --json)   JSON=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *)        usage >&2; die "unknown argument: $1" ;;
    esac
done
is_posint "$RUNS" || die "--runs must be a positive whole number, not '$RUNS'"
RUNS=$((10#$RUNS))

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)
WARD_SRC=${WARD_BIN:-$REPO/build/ward}
CC=${CC:-cc}
RUSAGE_C=$REPO/bench/agent/rusage.c

# ------------------------------------------------------------ dependencies
missing_pkgs=()
command -v apt-get >/dev/null 2>&1 || missing_pkgs+=(apt)
command -v jq >/dev/null 2>&1 || missing_pkgs+=(jq)
command -v "$CC" >/dev/null 2>&1 || missing_pkgs+=(gcc)
[[ -x /usr/bin/time ]] || missing_pkgs+=(time)
if (( ${#missing_pkgs[@]} > 0 )); then
    sudo=
    (( EUID != 0 )) && sudo='sudo '
    log "run.sh: missing: ${missing_pkgs[*]}. Install with:"
    log "    ${sudo}apt-get install -y ${missing_pkgs[*]}"
    exit 1
fi
[[ -x $WARD_SRC ]] || die "no ward binary at $WARD_SRC (build it first, or set WARD_BIN)"
[[ -f $RUSAGE_C ]] || die "missing $RUSAGE_C (the rusage helper bench/agent uses)"
compgen -G "/var/lib/apt/lists/*_Packages*" >/dev/null || die "no apt lists in /var/lib/apt/lists: run apt-get update first"

# ------------------------------------------------------- temp dir, cleanup
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ward-bench-upgrades.XXXXXX")
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
WARD=$TMP/ward
cp "$WARD_SRC" "$WARD"
RUSAGE=$TMP/rusage
"$CC" -O2 -Wall -o "$RUSAGE" "$RUSAGE_C" 2>"$TMP/cc.log" || { cat "$TMP/cc.log" >&2; die "cannot build rusage.c"; }
APT_WARM=(-o "Dir::Cache::pkgcache=$TMP/pkgcache.bin" -o "Dir::Cache::srcpkgcache=$TMP/srcpkgcache.bin")
LISTS=$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' | wc -l)
LIST_BYTES=$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -printf '%s\n' | awk '{ s += $1 } END { print s }')
INSTALLED=$(dpkg-query -W -f '${db:Status-Status}\n' 2>/dev/null | grep -c '^installed$' || true)
log "lists:      $LISTS Packages indexes, $LIST_BYTES bytes as stored; $INSTALLED packages installed"

# ------------------------------------------------------------- the answers
FAILURES=()
"$WARD" --json upgrades >"$TMP/ward.json" 2>"$TMP/ward.err" || { cat "$TMP/ward.err" >&2; die "ward upgrades failed"; }
apt-get -s -q upgrade >"$TMP/apt.txt" 2>"$TMP/apt.err" || { cat "$TMP/apt.err" >&2; die "apt-get -s upgrade failed"; }
apt-get -s -q upgrade "${APT_WARM[@]}" >/dev/null 2>&1 || die "apt-get -s upgrade with a binary cache failed"
jq -r '.native_architecture as $n | .upgrades[] |
    "\(.name)\(if .architecture == $n or .architecture == "all" then "" else ":" + .architecture end) \(.installed) \(.candidate)"' \
    "$TMP/ward.json" | sort >"$TMP/ward.set"
sed -nE 's/^Inst ([^ ]+) \[([^]]+)\] \(([^ ]+) .*/\1 \2 \3/p' "$TMP/apt.txt" | sort >"$TMP/apt.set"
jq -r '.held[].name' "$TMP/ward.json" | sort -u >"$TMP/ward.held"
sed -n '/kept back:$/,/^[^ ]/p' "$TMP/apt.txt" | grep '^ ' | tr ' ' '\n' | grep -v '^$' | sed 's/:.*//' | sort -u >"$TMP/apt.held" || true
jq -r '.upgrades[] | select(.security) | .name' "$TMP/ward.json" | sort >"$TMP/ward.sec"
sed -nE 's/^Inst ([^ :]+)(:[^ ]+)? \[[^]]+\] \([^ ]+ (.*)\)( \[.*\])?$/\1 \3/p' "$TMP/apt.txt" |
    grep -E -- '-security|/updates' | cut -d' ' -f1 | sort >"$TMP/apt.sec" || true
N_UPGRADES=$(wc -l <"$TMP/apt.set")
N_SECURITY=$(wc -l <"$TMP/apt.sec")
N_HELD=$(wc -l <"$TMP/apt.held")
AGREE=true
if ! diff -q "$TMP/ward.set" "$TMP/apt.set" >/dev/null; then
    AGREE=false
    FAILURES+=("the upgrades differ from apt-get's: $(diff "$TMP/apt.set" "$TMP/ward.set" | awk '/^[<>]/ && n++ < 5' | tr '\n' ' ' || true)")
fi
if ! diff -q "$TMP/ward.sec" "$TMP/apt.sec" >/dev/null; then
    AGREE=false
    FAILURES+=("the security upgrades differ from apt-get's")
fi
if ! diff -q "$TMP/ward.held" "$TMP/apt.held" >/dev/null; then
    AGREE=false
    FAILURES+=("the kept-back packages differ from apt-get's: $(diff "$TMP/apt.held" "$TMP/ward.held" | grep '^[<>]' | tr '\n' ' ' || true)")
fi
log "answers:    apt-get: $N_UPGRADES upgrades ($N_SECURITY security), $N_HELD kept back; ward agrees: $AGREE"

CPUS=$(nproc 2>/dev/null || echo '?')
LOAD_START=$(loadavg)

# ---------------------------------------------------------------- measure
TARGETS=(ward apt-get apt-get-warm)
declare -A CPU WALL RSS
for t in "${TARGETS[@]}"; do CPU[$t]=; WALL[$t]=; RSS[$t]=; done

measure() { # TARGET RUN COMMAND...
    local t=$1 r=$2 ru=$TMP/$1-$2.ru tv=$TMP/$1-$2.time rc=0 cpu wall rss
    shift 2
    /usr/bin/time -v -o "$tv" "$RUSAGE" "$ru" "$@" >/dev/null 2>"$TMP/$t.err" </dev/null || rc=$?
    if (( rc != 0 )); then
        FAILURES+=("$t run $r: exit status $rc: $(grep -v '^$' "$TMP/$t.err" | tail -n 1 || true)")
        return 0
    fi
    cpu=$(sed -n 's/.* user_us=\([0-9]*\) sys_us=\([0-9]*\) .*/\1 \2/p' "$ru" | awk '{ printf "%.3f", ($1 + $2) / 1000 }')
    wall=$(sed -n 's/.* wall_us=\([0-9]*\) .*/\1/p' "$ru" | awk '{ printf "%.3f", $1 / 1000 }')
    rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tv")
    [[ -n $cpu && -n $wall && -n $rss ]] || { cat "$ru" "$tv" >&2; die "cannot read the measurements of $t"; }
    CPU[$t]+="$cpu "
    WALL[$t]+="$wall "
    RSS[$t]+="$rss "
    log "$(printf 'run %d/%d  %-13s cpu %9s ms  wall %9s ms  rss %7s kB' "$r" "$RUNS" "$t" "$cpu" "$wall" "$rss")"
}
time_out=$(/usr/bin/time -v true 2>&1 || true) # not piped into grep -q: pipefail would see the SIGPIPE
[[ $time_out == *'Maximum resident set size'* ]] || die "/usr/bin/time is not GNU time; apt-get install -y time"

log "== measuring ($RUNS runs per target, interleaved)"
for (( r = 1; r <= RUNS; r++ )); do
    measure ward "$r" "$WARD" --json upgrades
    measure apt-get "$r" apt-get -s -q upgrade
    measure apt-get-warm "$r" apt-get -s -q upgrade "${APT_WARM[@]}"
done
LOAD_END=$(loadavg)

# ---------------------------------------------------------------- results
declare -A MED_CPU MED_WALL MED_RSS
for t in "${TARGETS[@]}"; do
    read -r -a v <<<"${CPU[$t]}";  MED_CPU[$t]=$(median "${v[@]}")
    read -r -a v <<<"${WALL[$t]}"; MED_WALL[$t]=$(median "${v[@]}")
    read -r -a v <<<"${RSS[$t]}";  MED_RSS[$t]=$(median "${v[@]}")
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "nan" }'; }
R_WALL=$(ratio "${MED_WALL[apt-get]}" "${MED_WALL[ward]}")
R_CPU=$(ratio "${MED_CPU[apt-get]}" "${MED_CPU[ward]}")
R_WALL_WARM=$(ratio "${MED_WALL[apt-get-warm]}" "${MED_WALL[ward]}")
R_CPU_WARM=$(ratio "${MED_CPU[apt-get-warm]}" "${MED_CPU[ward]}")
GOAL_MET=$(awk -v r="$R_WALL_WARM" -v g="$GOAL_RATIO" -v ok="$AGREE" 'BEGIN { print (ok == "true" && r + 0 >= g) ? "true" : "false" }')
# awk reads to the end: head would end the pipe early, and pipefail would stop the script.
APT_VERSION=$(apt-get --version 2>/dev/null | awk 'NR == 1 { print $2 }' || true)

print_table() {
    local t
    printf '\nUpgrades benchmark: %d runs per target, interleaved, medians; %s CPUs\n' "$RUNS" "$CPUS"
    printf 'apt %s; %d Packages indexes (%d bytes as stored); %d packages installed\n' "${APT_VERSION:-?}" "$LISTS" \
        "$LIST_BYTES" "$INSTALLED"
    printf 'load average (1 min) before: %s, after: %s\n\n' "$LOAD_START" "$LOAD_END"
    printf '%-50s %10s %10s %10s\n' target 'wall ms' 'CPU ms' 'RSS MiB'
    for t in "${TARGETS[@]}"; do
        case $t in
            ward) l='ward upgrades --json' ;;
            apt-get) l='apt-get -s upgrade (as configured here)' ;;
            apt-get-warm) l='apt-get -s upgrade (warm pkgcache.bin)' ;;
        esac
        printf '%-50s %10.1f %10.1f %10.2f\n' "$l" "${MED_WALL[$t]}" "${MED_CPU[$t]}" \
            "$(awk -v k="${MED_RSS[$t]}" 'BEGIN { print k / 1024 }')"
    done
    printf '\napt-get / ward: wall %sx, CPU %sx;  warm apt-get / ward: wall %sx, CPU %sx\n' "$R_WALL" "$R_CPU" \
        "$R_WALL_WARM" "$R_CPU_WARM"
    printf 'per run wall ms:\n'
    for t in "${TARGETS[@]}"; do printf '  %-13s %s\n' "$t" "${WALL[$t]% }"; done
    printf '\nanswers: %d upgrades (%d security), %d kept back; ward agrees with apt-get: %s\n' "$N_UPGRADES" \
        "$N_SECURITY" "$N_HELD" "$AGREE"
    printf 'Goal: %dx faster (wall, against the warm apt-get) with the same answer: %s\n' "$GOAL_RATIO" \
        "$( [[ $GOAL_MET == true ]] && echo met || echo 'NOT met')"
    if (( ${#FAILURES[@]} > 0 )); then
        printf 'FAILURES:\n'
        printf '  %s\n' "${FAILURES[@]}"
    fi
}

print_json() {
    local t first=1
    printf '{\n  "benchmark": "upgrades",\n  "runs": %d,\n  "lists": %d,\n  "installed": %d,\n' "$RUNS" "$LISTS" "$INSTALLED"
    printf '  "cpus": "%s",\n  "loadavg_before": "%s",\n  "loadavg_after": "%s",\n  "targets": {\n' "$CPUS" \
        "$LOAD_START" "$LOAD_END"
    for t in "${TARGETS[@]}"; do
        (( first )) || printf ',\n'
        first=0
        printf '    "%s": {"wall_ms": %s, "cpu_ms": %s, "rss_kb": %s, "wall_ms_median": %s, "cpu_ms_median": %s, "rss_kb_median": %s}' \
            "$t" "$(json_list "${WALL[$t]}")" "$(json_list "${CPU[$t]}")" "$(json_list "${RSS[$t]}")" \
            "${MED_WALL[$t]}" "${MED_CPU[$t]}" "${MED_RSS[$t]}"
    done
    printf '\n  },\n  "ratio": {"wall": %s, "cpu": %s, "wall_warm": %s, "cpu_warm": %s},\n' "$R_WALL" "$R_CPU" \
        "$R_WALL_WARM" "$R_CPU_WARM"
    printf '  "upgrades": %d,\n  "security": %d,\n  "held": %d,\n  "agree": %s,\n  "goal_met": %s,\n' "$N_UPGRADES" \
        "$N_SECURITY" "$N_HELD" "$AGREE" "$GOAL_MET"
    json_failures
}

finish_output

#!/usr/bin/env bash
# bench/vuln/run.sh - vulnerability feeds at the real tracker's size: import a
# synthetic Debian Security Tracker JSON (tens of MB, tens of thousands of issues; see
# gen.py) with `ward vuln import`, wall time and peak memory, then match a fleet of
# synthetic hosts (1,000 of 3,000 packages by default) with `ward vuln list --summary`
# (every status computed and counted, one line per host printed), then again with every
# finding built as `ward vuln list` and the API build them, time per host.
#
# Goals (issue 6): import under 5 s; matching under 20 ms per machine.
# Everything lives in a temporary directory that is removed on exit.

set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

usage() {
    cat <<'USAGE'
Usage: bench/vuln/run.sh [--issues N] [--hosts N] [--packages N] [--json]

Options:
  --issues N    issues in the synthetic tracker JSON (default 45000: ~50 MB)
  --hosts N     hosts in the fleet (default 1000)
  --packages N  installed packages per host (default 3000)
  --json        print the figures as JSON on stdout
  -h, --help    this text

Environment:
  WARD_BIN   the ward binary (default: <repo>/build/ward)
  TMPDIR     where the temporary directory is made (default /tmp)
USAGE
}

ISSUES=45000
HOSTS=1000
PACKAGES=3000
JSON=0
while (( $# > 0 )); do
    case $1 in
        --issues)   ISSUES=${2:?}; shift 2 ;;
        --hosts)    HOSTS=${2:?}; shift 2 ;;
        --packages) PACKAGES=${2:?}; shift 2 ;;
        --json)     JSON=1; shift ;;
        -h|--help)  usage; exit 0 ;;
        *)          usage >&2; die "unknown argument: $1" ;;
    esac
done
for v in "$ISSUES" "$HOSTS" "$PACKAGES"; do is_posint "$v" || die "not a positive whole number: '$v'"; done

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)
WARD=${WARD_BIN:-$REPO/build/ward}
[[ -x $WARD ]] || die "no ward binary at $WARD (build it first, or set WARD_BIN)"
command -v python3 >/dev/null || die "python3 is needed to generate the inputs"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is needed (apt-get install time)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ward-bench-vuln.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
D=$TMP/data

log "generating a tracker JSON of $ISSUES issues ..."
python3 "$SCRIPT_DIR/gen.py" tracker "$TMP/tracker.json" --issues "$ISSUES"
size_mb=$(( $(stat -c %s "$TMP/tracker.json") / 1024 / 1024 ))
"$WARD" --data "$D" init >/dev/null 2>&1 || die "ward init failed"

# time FILE CMD...: runs CMD, leaves "wall_seconds maxrss_kb cpu_seconds" in FILE
timed() { local out=$1; shift; /usr/bin/time -f '%e %M %U+%S' -o "$out" "$@"; }
cpu() { awk -v e="$1" 'BEGIN { split(e, a, "+"); printf "%.2f", a[1] + a[2] }'; }

log "importing ($size_mb MB) ..."
timed "$TMP/t-import" "$WARD" --data "$D" vuln import "$TMP/tracker.json" >&2
read -r import_s import_kb import_cpu <"$TMP/t-import"; import_cpu=$(cpu "$import_cpu")
log "importing again (replacing the feed) ..."
timed "$TMP/t-reimport" "$WARD" --data "$D" vuln import "$TMP/tracker.json" >&2
read -r reimport_s reimport_kb _ <"$TMP/t-reimport"

log "generating $HOSTS hosts of $PACKAGES packages ..."
python3 "$SCRIPT_DIR/gen.py" hosts "$D/ward.db" --hosts "$HOSTS" --packages "$PACKAGES"

log "matching one host (start-up and loading the release's entries) ..."
timed "$TMP/t-one" "$WARD" --data "$D" vuln list --summary --host bench0000 >/dev/null
read -r one_s one_kb one_cpu <"$TMP/t-one"; one_cpu=$(cpu "$one_cpu")
log "matching the fleet ..."
timed "$TMP/t-fleet" "$WARD" --data "$D" vuln list --summary >"$TMP/summary.txt"
read -r fleet_s fleet_kb fleet_cpu <"$TMP/t-fleet"; fleet_cpu=$(cpu "$fleet_cpu")
findings=$(sed -n 's/^\([0-9]*\) finding(s) on .*/\1/p' "$TMP/summary.txt")
# an empty urgency prefix keeps every finding with an urgency (the generator gives each
# one), and any filter makes list build the findings rather than count statuses
log "matching the fleet, every finding built ..."
timed "$TMP/t-built" "$WARD" --data "$D" vuln list --summary --urgency '' >"$TMP/built.txt"
read -r built_s built_kb built_cpu <"$TMP/t-built"; built_cpu=$(cpu "$built_cpu")
built_findings=$(sed -n 's/^\([0-9]*\) finding(s) on .*/\1/p' "$TMP/built.txt")
[[ $built_findings == "$findings" ]] || die "counted $findings findings, built $built_findings"
per_host() { awk -v f="$1" -v o="$2" -v n="$HOSTS" 'BEGIN { printf "%.1f", (f - o) * 1000 / (n > 1 ? n - 1 : 1) }'; }
per_host_ms=$(per_host "$fleet_s" "$one_s")
per_host_cpu_ms=$(per_host "$fleet_cpu" "$one_cpu")
built_ms=$(per_host "$built_s" "$one_s")
built_cpu_ms=$(per_host "$built_cpu" "$one_cpu")

if (( JSON )); then
    printf '{"tracker_mb": %s, "issues": %s, "import_s": %s, "import_maxrss_kb": %s, "reimport_s": %s, ' \
        "$size_mb" "$ISSUES" "$import_s" "$import_kb" "$reimport_s"
    printf '"hosts": %s, "packages": %s, "findings": %s, "fleet_s": %s, "fleet_maxrss_kb": %s, "ms_per_host": %s, "cpu_ms_per_host": %s, "import_cpu_s": %s, ' \
        "$HOSTS" "$PACKAGES" "${findings:-0}" "$fleet_s" "$fleet_kb" "$per_host_ms" "$per_host_cpu_ms" "$import_cpu"
    printf '"built_s": %s, "built_maxrss_kb": %s, "built_ms_per_host": %s, "built_cpu_ms_per_host": %s}\n' \
        "$built_s" "$built_kb" "$built_ms" "$built_cpu_ms"
fi
{
    printf 'tracker JSON        %s MB, %s issues (load %s)\n' "$size_mb" "$ISSUES" "$(loadavg)"
    printf 'import              %s s (%s s CPU), peak RSS %s MB   (goal: under 5 s)\n' "$import_s" "$import_cpu" \
        "$((import_kb / 1024))"
    printf 're-import           %s s, peak RSS %s MB\n' "$reimport_s" "$((reimport_kb / 1024))"
    printf 'fleet               %s hosts x %s packages, %s findings\n' "$HOSTS" "$PACKAGES" "${findings:-?}"
    printf 'matching            %s s in all, %s ms per host (%s ms CPU), peak RSS %s MB   (goal: under 20 ms)\n' \
        "$fleet_s" "$per_host_ms" "$per_host_cpu_ms" "$((fleet_kb / 1024))"
    printf 'every finding built %s s in all, %s ms per host (%s ms CPU), peak RSS %s MB   (goal: under 20 ms)\n' \
        "$built_s" "$built_ms" "$built_cpu_ms" "$((built_kb / 1024))"
} >&2

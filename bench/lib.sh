# shellcheck shell=bash
# bench/lib.sh: what the benchmarks share: messages, checked options, stopping a
# process, medians, ward serve's start-up, and the JSON and exit status at the end.
# Sourced by bench/*/run.sh (bash, set -euo pipefail).

log() { printf '%s\n' "$*" >&2; }
die() { log "run.sh: error: $*"; exit 1; }
is_posint() { [[ $1 =~ ^[0-9]+$ ]] && (( 10#$1 > 0 )); }
loadavg() { cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?'; }

# stop_pid PID [SIGNAL] [GRACE]: signals PID (TERM), waits for it, and kills it after
# GRACE seconds (5) if it is still there. Empty PID: nothing.
stop_pid() {
    local pid=$1 sig=${2:-TERM} grace=${3:-5} killer
    [[ -n $pid ]] || return 0
    kill -"$sig" "$pid" 2>/dev/null || true
    ( sleep "$grace"; kill -KILL "$pid" 2>/dev/null ) >/dev/null 2>&1 &
    killer=$!
    wait "$pid" 2>/dev/null || true
    kill "$killer" 2>/dev/null || true
    wait "$killer" 2>/dev/null || true
}

# median N...: the median, with three decimals ("nan" for none).
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR == 0) { print "nan"; exit }
              if (NR % 2) printf "%.3f\n", v[(NR + 1) / 2]
              else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# wait_listening LOG PID: waits up to 15 s for ward serve (PID, stderr in LOG) to print
# its 'listening on http://127.0.0.1:PORT' line and sets LISTEN_URL; dies otherwise.
wait_listening() {
    local log_file=$1 pid=$2 i rc
    LISTEN_URL=
    for (( i = 0; i < 150; i++ )); do
        LISTEN_URL=$(grep -o -m 1 'listening on http://127\.0\.0\.1:[0-9]\+' "$log_file" 2>/dev/null |
            head -n 1 | sed 's/^listening on //' || true)
        [[ -n $LISTEN_URL ]] && break
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid" 2>/dev/null && rc=0 || rc=$?
            cat "$log_file" >&2
            die "ward serve exited (status $rc) before listening"
        fi
        sleep 0.1
    done
    [[ $LISTEN_URL =~ ^http://127\.0\.0\.1:[0-9]+$ ]] ||
        { cat "$log_file" >&2; die "ward serve printed no 'listening on http://127.0.0.1:PORT' line within 15 s"; }
}

json_str() { local s=$1; s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\n'/ }; s=${s//$'\t'/ }; printf '"%s"' "$s"; }
json_list() { local s=${1% }; printf '[%s]' "${s// /, }"; }

# The end of every print_json: the FAILURES array and "ok".
json_failures() {
    local f first=1
    printf '  "failures": ['
    for f in "${FAILURES[@]}"; do
        (( first )) || printf ', '
        first=0
        json_str "$f"
    done
    printf '],\n'
    if (( ${#FAILURES[@]} > 0 )); then printf '  "ok": false\n'; else printf '  "ok": true\n'; fi
    printf '}\n'
}

# Prints the results (the table on stdout, or JSON on stdout and the table on stderr
# with --json) and exits 1 when anything failed. Needs print_table and print_json.
finish_output() {
    if (( JSON )); then
        print_table >&2
        print_json
    else
        print_table
    fi
    (( ${#FAILURES[@]} == 0 )) || exit 1
    exit 0
}

#!/usr/bin/env bash
# bench/helpdesk/run.sh - the help desk at scale: a Ward database holding N tickets
# (default 1,000,000) with 3 comments each on average and 5,000 knowledge-base
# articles, served by `ward serve` on 127.0.0.1.
#
# Figures (goals in brackets):
#   create   POST /api/v1/tickets per second, wrk -t2 -c16, --duration seconds,
#            --runs times, median   [2,000/s or more]
#   search   GET /api/v1/search latency over the fixed queries of queries.txt,
#            p50/p95/p99   [p95 under 25 ms]; the same queries through the knowledge
#            base (GET /api/v1/kb/search) and, as the peer, as a plain SQLite
#            LIKE '%word%' scan of the same database with the sqlite3 CLI
#   queue    GET /api/v1/tickets?status=active&sort=due&limit=50 and
#            ?assignee=NAME&status=active&limit=50, first pages and every page
#            through the cursor, p50/p95/p99   [p95 under 10 ms]
#   db       ward.db + ward.db-wal and the bytes per ticket
#
# The history is generated straight into a fresh database (`ward init`, then
# bench/helpdesk/gen.c through SQLite) in the shape the help desk's code writes,
# because a million tickets through the API would take hours; `ward ticket show`,
# `search`, `list` and `sla-check` are run on it before anything is measured. Only
# the creation phase goes through the API. Everything lives in one temporary
# directory that is removed on exit, Ctrl-C included. Only 127.0.0.1 is contacted.
#
# See bench/README.md for how to read the figures.

set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

usage() {
    cat <<'EOF'
Usage: bench/helpdesk/run.sh [--tickets N] [--comments-per-ticket C] [--articles A]
                             [--runs R] [--duration S] [--peer-all | --no-peer] [--profile]
                             [--json]

Generates a help desk's history (N tickets, C comments per ticket on average, A
knowledge-base articles) into a fresh Ward database, checks that Ward reads it,
serves it on 127.0.0.1 and measures search latency (goal: p95 under 25 ms), queue
page latency (goal: p95 under 10 ms), ticket creation through the API (goal:
2,000/s) and the database size.

Options:
  --tickets N      tickets to generate (default 1000000)
  --comments-per-ticket C
                   replies and internal notes per ticket, on average (default 3)
  --articles A     knowledge-base articles (default 5000)
  --runs R         rounds over the search queries and wrk runs of the creation
                   load (default 3); latencies are pooled, req/s is the median
  --duration S     seconds per creation run (default 10)
  --seed S         the generator's seed (default 1): same seed, same data
  --peer-all       run the LIKE scan (the peer) for every query, not every fifth
                   (each scan reads the whole database: seconds per query)
  --no-peer        skip the LIKE scan
  --profile        after the measurements, show where the time goes: the slowest
                   searches taken apart with the sqlite3 CLI (matching, ranking,
                   the join and snippets), the queue queries' plans (and with a
                   partial index, on this throw-away database), and the server's
                   system calls during 5 s of ticket creation (perf trace; needs
                   perf). Not counted in the figures.
  --json           print the figures as JSON on stdout (the table then goes to
                   stderr)
  -h, --help       this text

Environment:
  WARD_BIN    the ward binary (default: <repo>/build/ward); it is copied into
              the temporary directory first
  CC          C compiler for the generator (default: cc)
  TMPDIR      where the temporary directory is made (default /tmp); at the
              default size it needs about 8 GB

Exit status: 0 when every request got the expected answer (whether or not the
goals were met), 1 on any failure: an unexpected status, a server that died, a
generated database that Ward does not read as expected, or a setup problem.
EOF
}

# ---------------------------------------------------------------- settings
TICKETS=1000000
CPT=3
ARTICLES=5000
RUNS=3
DURATION=10
SEED=1
PEER=1
PROFILE=0
JSON=0
CONNS=16
QUEUE_REPEAT=20          # first-page requests per listing and round
GOAL_SEARCH_P95_MS=25
GOAL_QUEUE_P95_MS=10
GOAL_CREATE_RPS=2000

while (( $# > 0 )); do
    case $1 in
        --tickets)      (( $# >= 2 )) || die "--tickets needs a value"; TICKETS=$2; shift 2 ;;
        --tickets=*)    TICKETS=${1#*=}; shift ;;
        --comments-per-ticket) (( $# >= 2 )) || die "--comments-per-ticket needs a value"; CPT=$2; shift 2 ;;
        --comments-per-ticket=*) CPT=${1#*=}; shift ;;
        --articles)     (( $# >= 2 )) || die "--articles needs a value"; ARTICLES=$2; shift 2 ;;
        --articles=*)   ARTICLES=${1#*=}; shift ;;
        --runs)         (( $# >= 2 )) || die "--runs needs a value"; RUNS=$2; shift 2 ;;
        --runs=*)       RUNS=${1#*=}; shift ;;
        --duration)     (( $# >= 2 )) || die "--duration needs a value"; DURATION=$2; shift 2 ;;
        --duration=*)   DURATION=${1#*=}; shift ;;
        --seed)         (( $# >= 2 )) || die "--seed needs a value"; SEED=$2; shift 2 ;;
        --seed=*)       SEED=${1#*=}; shift ;;
        --no-peer)      PEER=0; shift ;;
        --peer-all)     PEER=2; shift ;;
        --profile)      PROFILE=1; shift ;;
        --json)         JSON=1; shift ;;
        -h|--help)      usage; exit 0 ;;
        *)              usage >&2; die "unknown argument: $1" ;;
    esac
done
DURATION=${DURATION%s}
for v in TICKETS CPT ARTICLES RUNS DURATION; do
    is_posint "${!v}" || die "--$(tr 'A-Z_' 'a-z-' <<<"$v" | sed 's/^cpt$/comments-per-ticket/') must be a positive whole number, not '${!v}'"
    printf -v "$v" '%d' "$((10#${!v}))"
done
[[ $SEED =~ ^[0-9]+$ ]] || die "--seed must be a whole number, not '$SEED'"
(( TICKETS <= 20000000 )) || die "--tickets must be at most 20000000"
(( CPT <= 100 )) || die "--comments-per-ticket must be at most 100"

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)
WARD_SRC=${WARD_BIN:-$REPO/build/ward}
CC=${CC:-cc}

# ------------------------------------------------------------ dependencies
missing_pkgs=()
command -v "$CC" >/dev/null 2>&1 || missing_pkgs+=(gcc)
command -v sqlite3 >/dev/null 2>&1 || missing_pkgs+=(sqlite3)
command -v python3 >/dev/null 2>&1 || missing_pkgs+=(python3)
command -v wrk >/dev/null 2>&1 || missing_pkgs+=(wrk)
[[ -f /usr/include/sqlite3.h ]] || missing_pkgs+=(libsqlite3-dev)
if (( PROFILE )) && ! command -v perf >/dev/null 2>&1; then missing_pkgs+=(linux-perf); fi
if (( ${#missing_pkgs[@]} > 0 )); then
    sudo=
    (( EUID != 0 )) && sudo='sudo '
    log "run.sh: missing: ${missing_pkgs[*]}. Install with:"
    log "    ${sudo}apt-get install -y ${missing_pkgs[*]}"
    exit 1
fi
[[ -x $WARD_SRC ]] || die "no ward binary at $WARD_SRC (build it first, or set WARD_BIN)"
for f in gen.c text.c text.h client.py create.lua queries.txt; do
    [[ -f $SCRIPT_DIR/$f ]] || die "missing $f next to run.sh"
done

# ------------------------------------------------------- temp dir, cleanup
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ward-bench-helpdesk.XXXXXX")
WARD_PID=

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [[ -n $WARD_PID ]]; then stop_pid "$WARD_PID" TERM 10; WARD_PID=; fi
    rm -rf -- "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# read_kv FILE PREFIX: key=value lines of FILE into the array KV, keys prefixed.
declare -A KV
read_kv() {
    local k v
    while IFS='=' read -r k v; do
        [[ $k =~ ^[a-z0-9_]+$ ]] || continue
        KV[$2$k]=$v
    done <"$1"
}
fmt_ms() { awk -v v="$1" 'BEGIN { if (v == "nan" || v == "") print "-"; else if (v < 10) printf "%.2f", v; else if (v < 100) printf "%.1f", v; else printf "%.0f", v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a != "nan") printf "%.1f", a / b; else print "-" }'; }
metword() { if [[ $1 == true ]]; then printf 'met'; else printf 'NOT met'; fi; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

FAILURES=()
CPUS=$(nproc 2>/dev/null || echo '?')
LOAD_START=$(loadavg)

# ------------------------------------------------------------------ setup
log "== setup ($TMP)"
WARD=$TMP/ward
cp "$WARD_SRC" "$WARD"
GEN=$TMP/gen
"$CC" -O2 -Wall -o "$GEN" "$SCRIPT_DIR/gen.c" "$SCRIPT_DIR/text.c" -lsqlite3 -lm 2>"$TMP/cc.log" ||
    { cat "$TMP/cc.log" >&2; die "cannot build gen.c"; }
log "ward:      $WARD_SRC (copied to $WARD)"
DATA=$TMP/data
DB=$DATA/ward.db
mkdir -m 700 "$DATA"
( umask 077; printf 'bench-%s%s%s\n' "$RANDOM" "$RANDOM" "$RANDOM" >"$TMP/admin-password" )
"$WARD" --data "$DATA" init --admin admin --admin-password-file "$TMP/admin-password" \
    >"$TMP/init.log" 2>&1 </dev/null || { cat "$TMP/init.log" >&2; die "ward init failed"; }
sq() { sqlite3 -cmd '.timeout 10000' "$DB" "$@"; }

# --------------------------------------------------------------- generate
log
log "== generating $TICKETS tickets (about $CPT comments each) and $ARTICLES articles into $DB"
t0=$(date +%s.%N)
"$GEN" db --db "$DB" --tickets "$TICKETS" --comments-per-ticket "$CPT" --articles "$ARTICLES" --seed "$SEED" \
    >"$TMP/gen.kv" 2> >(tee "$TMP/gen.err" >&2) || die "the generator failed"
GEN_SECONDS=$(elapsed "$t0")
# The generator writes in transactions of 5,000 tickets, which leaves the search index
# in a shape no server makes: segments of thousands of tickets' words on its lowest
# levels, which the server's merger would then rework during the creation runs. After a
# bulk import an administrator runs `ward ticket index --optimize` (docs/helpdesk.md,
# The search index): every segment merged into one. So the bench measures the server
# as it is after an import.
t0=$(date +%s.%N)
"$WARD" --data "$DATA" ticket index --optimize >"$TMP/index-merge.txt" 2>&1 </dev/null ||
    { cat "$TMP/index-merge.txt" >&2; die "ward ticket index --optimize failed"; }
MERGE_SECONDS=$(elapsed "$t0")
# The generator leaves gigabytes of the new database in the page cache, unwritten: put
# them on disk now (not timed), or the server's first checkpoint, which syncs the
# database file, pays for the generator during the creation runs.
sync
read_kv "$TMP/gen.kv" gen_
log "$(printf 'generated in %s s: %d tickets (%d new, %d open, %d pending, %d resolved, %d closed) over %d days,' \
    "$GEN_SECONDS" "${KV[gen_tickets]}" "${KV[gen_status_new]}" "${KV[gen_status_open]}" "${KV[gen_status_pending]}" \
    "${KV[gen_status_resolved]}" "${KV[gen_status_closed]}" "${KV[gen_span_days]}")"
log "$(printf '   %d comments (%d internal notes), %d escalations, %d SLA entries: %d timeline entries, %d search rows;' \
    "${KV[gen_comments]}" "${KV[gen_notes]}" "${KV[gen_escalations]}" "${KV[gen_sla_entries]}" "${KV[gen_events]}" "${KV[gen_fts_rows]}")"
log "$(printf '   %d employees, %d support staff, %d articles' "${KV[gen_employees]}" "${KV[gen_staff]}" "${KV[gen_articles]}")"
log "search index merged into one after the import (ward ticket index --optimize, $MERGE_SECONDS s): $(sed -n 2p "$TMP/index-merge.txt" | sed "s/^search index: //")"
EMPLOYEES=${KV[gen_employees]}

# ------------------------------------------------------------ verification
log
log "== checking that Ward reads the generated database"
shape_fail() { die "the generated database is not what Ward expects: $*"; }
t0=$(date +%s.%N)
sq 'PRAGMA foreign_key_check' >"$TMP/fk.txt" || shape_fail "PRAGMA foreign_key_check failed"
[[ ! -s $TMP/fk.txt ]] || shape_fail "foreign_key_check: $(head -n 3 "$TMP/fk.txt")"
log "foreign keys: consistent ($(elapsed "$t0") s)"
# The SLA sweep the server runs every minute: after generation there should be
# almost nothing left to flag (only clocks that crossed a threshold since).
RUNNING=$(sq "SELECT count(*) FROM tickets WHERE status IN ('new', 'open') AND (sla_since IS NOT NULL OR response_due_at IS NOT NULL)")
t0=$(date +%s.%N)
out=$("$WARD" --data "$DATA" ticket sla-check 2>&1 </dev/null) || shape_fail "ward ticket sla-check: $out"
SWEEP_SECONDS=$(elapsed "$t0")
SWEEP_FLAGGED=$(grep -o '^[0-9]\+' <<<"$out" || echo '?')
log "ward ticket sla-check: $out, over $RUNNING running clocks, in $SWEEP_SECONDS s"
if ! [[ $SWEEP_FLAGGED =~ ^[0-9]+$ ]] || (( SWEEP_FLAGGED * 20 > RUNNING + 20 )); then
    shape_fail "the SLA sweep flagged $SWEEP_FLAGGED of $RUNNING running tickets: the generated clocks disagree with Ward's"
fi
half=$(( TICKETS / 2 ))
CLOSED_ID=$(sq "SELECT id FROM tickets WHERE id >= $half AND status = 'closed' ORDER BY id LIMIT 1")
ACTIVE_ID=$(sq "SELECT id FROM tickets WHERE status = 'open' ORDER BY id DESC LIMIT 1")
for id in $CLOSED_ID $ACTIVE_ID; do
    "$WARD" --data "$DATA" --json ticket show "$id" >"$TMP/show.json" 2>"$TMP/show.err" </dev/null ||
        shape_fail "ward ticket show $id: $(cat "$TMP/show.err")"
    want=$(sq "SELECT count(*) || ' ' || (SELECT title FROM tickets WHERE id = $id) FROM ticket_events WHERE ticket_id = $id")
    got=$(python3 -c 'import json, sys; t = json.load(open(sys.argv[1])); print(len(t["timeline"]), t["title"])' "$TMP/show.json") ||
        shape_fail "ward ticket show $id printed no ticket"
    [[ $got == "$want" ]] || shape_fail "ward ticket show $id: '$got', the database has '$want'"
done
"$WARD" --data "$DATA" ticket show "$CLOSED_ID" </dev/null >"$TMP/show.txt" 2>&1 || true
sed -n '1,4p;/^timeline/,$p' "$TMP/show.txt" | head -n 12 | cut -c 1-150 >&2
"$WARD" --data "$DATA" --json ticket search "outlook password" >"$TMP/search.json" 2>&1 </dev/null ||
    shape_fail "ward ticket search: $(cat "$TMP/search.json")"
n=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$TMP/search.json")
(( n > 0 || TICKETS < 1000 )) || shape_fail "ward ticket search 'outlook password' found nothing"
"$WARD" --data "$DATA" --json ticket list --status active --due --limit 5 >"$TMP/list.json" 2>&1 </dev/null ||
    shape_fail "ward ticket list: $(cat "$TMP/list.json")"
n=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["tickets"]))' "$TMP/list.json")
want=$(sq "SELECT min(5, count(*)) FROM tickets WHERE status IN ('new', 'open', 'pending')")
(( n == want )) || shape_fail "ward ticket list --status active --due --limit 5 listed $n tickets, not $want"
"$WARD" --data "$DATA" --json kb search vpn >"$TMP/kb.json" 2>&1 </dev/null || shape_fail "ward kb search: $(cat "$TMP/kb.json")"
n=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$TMP/kb.json")
(( ARTICLES < 50 || n > 0 )) || shape_fail "ward kb search vpn found nothing"
out=$("$WARD" --data "$DATA" log verify 2>&1 </dev/null) || shape_fail "ward log verify: $out"
log "ward ticket show $CLOSED_ID and $ACTIVE_ID, ticket search, ticket list --due, kb search, log verify: as expected"

# ---------------------------------------------------------- database size
# checkpoint: a TRUNCATE checkpoint, so the WAL's pages are in ward.db.
checkpoint() {
    local out busy=1 tries
    for (( tries = 0; tries < 10; tries++ )); do
        out=$(sq 'PRAGMA wal_checkpoint(TRUNCATE)' 2>&1) || die "sqlite3 checkpoint failed: $out"
        busy=${out%%|*}
        [[ $busy == 0 ]] && break
        sleep 0.5
    done
    [[ $busy == 0 ]] || log "warning: the checkpoint stayed busy ($out); the WAL is counted as it is"
}
# db_bytes: ward.db + ward.db-wal after a checkpoint.
db_bytes() {
    checkpoint
    local db wal=0
    db=$(stat -c %s "$DB")
    [[ -f $DB-wal ]] && wal=$(stat -c %s "$DB-wal")
    printf '%d\n' $(( db + wal ))
}
# db_used_bytes: the database's pages in use (not its free list), so what new tickets
# take is counted even when they fill pages an earlier merge of the search index freed.
db_used_bytes() {
    checkpoint
    sq 'SELECT (SELECT page_count FROM pragma_page_count()) - (SELECT freelist_count FROM pragma_freelist_count()),
            (SELECT page_size FROM pragma_page_size())' | awk -F'|' '{ printf "%d\n", $1 * $2 }'
}
DB_BYTES=$(db_bytes)
DB_PER_TICKET=$(( DB_BYTES / TICKETS ))
DB_TABLES=$(sq "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 6" |
    awk -F'|' -v n="$TICKETS" '{ printf "%s%s %.0f B", sep, $1, $2 / n; sep = ", " }')
log "database: $DB_BYTES bytes, $DB_PER_TICKET bytes per ticket ($DB_TABLES per ticket)"

# ------------------------------------------------------------------ serve
log
log "== ward serve"
"$WARD" --data "$DATA" token create bench --user admin >"$TMP/token.out" 2>&1 </dev/null ||
    { cat "$TMP/token.out" >&2; die "ward token create failed"; }
( umask 077; head -n 1 "$TMP/token.out" >"$TMP/token" )
[[ $(cat "$TMP/token") == ward_* ]] || { cat "$TMP/token.out" >&2; die "no token on the first line of 'ward token create'"; }
SERVER_LOG=$TMP/server.log
ACCESS_LOG=$TMP/access.log
"$WARD" --data "$DATA" serve --listen 127.0.0.1:0 --access-log "$ACCESS_LOG" >"$TMP/server.stdout" 2>"$SERVER_LOG" </dev/null &
WARD_PID=$!
wait_listening "$SERVER_LOG" "$WARD_PID"
URL=$LISTEN_URL
tasks=("/proc/$WARD_PID/task/"*)
log "server:    $URL (pid $WARD_PID, ${#tasks[@]} threads)"

check_server() {
    if ! kill -0 "$WARD_PID" 2>/dev/null; then
        WARD_PID=
        tail -n 20 "$SERVER_LOG" >&2 || true
        die "ward serve died during the benchmark"
    fi
}
# percentiles: numbers on stdin (one a line) as "count p50 p95 p99" (nearest rank).
percentiles() {
    sort -g | awk '{ v[NR] = $1 }
        END { if (!NR) { print "0 nan nan nan"; exit }
              printf "%d %.3f %.3f %.3f\n", NR, v[int(0.5 * NR + 0.999)], v[int(0.95 * NR + 0.999)], v[int(0.99 * NR + 0.999)] }'
}
# access_since LINE METHOD PATH: the server's own timings (ms) of METHOD PATH requests
# logged after line LINE of the access log ("... \"GET /path\" 200 1234 5.678ms"), as
# "p50 p95 p99 non2xx".
access_lines() { wc -l <"$ACCESS_LOG" 2>/dev/null || echo 0; }
access_since() {
    local lines bad n p50 p95 p99
    # A request whose client left first (wrk closing its connections at the end of a
    # run) is logged "aborted": the client's doing, not an answer the server gave.
    lines=$(tail -n +"$(( $1 + 1 ))" "$ACCESS_LOG" | awk -v m="\"$2" -v p="$3" '$4 == m && index($5, p) == 1 {
        k = NF; a = 0; if ($k == "aborted") { k--; a = 1 } print $k + 0, $(k - 2), a }')
    bad=$(awk '$2 !~ /^2/ && $3 == 0' <<<"$lines" | grep -c . || true)
    read -r n p50 p95 p99 < <(awk 'NF { print $1 }' <<<"$lines" | percentiles)
    printf '%s %s %s %d\n' "$p50" "$p95" "$p99" "$bad"
}
CLIENT=(python3 "$SCRIPT_DIR/client.py")

# -------------------------------------------------------------- searches
# The query file's queries as request paths, URL-encoded.
make_paths() { # PREFIX OUT
    python3 - "$SCRIPT_DIR/queries.txt" "$1" >"$2" <<'EOF'
import sys, urllib.parse
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    kind, q = line.split("\t", 1)
    print("%s:%s\t%s%s" % (kind, q, sys.argv[2], urllib.parse.quote(q)))
EOF
}
make_paths '/api/v1/search?q=' "$TMP/search.paths"
make_paths '/api/v1/kb/search?q=' "$TMP/kb.paths"
NQUERIES=$(wc -l <"$TMP/search.paths")

# latency_phase NAME PATHS ROUNDS PATH-PREFIX: one warm-up round, then ROUNDS measured
# rounds over PATHS; the figures go to KV[NAME_*], the server's own (from its access
# log, PATH-PREFIX requests of the measured rounds) to KV[NAME_srv_*].
latency_phase() {
    local a
    "${CLIENT[@]}" latency --url "$URL" --token-file "$TMP/token" --paths "$2" --rounds 1 --warmup 0 \
        >"$TMP/$1-warmup.kv" 2>"$TMP/$1.err" || { check_server; cat "$TMP/$1.err" >&2; die "client.py latency ($1, warm-up) failed"; }
    a=$(access_lines)
    "${CLIENT[@]}" latency --url "$URL" --token-file "$TMP/token" --paths "$2" --rounds "$3" --warmup 0 \
        --raw "$TMP/$1.raw" >"$TMP/$1.kv" 2>"$TMP/$1.err" || { check_server; cat "$TMP/$1.err" >&2; die "client.py latency ($1) failed"; }
    check_server
    read_kv "$TMP/$1-warmup.kv" "$1_warmup_"
    [[ ${KV[$1_warmup_errors]} == 0 ]] || FAILURES+=("$1 (warm-up): ${KV[$1_warmup_errors]} requests failed: ${KV[$1_warmup_first_error]}")
    read_kv "$TMP/$1.kv" "$1_"
    [[ ${KV[$1_errors]} == 0 ]] || FAILURES+=("$1: ${KV[$1_errors]} requests failed: ${KV[$1_first_error]}")
    read -r "KV[$1_srv_p50]" "KV[$1_srv_p95]" "KV[$1_srv_p99]" "KV[$1_srv_bad]" <<<"$(access_since "$a" GET "$4")"
}

log
log "== search: $NQUERIES queries (queries.txt) x $RUNS rounds after one warm-up round, one connection"
latency_phase search "$TMP/search.paths" "$RUNS" /api/v1/search
log "$(printf 'search: p50 %s ms, p95 %s ms, p99 %s ms, max %s ms (server: p95 %s ms); queries without a hit: %s' \
    "$(fmt_ms "${KV[search_p50_ms]}")" "$(fmt_ms "${KV[search_p95_ms]}")" "$(fmt_ms "${KV[search_p99_ms]}")" \
    "$(fmt_ms "${KV[search_max_ms]}")" "$(fmt_ms "${KV[search_srv_p95]}")" "${KV[search_empty]}")"
log "        slowest: ${KV[search_slowest]}"
# By kind of query (queries.txt): which kind of search is slow.
by_kind() { # RAW
    local k n p50 p95 p99 sep=
    for k in word two prefix rare common; do
        read -r n p50 p95 p99 < <(awk -F'\t' -v k="$k:" 'index($1, k) == 1 { print $2 }' "$1" | percentiles)
        (( n > 0 )) || continue
        printf '%s%s p50 %s, p95 %s' "$sep" "$k" "$(fmt_ms "$p50")" "$(fmt_ms "$p95")"
        sep='; '
    done
}
SEARCH_KINDS=$(by_kind "$TMP/search.raw")
log "        by kind (ms): $SEARCH_KINDS"

log
log "== knowledge-base search: the same queries"
latency_phase kb "$TMP/kb.paths" "$RUNS" /api/v1/kb/search
log "$(printf 'kb search: p50 %s ms, p95 %s ms, p99 %s ms, max %s ms' "$(fmt_ms "${KV[kb_p50_ms]}")" \
    "$(fmt_ms "${KV[kb_p95_ms]}")" "$(fmt_ms "${KV[kb_p99_ms]}")" "$(fmt_ms "${KV[kb_max_ms]}")")"
log "        slowest: ${KV[kb_slowest]}"
KB_KINDS=$(by_kind "$TMP/kb.raw")

# ----------------------------------------------------------------- queue
ASSIGNEE=$(sq "SELECT u.name FROM tickets t JOIN users u ON u.id = t.assignee_id
    WHERE t.status IN ('new', 'open', 'pending') GROUP BY u.name ORDER BY count(*) DESC, u.name LIMIT 1")
[[ -n $ASSIGNEE ]] || die "no assignee with active tickets"
ACTIVE=$(sq "SELECT count(*) FROM tickets WHERE status IN ('new', 'open', 'pending')")
Q_DUE='/api/v1/tickets?status=active&sort=due&limit=50'
Q_MINE="/api/v1/tickets?assignee=$ASSIGNEE&status=active&limit=50"
log
log "== queue pages: $ACTIVE active tickets; $Q_DUE and $Q_MINE"
: >"$TMP/queue-first.paths"
for (( i = 0; i < QUEUE_REPEAT; i++ )); do
    printf 'due-first\t%s\nmine-first\t%s\n' "$Q_DUE" "$Q_MINE" >>"$TMP/queue-first.paths"
done
latency_phase queue_first "$TMP/queue-first.paths" "$RUNS" /api/v1/tickets
# Per listing: the first page alone, from the raw timings.
for k in due mine; do
    read -r _ "KV[qf_${k}_p50]" "KV[qf_${k}_p95]" "KV[qf_${k}_p99]" < <(awk -F'\t' -v l="$k-first" '$1 == l { print $2 }' \
        "$TMP/queue_first.raw" | percentiles)
done
a=$(access_lines)
for k in due mine; do
    if [[ $k == due ]]; then p=$Q_DUE; else p=$Q_MINE; fi
    "${CLIENT[@]}" walk --url "$URL" --token-file "$TMP/token" --path "$p" --max-pages 2000 \
        --raw "$TMP/walk-$k.raw" >"$TMP/walk-$k.kv" 2>"$TMP/walk-$k.err" || { check_server; cat "$TMP/walk-$k.err" >&2; die "client.py walk failed"; }
    check_server
    read_kv "$TMP/walk-$k.kv" "walk_${k}_"
    [[ ${KV[walk_${k}_errors]} == 0 ]] || FAILURES+=("queue walk ($k): ${KV[walk_${k}_first_error]}")
    [[ ${KV[walk_${k}_order_errors]} == 0 ]] || FAILURES+=("queue walk ($k): ${KV[walk_${k}_order_errors]} tickets out of order or repeated")
done
read -r "KV[walk_srv_p50]" "KV[walk_srv_p95]" "KV[walk_srv_p99]" "KV[walk_srv_bad]" <<<"$(access_since "$a" GET /api/v1/tickets)"
[[ ${KV[walk_due_tickets]} == "$ACTIVE" || ${KV[walk_due_complete]} == 0 ]] ||
    FAILURES+=("queue walk (due): listed ${KV[walk_due_tickets]} of $ACTIVE active tickets")
# The goal's figure: every queue request, first pages and walks, pooled.
read -r QUEUE_N QUEUE_P50 QUEUE_P95 QUEUE_P99 < <(cut -f 2 "$TMP/queue_first.raw" "$TMP/walk-due.raw" "$TMP/walk-mine.raw" | percentiles)
log "$(printf 'queue: first pages p50 %s ms, p95 %s ms; walk by due: %d pages, p95 %s ms, max %s ms; walk of %s: %d pages, p95 %s ms' \
    "$(fmt_ms "${KV[queue_first_p50_ms]}")" "$(fmt_ms "${KV[queue_first_p95_ms]}")" "${KV[walk_due_pages]}" \
    "$(fmt_ms "${KV[walk_due_p95_ms]}")" "$(fmt_ms "${KV[walk_due_max_ms]}")" "$ASSIGNEE" "${KV[walk_mine_pages]}" \
    "$(fmt_ms "${KV[walk_mine_p95_ms]}")")"
# Where the slowest due page is: the explanation is usually in the query plan.
SLOW_PAGE=$(sort -t$'\t' -k2,2gr "$TMP/walk-due.raw" | head -n 1 | tr '\t' ' ')
log "        slowest page of the walk by due: $SLOW_PAGE ms"

# ------------------------------------------------------------------ peer
LIKE_P50=nan LIKE_P95=nan LIKE_P99=nan LIKE_N=0 LIKE_Q=0 LIKE_SECONDS=0
WSUB_P50=nan WSUB_P95=nan WSUB_P99=nan
if (( PEER )); then
    log
    # Every fifth query (every kind is there), or all of them: each scan reads the
    # whole database. Their labels go to like.labels, in order.
    if (( PEER == 2 )); then cut -f 1 "$TMP/search.paths"; else cut -f 1 "$TMP/search.paths" | awk 'NR % 5 == 1'; fi \
        >"$TMP/like.labels"
    LIKE_Q=$(wc -l <"$TMP/like.labels")
    log "== peer: $LIKE_Q of the $NQUERIES queries as LIKE '%word%' scans with the sqlite3 CLI (one round)"
    python3 - "$TMP/like.labels" >"$TMP/like.sql" <<'EOF'
import re, sys
# Ward's search without an index: every word of the query (split as Ward splits it)
# in the same ticket (title or description) or the same comment, most recent activity
# first, 20 rows. Ordering by activity (updated_at, a comment's time), as help desks
# list results, reads every row, as ranking every match by relevance does; a prefix
# "outl*" is the substring "outl".
print(".timer on")
print(".output /dev/null")
for line in open(sys.argv[1]):
    kind, q = line.rstrip("\n").split(":", 1)
    words = [w for w in re.split(r"[^0-9A-Za-z\x80-\U0010ffff]+", q) if w]
    t = " AND ".join("(t.title LIKE '%%%s%%' OR t.description LIKE '%%%s%%')" % (w, w) for w in words)
    e = " AND ".join("e.body LIKE '%%%s%%'" % w for w in words)
    print("SELECT id, title FROM (SELECT t.id AS id, t.title AS title, t.updated_at AS at FROM tickets t WHERE %s "
          "UNION ALL SELECT e.ticket_id, t.title, e.at FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id "
          "WHERE e.kind IN ('reply', 'note', 'escalate') AND %s) ORDER BY at DESC LIMIT 20;" % (t, e))
EOF
    t0=$(date +%s.%N)
    sq <"$TMP/like.sql" >"$TMP/like.out" 2>&1 || { cat "$TMP/like.out" >&2; die "the LIKE scans failed"; }
    LIKE_SECONDS=$(elapsed "$t0")
    read -r LIKE_N LIKE_P50 LIKE_P95 LIKE_P99 < <(grep -o 'real [0-9.]*' "$TMP/like.out" | awk '{ print $2 * 1000 }' | percentiles)
    (( LIKE_N == LIKE_Q )) || FAILURES+=("peer: $LIKE_N timings for $LIKE_Q queries")
    # Ward on the same queries, from its raw timings.
    read -r _ WSUB_P50 WSUB_P95 WSUB_P99 < <(awk -F'\t' 'NR == FNR { want[$1] = 1; next } ($1 in want) { print $2 }' \
        "$TMP/like.labels" "$TMP/search.raw" | percentiles)
    log "$(printf 'LIKE scan: p50 %s ms, p95 %s ms, p99 %s ms (%s s in all)' "$(fmt_ms "$LIKE_P50")" "$(fmt_ms "$LIKE_P95")" \
        "$(fmt_ms "$LIKE_P99")" "$LIKE_SECONDS")"
fi

# -------------------------------------------------------------- creation
log
log "== ticket creation: wrk -t2 -c$CONNS -d${DURATION}s with create.lua, $RUNS runs"
"$GEN" bodies --count 20000 --employees "$EMPLOYEES" --seed "$(( SEED + 1 ))" >"$TMP/bodies.jsonl" ||
    die "gen bodies failed"
DB_BEFORE_CREATE=$(db_used_bytes)
CREATE_RATES=
CREATE_P99=
CREATED_TOTAL=0
a=$(access_lines)
for (( r = 1; r <= RUNS; r++ )); do
    before=$(sq 'SELECT max(id) FROM tickets')
    out=$TMP/wrk-$r.txt
    if ! wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$SCRIPT_DIR/create.lua" "$URL/api/v1/tickets" \
            -- "$TMP/bodies.jsonl" "$(cat "$TMP/token")" >"$out" 2>&1; then
        check_server
        cat "$out" >&2
        die "wrk failed"
    fi
    check_server
    sleep 0.5 # requests wrk gave up on at the end may still commit
    after=$(sq 'SELECT max(id) FROM tickets')
    rate=$(awk '$1 == "Requests/sec:" { print $2 }' "$out")
    [[ -n $rate ]] || { cat "$out" >&2; die "no Requests/sec in wrk's output"; }
    reqs=$(awk -F= '/^lua_requests=/ { print $2 }' "$out")
    non=$(awk -F= '/^lua_non201=/ { print $2 }' "$out")
    err=$(awk '/^lua_first_error=/ { sub(/^lua_first_error=/, ""); print }' "$out")
    sock=$(awk '/Socket errors:/ { sub(/^[ \t]+/, ""); print }' "$out")
    p99=$(awk -F= '/^lua_p99_ms=/ { print $2 }' "$out")
    p50=$(awk -F= '/^lua_p50_ms=/ { print $2 }' "$out")
    grew=$(( after - before ))
    (( ${non:-0} == 0 )) || FAILURES+=("creation run $r: $non replies other than 201 (first: ${err:0:300})")
    [[ -z $sock ]] || FAILURES+=("creation run $r: $sock")
    # Every 201 is a ticket; a request answered after wrk stopped counting may add a few.
    (( grew >= reqs - non && grew <= reqs + CONNS )) ||
        FAILURES+=("creation run $r: wrk counted $reqs requests ($non not 201) but the tickets grew by $grew")
    CREATE_RATES+="$rate "
    CREATE_P99+="$p99 "
    CREATED_TOTAL=$(( CREATED_TOTAL + grew ))
    log "$(printf 'run %d/%d  %8.1f tickets/s  p50 %6.2f ms  p99 %7.2f ms  (%d requests, tickets +%d)' \
        "$r" "$RUNS" "$rate" "$p50" "$p99" "$reqs" "$grew")"
done
read -r "KV[create_srv_p50]" "KV[create_srv_p95]" "KV[create_srv_p99]" "KV[create_srv_bad]" <<<"$(access_since "$a" POST /api/v1/tickets)"
(( KV[create_srv_bad] == 0 )) || FAILURES+=("creation: the access log shows ${KV[create_srv_bad]} answers other than 2xx")
read -r -a v <<<"$CREATE_RATES"; CREATE_RATE=$(median "${v[@]}")
read -r -a v <<<"$CREATE_P99"; CREATE_P99_MED=$(median "${v[@]}")
DB_AFTER_CREATE=$(db_used_bytes)
# What the creation runs left the server's merger: the first level's segments are the
# newest tickets', merged once no one writes.
"$WARD" --data "$DATA" ticket index >"$TMP/index-after.txt" 2>&1 </dev/null || true
log "search index after the runs: $(head -n 1 "$TMP/index-after.txt" | sed 's/^search index: //'); $(tail -n +2 "$TMP/index-after.txt" | tr -s ' \n' ' ')"
CREATE_BYTES_PER=$(( CREATED_TOTAL > 0 ? (DB_AFTER_CREATE - DB_BEFORE_CREATE) / CREATED_TOTAL : 0 ))

# ------------------------------------------------------------ profiling
PROFILE_TEXT=
if (( PROFILE )); then
    log
    log "== profiling (not counted)"
    # sql_ms SQL...: milliseconds each statement takes in the sqlite3 CLI (median of 3).
    sql_ms() {
        local q out
        for q in "$@"; do
            out=$(printf '.timer on\n.output /dev/null\n%s\n%s\n%s\n' "$q" "$q" "$q" | sq 2>&1) ||
                { printf 'error '; continue; }
            read -r -a v <<<"$(grep -o 'real [0-9.]*' <<<"$out" | awk '{ printf "%s ", $2 * 1000 }')"
            # The CLI's timer counts whole milliseconds.
            printf '%s ' "$(median "${v[@]}" | awk '{ if ($1 < 1) print "<1"; else printf "%.0f\n", $1 }')"
        done
    }
    # Where a ticket creation waits: the server's system calls over 5 s of the load.
    perf trace -s -p "$WARD_PID" -o "$TMP/trace.txt" >/dev/null 2>"$TMP/trace.err" &
    tpid=$!
    sleep 1
    wrk -t2 -c"$CONNS" -d5s -s "$SCRIPT_DIR/create.lua" "$URL/api/v1/tickets" -- "$TMP/bodies.jsonl" "$(cat "$TMP/token")" \
        >"$TMP/wrk-profile.txt" 2>&1 || true
    stop_pid "$tpid" INT 10
    check_server
    {
        printf -- '-- ticket creation under perf trace (5 s, %s tickets/s): system calls of each request thread, top 6 by time\n' \
            "$(awk '$1 == "Requests/sec:" { print $2 }' "$TMP/wrk-profile.txt")"
        awk '/^ .+ \([0-9]+\), [0-9]+ events/ { t = $0; sub(/^ +/, "", t); sub(/,.*/, "", t); next }
             t ~ /MHD/ && $1 ~ /^[a-z_0-9]+$/ && $2 ~ /^[0-9]+$/ && NF >= 8 { print t "\t" $1 "\t" $2 "\t" $4 }' \
            "$TMP/trace.txt" 2>/dev/null | sort -t"$(printf '\t')" -k1,1 -k4,4gr |
            awk -F'\t' '$1 != last { last = $1; n = 0; printf "   %s:\n", $1 }
                        n++ < 6 { printf "      %-12s %8d calls %10.1f ms\n", $2, $3, $4 }'
        printf '   futex: waiting for the batch a request joined (store_batch) or for the group sync;\n'
        printf '   fdatasync: the group sync of the WAL and the activity log'"'"'s head file\n'
    } >"$TMP/profile-trace.txt" 2>&1
    # Ward's search (tickets_store_search, as support: every row), and its parts.
    FTS_COLS="f.ticket_id, f.event_id, t.title, t.status, snippet(ticket_fts, 1, char(2), char(3), '…', 16), bm25(ticket_fts, 5.0, 1.0) AS rank"
    {
        printf -- '-- the slowest searches taken apart (sqlite3 CLI, ms, median of 3):\n'
        printf '   %-18s %9s %10s %10s %12s %12s %14s\n' query matches count rank-only rank+join 'bm25 query' 'newest 5,000'
        awk -F'\t' '{ n[$1]++; s[$1] = s[$1] " " $2 } END { for (k in n) print k "\t" s[k] }' "$TMP/search.raw" |
            while IFS=$'\t' read -r label times; do
                read -r -a tv <<<"$times"
                printf '%s\t%s\n' "$(median "${tv[@]}")" "$label"
            done | sort -g -r | head -n 3 | while IFS=$'\t' read -r _ label; do
            m=$(python3 -c 'import re, sys
q = sys.argv[1].split(":", 1)[1]
ws = [w for w in re.split(r"[^0-9A-Za-z\x80-\U0010ffff]+", q) if w]
print(" ".join("\"%s\"%s" % (w, "*" if q.endswith("*") and i == len(ws) - 1 else "") for i, w in enumerate(ws)))' "$label")
            m=${m//\'/\'\'}
            n=$(sq "SELECT count(*) FROM ticket_fts WHERE ticket_fts MATCH '$m'")
            read -r c r j w b <<<"$(sql_ms \
                "SELECT count(*) FROM ticket_fts WHERE ticket_fts MATCH '$m';" \
                "SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH '$m' ORDER BY bm25(ticket_fts, 5.0, 1.0) LIMIT 20;" \
                "SELECT f.ticket_id, t.title, bm25(ticket_fts, 5.0, 1.0) AS rank FROM ticket_fts f JOIN tickets t ON t.id = f.ticket_id WHERE ticket_fts MATCH '$m' ORDER BY rank LIMIT 20;" \
                "SELECT $FTS_COLS FROM ticket_fts f JOIN tickets t ON t.id = f.ticket_id WHERE ticket_fts MATCH '$m' AND (0 = 0 OR f.requester_id = 0) AND (1 OR f.internal = 0) ORDER BY rank LIMIT 20;" \
                "SELECT $FTS_COLS FROM ticket_fts f JOIN tickets t ON t.id = f.ticket_id WHERE ticket_fts MATCH '$m' AND f.rowid >= (SELECT min(rowid) FROM (SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH '$m' ORDER BY rowid DESC LIMIT 5000)) ORDER BY rank LIMIT 20;")"
            printf '   %-18s %9s %10s %10s %12s %12s %14s\n' "${label#*:}" "$n" "$c" "$r" "$j" "$w" "$b"
        done
        printf '   count: matching alone; rank-only: bm25 over every match, top 20; rank+join: with the join to\n'
        printf '   tickets for every match; bm25 query: the search as Ward ran it before its window (join and\n'
        printf '   snippet for every match, then the sort); newest 5,000: the same, ranking the newest 5,000\n'
        printf '   plan of Ward'"'"'s search:\n'
        sq "EXPLAIN QUERY PLAN SELECT $FTS_COLS FROM ticket_fts f JOIN tickets t ON t.id = f.ticket_id WHERE ticket_fts MATCH 'printer' AND (0 = 0 OR f.requester_id = 0) AND (1 OR f.internal = 0) ORDER BY rank LIMIT 20" |
            sed 's/^/      /'
        # The queue (tickets_store_query), first page by due and the assignee's.
        SUMMARY="t.id, t.title, t.status, t.tier, t.priority, t.impact, t.urgency, t.category, r.name, a.name, h.name, t.created_at, t.updated_at, t.first_response_at, t.response_due_at, t.resolve_due_at, t.resolved_at, t.sla_flags, t.sla_used, t.sla_since FROM tickets t JOIN users r ON r.id = t.requester_id LEFT JOIN users a ON a.id = t.assignee_id LEFT JOIN hosts h ON h.id = t.host_id"
        uid=$(sq "SELECT id FROM users WHERE name = '$ASSIGNEE'")
        QDUE="SELECT $SUMMARY WHERE 1 AND t.status IN ('new', 'open', 'pending') ORDER BY coalesce(t.resolve_due_at, 9223372036854775807), t.id LIMIT 51"
        QMINE="SELECT $SUMMARY WHERE 1 AND t.status IN ('new', 'open', 'pending') AND t.assignee_id = $uid ORDER BY t.id DESC LIMIT 51"
        read -r d1 m1 <<<"$(sql_ms "$QDUE;" "$QMINE;")"
        printf -- '-- the queue queries (tickets_store_query), first page, sqlite3 CLI: by due %s ms, %s'"'"'s %s ms\n' "$d1" "$ASSIGNEE" "$m1"
        printf '   plan by due:\n'
        sq "EXPLAIN QUERY PLAN $QDUE" | sed 's/^/      /'
        printf '   plan of %s'"'"'s:\n' "$ASSIGNEE"
        sq "EXPLAIN QUERY PLAN $QMINE" | sed 's/^/      /'
        # What a partial index over the active tickets in due order would do, once the
        # planner has statistics (without them it keeps tickets_status).
        sq "CREATE INDEX bench_tickets_active_due ON tickets (coalesce(resolve_due_at, 9223372036854775807), id) WHERE status IN ('new', 'open', 'pending')"
        read -r d2 <<<"$(sql_ms "$QDUE;")"
        sq "PRAGMA analysis_limit = 1000; ANALYZE tickets" >/dev/null
        read -r d3 <<<"$(sql_ms "$QDUE;")"
        printf -- '   what if (on this throw-away database): CREATE INDEX ... ON tickets (coalesce(resolve_due_at,\n'
        printf "   9223372036854775807), id) WHERE status IN ('new', 'open', 'pending'): by due %s ms; after ANALYZE\n" "$d2"
        printf '   tickets: %s ms, plan:\n' "$d3"
        sq "EXPLAIN QUERY PLAN $QDUE" | sed 's/^/      /'
        sq "DROP INDEX bench_tickets_active_due; DROP TABLE sqlite_stat1"
    } >"$TMP/profile.txt" 2>&1
    PROFILE_TEXT=$(cat "$TMP/profile.txt" "$TMP/profile-trace.txt")
fi

# ---------------------------------------------------------------- results
check_server
LOAD_END=$(loadavg)
if grep -qiE 'error|fail|warn|abort|assert|busy|locked' "$SERVER_LOG"; then
    FAILURES+=("the server logged: $(awk 'tolower($0) ~ /error|fail|warn|abort|assert|busy|locked/ && n++ < 3 { printf "%s ", $0 }' "$SERVER_LOG")")
fi
for k in search kb queue_first walk; do
    (( ${KV[${k}_srv_bad]:-0} == 0 )) || FAILURES+=("$k: the access log shows ${KV[${k}_srv_bad]} answers other than 2xx")
done
SEARCH_MET=$(awk -v a="${KV[search_p95_ms]}" -v g="$GOAL_SEARCH_P95_MS" 'BEGIN { print (a < g) ? "true" : "false" }')
QUEUE_MET=$(awk -v a="$QUEUE_P95" -v g="$GOAL_QUEUE_P95_MS" 'BEGIN { print (a < g) ? "true" : "false" }')
CREATE_MET=$(awk -v a="$CREATE_RATE" -v g="$GOAL_CREATE_RPS" 'BEGIN { print (a >= g) ? "true" : "false" }')
WARD_VERSION=$("$WARD" --version 2>/dev/null | head -n 1 | sed 's/^ward //' || true)
MIB=$(awk -v b="$DB_BYTES" 'BEGIN { printf "%.0f", b / 1048576 }')

print_table() {
    printf '\nHelp-desk benchmark: %d tickets (%d comments, %d search rows), %d articles; %s CPUs; Ward %s\n' \
        "$TICKETS" "${KV[gen_comments]}" "${KV[gen_fts_rows]}" "$ARTICLES" "$CPUS" "${WARD_VERSION:-?}"
    printf 'load average (1 min) before: %s, after: %s\n\n' "$LOAD_START" "$LOAD_END"
    printf '%-44s %9s %9s %9s %9s   %-12s %s\n' figure p50 p95 p99 'server p95' goal status
    printf '%-44s %9s %9s %9s %9s   %-12s %s\n' "search, $NQUERIES queries x $RUNS (ms)" \
        "$(fmt_ms "${KV[search_p50_ms]}")" "$(fmt_ms "${KV[search_p95_ms]}")" "$(fmt_ms "${KV[search_p99_ms]}")" \
        "$(fmt_ms "${KV[search_srv_p95]}")" "p95 < $GOAL_SEARCH_P95_MS ms" "$(metword "$SEARCH_MET")"
    if (( PEER )); then
        printf '%-44s %9s %9s %9s\n' "  Ward, the peer's $LIKE_Q queries (ms)" "$(fmt_ms "$WSUB_P50")" \
            "$(fmt_ms "$WSUB_P95")" "$(fmt_ms "$WSUB_P99")"
        printf '%-44s %9s %9s %9s\n' "  peer: LIKE scan, sqlite3 CLI (ms)" "$(fmt_ms "$LIKE_P50")" \
            "$(fmt_ms "$LIKE_P95")" "$(fmt_ms "$LIKE_P99")"
        printf '%-44s %9s %9s %9s\n' "  LIKE scan / Ward (x)" "$(ratio "$LIKE_P50" "$WSUB_P50")" \
            "$(ratio "$LIKE_P95" "$WSUB_P95")" "$(ratio "$LIKE_P99" "$WSUB_P99")"
    fi
    printf '%-44s %9s %9s %9s %9s\n' "kb search, same queries (ms)" "$(fmt_ms "${KV[kb_p50_ms]}")" \
        "$(fmt_ms "${KV[kb_p95_ms]}")" "$(fmt_ms "${KV[kb_p99_ms]}")" "$(fmt_ms "${KV[kb_srv_p95]}")"
    printf '%-44s %9s %9s %9s %9s   %-12s %s\n' "queue pages, all $QUEUE_N requests (ms)" "$(fmt_ms "$QUEUE_P50")" \
        "$(fmt_ms "$QUEUE_P95")" "$(fmt_ms "$QUEUE_P99")" '' "p95 < $GOAL_QUEUE_P95_MS ms" "$(metword "$QUEUE_MET")"
    printf '%-44s %9s %9s %9s\n' "  active by due, first page (ms)" "$(fmt_ms "${KV[qf_due_p50]}")" \
        "$(fmt_ms "${KV[qf_due_p95]}")" "$(fmt_ms "${KV[qf_due_p99]}")"
    printf '%-44s %9s %9s %9s\n' "  active by due, all ${KV[walk_due_pages]} pages (ms)" "$(fmt_ms "${KV[walk_due_p50_ms]}")" \
        "$(fmt_ms "${KV[walk_due_p95_ms]}")" "$(fmt_ms "${KV[walk_due_p99_ms]}")"
    printf '%-44s %9s %9s %9s\n' "  $ASSIGNEE's active, first page (ms)" "$(fmt_ms "${KV[qf_mine_p50]}")" \
        "$(fmt_ms "${KV[qf_mine_p95]}")" "$(fmt_ms "${KV[qf_mine_p99]}")"
    printf '%-44s %9s %9s %9s\n' "  $ASSIGNEE's active, all ${KV[walk_mine_pages]} pages (ms)" \
        "$(fmt_ms "${KV[walk_mine_p50_ms]}")" "$(fmt_ms "${KV[walk_mine_p95_ms]}")" "$(fmt_ms "${KV[walk_mine_p99_ms]}")"
    printf '%-44s %9s /s %-17s   %-12s %s\n' "ticket creation, median of $RUNS x ${DURATION}s" "$CREATE_RATE" \
        "(p99 $(fmt_ms "$CREATE_P99_MED") ms)" ">= $GOAL_CREATE_RPS /s" "$(metword "$CREATE_MET")"
    printf '%-44s %9s MiB, %d bytes per ticket\n' 'database (ward.db + wal)' "$MIB" "$DB_PER_TICKET"
    printf '\nsearch:    slowest queries (median): %s\n' "${KV[search_slowest]}"
    printf '           by kind (ms): %s\n' "$SEARCH_KINDS"
    printf '           fastest: %s; %s of %d queries found nothing\n' "${KV[search_fastest]}" "${KV[search_empty]}" "$NQUERIES"
    printf 'kb search: slowest: %s\n' "${KV[kb_slowest]}"
    printf '           by kind (ms): %s\n' "$KB_KINDS"
    printf 'queue:     %d active tickets; slowest page of the walk by due: %s ms; the walk of %s: %d tickets\n' \
        "$ACTIVE" "$SLOW_PAGE" "$ASSIGNEE" "${KV[walk_mine_tickets]}"
    printf 'creation:  per run tickets/s: %s; p99 ms: %s; server-side p50 %s ms, p95 %s ms; %d tickets created,\n' \
        "${CREATE_RATES% }" "${CREATE_P99% }" "$(fmt_ms "${KV[create_srv_p50]}")" "$(fmt_ms "${KV[create_srv_p95]}")" "$CREATED_TOTAL"
    printf '           %d bytes of database pages each (activity log included)\n' "$CREATE_BYTES_PER"
    printf 'database:  largest per ticket: %s\n' "$DB_TABLES"
    printf 'generated: in %s s; %d new, %d open, %d pending, %d resolved, %d closed over %d days; %d employees, %d staff\n' \
        "$GEN_SECONDS" "${KV[gen_status_new]}" "${KV[gen_status_open]}" "${KV[gen_status_pending]}" \
        "${KV[gen_status_resolved]}" "${KV[gen_status_closed]}" "${KV[gen_span_days]}" "$EMPLOYEES" "${KV[gen_staff]}"
    printf 'SLA sweep: %s s over %d running clocks (ward ticket sla-check; the server runs it every minute), %s flagged\n' \
        "$SWEEP_SECONDS" "$RUNNING" "$SWEEP_FLAGGED"
    printf '\n'
    if (( ${#FAILURES[@]} > 0 )); then
        printf 'FAILURES:\n'
        printf '  %s\n' "${FAILURES[@]}"
    else
        printf 'errors: none (every search and listing 200, every creation 201, tickets grew by what wrk counted)\n'
    fi
    if [[ -n $PROFILE_TEXT ]]; then
        printf '\nprofile (after the measurements; not counted above):\n%s\n' "$PROFILE_TEXT"
    elif [[ $SEARCH_MET != true || $QUEUE_MET != true || $CREATE_MET != true ]]; then
        printf 'a goal was missed: rerun with --profile to see where the time goes\n'
    fi
}

print_json() {
    # Figures that could not be measured (nan) are null.
    print_json_raw | sed -E 's/([ :[,])nan([],} ]|$)/\1null\2/g'
}
print_json_raw() {
    printf '{\n  "benchmark": "helpdesk",\n  "tickets": %d,\n  "comments": %s,\n  "fts_rows": %s,\n  "articles": %d,\n  "runs": %d,\n  "cpus": "%s",\n' \
        "$TICKETS" "${KV[gen_comments]}" "${KV[gen_fts_rows]}" "$ARTICLES" "$RUNS" "$CPUS"
    printf '  "loadavg_before": "%s",\n  "loadavg_after": "%s",\n  "generate_seconds": %s,\n  "index_merge_seconds": %s,\n' "$LOAD_START" "$LOAD_END" "$GEN_SECONDS" "$MERGE_SECONDS"
    printf '  "search": {"queries": %d, "p50_ms": %s, "p95_ms": %s, "p99_ms": %s, "max_ms": %s, "server_p95_ms": %s, "empty": %s, "by_kind": %s, "goal_p95_ms": %d, "goal_met": %s},\n' \
        "$NQUERIES" "${KV[search_p50_ms]}" "${KV[search_p95_ms]}" "${KV[search_p99_ms]}" "${KV[search_max_ms]}" \
        "${KV[search_srv_p95]}" "${KV[search_empty]}" "$(json_str "$SEARCH_KINDS")" "$GOAL_SEARCH_P95_MS" "$SEARCH_MET"
    printf '  "peer_like": {"queries": %d, "p50_ms": %s, "p95_ms": %s, "p99_ms": %s, "ward_p50_ms": %s, "ward_p95_ms": %s, "ratio_p50": %s, "ratio_p95": %s},\n' \
        "$LIKE_Q" "$LIKE_P50" "$LIKE_P95" "$LIKE_P99" "$WSUB_P50" "$WSUB_P95" \
        "$(ratio "$LIKE_P50" "$WSUB_P50" | sed 's/^-$/null/')" "$(ratio "$LIKE_P95" "$WSUB_P95" | sed 's/^-$/null/')"
    printf '  "kb_search": {"p50_ms": %s, "p95_ms": %s, "p99_ms": %s, "max_ms": %s},\n' \
        "${KV[kb_p50_ms]}" "${KV[kb_p95_ms]}" "${KV[kb_p99_ms]}" "${KV[kb_max_ms]}"
    printf '  "queue": {"active": %d, "requests": %d, "p50_ms": %s, "p95_ms": %s, "p99_ms": %s, "goal_p95_ms": %d, "goal_met": %s,\n' \
        "$ACTIVE" "$QUEUE_N" "$QUEUE_P50" "$QUEUE_P95" "$QUEUE_P99" "$GOAL_QUEUE_P95_MS" "$QUEUE_MET"
    printf '    "due_first_p95_ms": %s, "due_walk_pages": %s, "due_walk_p95_ms": %s, "due_walk_max_ms": %s,\n' \
        "${KV[qf_due_p95]}" "${KV[walk_due_pages]}" "${KV[walk_due_p95_ms]}" "${KV[walk_due_max_ms]}"
    printf '    "assignee": %s, "mine_first_p95_ms": %s, "mine_walk_pages": %s, "mine_walk_p95_ms": %s},\n' \
        "$(json_str "$ASSIGNEE")" "${KV[qf_mine_p95]}" "${KV[walk_mine_pages]}" "${KV[walk_mine_p95_ms]}"
    printf '  "create": {"rates": %s, "rate_median": %s, "p99_ms": %s, "created": %d, "bytes_per_ticket": %d, "goal_rps": %d, "goal_met": %s},\n' \
        "$(json_list "$CREATE_RATES")" "$CREATE_RATE" "$(json_list "$CREATE_P99")" "$CREATED_TOTAL" "$CREATE_BYTES_PER" \
        "$GOAL_CREATE_RPS" "$CREATE_MET"
    printf '  "db": {"bytes": %d, "bytes_per_ticket": %d},\n' "$DB_BYTES" "$DB_PER_TICKET"
    printf '  "sla_sweep": {"seconds": %s, "running": %d, "flagged": %s},\n' "$SWEEP_SECONDS" "$RUNNING" "$SWEEP_FLAGGED"
    json_failures
}

finish_output

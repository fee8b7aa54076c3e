#!/usr/bin/env bash
# bench/backup/run.sh - Ward's backup engine against restic and borg on the same
# generated tree (about 2 GiB, tens of thousands of files; bench/backup/gen.c).
#
# Steps, for each tool, on a fresh encrypted repository:
#   first     the first backup of the tree
#   nochange  a second backup, nothing changed
#   change    a backup after 1 % of the files changed (the same change each time)
#   restore   a full restore of the last backup to an empty directory (then checked
#             against the tree's checksum listing, not timed)
#   check     a full check that reads all data (restic check --read-data,
#             borg check --verify-data, ward backup check --read-data)
# Each step: wall time, MB/s (the tree's bytes, or the repository's for check), peak
# RSS (GNU time %M) and the repository's size after it.
#
# Tools: restic (--compression auto), borg (repokey, zstd,3), borg-lz4 (the same
# with borg's default lz4), ward (when the build has `ward backup`; otherwise the
# peers' table is printed with "ward: not built yet").
#
# Everything lives in one temporary directory, removed on exit (Ctrl-C included)
# unless --keep. Only local files; no network.
#
# See bench/README.md for how to read the figures.

set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

usage() {
    cat <<'EOF'
Usage: bench/backup/run.sh [--size-gib N] [--runs N] [--tools LIST] [--keep] [--json]

Generates a tree of about N GiB (seeded: the same on every run), then for
each tool on a fresh encrypted repository: a first backup, a backup with
nothing changed, a backup after 1 % of the files changed, a full restore
(checked against the tree) and a check that reads all data. Prints time,
MB/s, peak RSS and repository size per step, and Ward's ratio to each peer
(peer time / Ward time: above 1, Ward is faster).

Options:
  --size-gib N   size of the generated tree in GiB (default 2; decimals are
                 fine, e.g. 0.25 for a quick look)
  --runs N       runs of every tool (default 1); medians when more, and the
                 tools take turns in a different order each run
  --tools LIST   comma-separated, from restic,borg,borg-lz4,ward (default: all)
  --keep         keep the temporary directory (tree, logs) and print its path
  --json         print the figures as JSON on stdout (the table then goes
                 to stderr)
  -h, --help     this text

Needs restic (0.14) and borg (1.2): apt-get install -y restic borgbackup;
GNU time (apt-get install -y time) and a C compiler for the generator.

Environment:
  WARD_BIN    the ward binary (default: <repo>/build/ward); copied into the
              temporary directory first
  CC          C compiler for the generator (default: cc)
  TMPDIR      where the temporary directory is made (default /tmp): it needs
              about (2 + tools x runs) x N GiB free (the tree, a repository,
              and every restore, kept to the end; see bench/README.md)

Exit status: 0 when every step of every tool succeeded and every restore
matched the tree (also when ward has no backup command yet), 1 otherwise.
EOF
}

# ---------------------------------------------------------------- settings
SIZE_GIB=2
RUNS=1
KEEP=0
# shellcheck disable=SC2034  # JSON is read by finish_output (lib.sh)
JSON=0
SEED=1
TOOLS_ARG=restic,borg,borg-lz4,ward
STEPS=(first nochange change restore check)
ALL_TOOLS=(restic borg borg-lz4 ward)

while (( $# > 0 )); do
    case $1 in
        --size-gib)   (( $# >= 2 )) || die "--size-gib needs a value"; SIZE_GIB=$2; shift 2 ;;
        --size-gib=*) SIZE_GIB=${1#*=}; shift ;;
        --runs)       (( $# >= 2 )) || die "--runs needs a value"; RUNS=$2; shift 2 ;;
        --runs=*)     RUNS=${1#*=}; shift ;;
        --tools)      (( $# >= 2 )) || die "--tools needs a value"; TOOLS_ARG=$2; shift 2 ;;
        --tools=*)    TOOLS_ARG=${1#*=}; shift ;;
        --keep)       KEEP=1; shift ;;
        --json)       JSON=1; shift ;;
        -h|--help)    usage; exit 0 ;;
        *)            usage >&2; die "unknown argument: $1" ;;
    esac
done
is_posint "$RUNS" || die "--runs must be a positive whole number, not '$RUNS'"
RUNS=$((10#$RUNS))
if ! [[ $SIZE_GIB =~ ^[0-9]+(\.[0-9]+)?$ ]] || ! awk -v s="$SIZE_GIB" 'BEGIN { exit !(s >= 0.01 && s <= 256) }'; then
    die "--size-gib must be a number from 0.01 to 256, not '$SIZE_GIB'"
fi
TOOLS=()
IFS=, read -r -a tools_in <<<"$TOOLS_ARG"
for t in "${tools_in[@]}"; do
    case $t in
        restic|borg|borg-lz4|ward) [[ " ${TOOLS[*]} " == *" $t "* ]] || TOOLS+=("$t") ;;
        *) die "--tools: unknown tool '$t' (restic, borg, borg-lz4, ward)" ;;
    esac
done
(( ${#TOOLS[@]} > 0 )) || die "--tools names no tool"
wants() { [[ " ${TOOLS[*]} " == *" $1 "* ]]; }

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)
WARD_SRC=${WARD_BIN:-$REPO/build/ward}
CC=${CC:-cc}

# ------------------------------------------------------------ dependencies
missing_pkgs=()
[[ -x /usr/bin/time ]] || missing_pkgs+=(time)
command -v "$CC" >/dev/null 2>&1 || missing_pkgs+=(gcc)
command -v sha1sum >/dev/null 2>&1 || missing_pkgs+=(coreutils)
if wants restic && ! command -v restic >/dev/null 2>&1; then missing_pkgs+=(restic); fi
if { wants borg || wants borg-lz4; } && ! command -v borg >/dev/null 2>&1; then missing_pkgs+=(borgbackup); fi
if (( ${#missing_pkgs[@]} > 0 )); then
    sudo=
    (( EUID != 0 )) && sudo='sudo '
    log "run.sh: missing: ${missing_pkgs[*]}. Install with:"
    log "    ${sudo}apt-get install -y ${missing_pkgs[*]}"
    log "(or leave a peer out with --tools)"
    exit 1
fi
time_out=$(/usr/bin/time -f '%M' true 2>&1 || true)
[[ $time_out =~ ^[0-9]+$ ]] || die "/usr/bin/time is not GNU time (no %M); apt-get install -y time"
[[ -f $SCRIPT_DIR/gen.c ]] || die "missing gen.c next to run.sh"

# ------------------------------------------------------- temp dir, cleanup
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ward-bench-backup.XXXXXX")

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if (( KEEP )); then
        log "kept $TMP"
    else
        rm -rf -- "$TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ------------------------------------------------------------------ setup
log "== setup in $TMP"
GEN=$TMP/gen
"$CC" -O2 -Wall -o "$GEN" "$SCRIPT_DIR/gen.c" -lm 2>"$TMP/cc.log" || { cat "$TMP/cc.log" >&2; die "cannot build gen.c"; }

# Ward, if its build has the backup commands. Copied, so a rebuild during the run does
# not matter.
WARD=
WARD_STATE='not built yet'
if wants ward; then
    if [[ ! -x $WARD_SRC ]]; then
        WARD_STATE="not built yet (no binary at $WARD_SRC; set WARD_BIN)"
    elif "$WARD_SRC" backup --help >"$TMP/ward-help.txt" 2>&1 </dev/null &&
        grep -q 'run' "$TMP/ward-help.txt"; then
        WARD=$TMP/ward
        cp "$WARD_SRC" "$WARD"
        WARD_STATE=ok
    else
        WARD_STATE="not built yet ($WARD_SRC has no 'backup' command)"
    fi
    log "ward:       $WARD_SRC: $WARD_STATE"
fi
RUN_TOOLS=()
for t in "${TOOLS[@]}"; do
    [[ $t == ward && -z $WARD ]] || RUN_TOOLS+=("$t")
done

SRC=$TMP/data
log "tree:       generating ${SIZE_GIB} GiB (seed $SEED) into $SRC"
GEN_OUT=$("$GEN" tree "$SRC" --size-gib "$SIZE_GIB" --seed "$SEED") || die "gen tree failed"
log "            $GEN_OUT"
BYTES=$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' <<<"$GEN_OUT")
FILES=$(find "$SRC" -type f | wc -l)
LINKS=$(find "$SRC" -type l | wc -l)
DIRS=$(find "$SRC" -type d | wc -l)

# The 1 % of regular files that change, their pristine copies, and the tree's listing
# after the change (what every restore must give back).
(cd "$SRC" && find . -type f | LC_ALL=C sort | awk 'NR % 100 == 37' | sed 's|^\./||') >"$TMP/change.list"
CHANGED=$(wc -l <"$TMP/change.list")
mkdir "$TMP/pristine"
(cd "$SRC" && xargs -d '\n' -a "$TMP/change.list" cp -p --parents -t "$TMP/pristine")

# listing DIR: every entry's type, path and link target, and every file's SHA-1.
listing() {
    (
        cd "$1"
        find . -mindepth 1 -printf '%y %p %l\n' | LC_ALL=C sort
        find . -type f -print0 | xargs -0 -r -P 2 -n 200 sha1sum | LC_ALL=C sort
    )
}
mutate() { "$GEN" mutate "$SRC" --seed "$SEED" <"$TMP/change.list" >"$TMP/mutate.out" || die "gen mutate failed"; }
revert() { (cd "$TMP/pristine" && xargs -d '\n' -a "$TMP/change.list" cp -p --parents -t "$SRC") || die "cannot put the changed files back"; }
mutate
CHANGED_BYTES=$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' "$TMP/mutate.out")
listing "$SRC" >"$TMP/listing-changed"
revert
log "            $FILES files, $DIRS directories, $LINKS links, $BYTES bytes; $CHANGED files ($CHANGED_BYTES bytes) change"

warm() { find "$SRC" -type f -exec cat {} + >/dev/null; }

PW=$TMP/password
( umask 077; printf 'bench-%s%s%s\n' "$RANDOM" "$RANDOM" "$RANDOM" >"$PW" )

RESTIC_VERSION=$(restic version 2>/dev/null | awk '{ print $2; exit }' || true)
BORG_VERSION=$(borg --version 2>/dev/null | awk '{ print $2; exit }' || true)
WARD_VERSION=
[[ -n $WARD ]] && WARD_VERSION=$("$WARD" --version 2>/dev/null | head -n 1 | sed 's/^ward //' || true)
BORG_ENCRYPTION=repokey

# ------------------------------------------------------------- the tools
# Each tool's commands: tool_env TOOL prints its environment (KEY=VALUE lines), and
# tool_cmd TOOL STEP sets CMD (the argv) and CWD. Repositories, caches and home
# directories are all in $TMP.
tool_env() {
    case $1 in
        restic)
            printf '%s\n' "RESTIC_REPOSITORY=$TMP/repo-restic" "RESTIC_PASSWORD_FILE=$PW" \
                "RESTIC_CACHE_DIR=$TMP/cache-restic" ;;
        borg|borg-lz4)
            printf '%s\n' "BORG_REPO=$TMP/repo-$1" "BORG_PASSCOMMAND=cat $PW" "BORG_BASE_DIR=$TMP/home-$1" ;;
        ward)
            printf '%s\n' "WARD_BACKUP_PASSWORD_FILE=$PW" "HOME=$TMP/home-ward" ;;
    esac
}
repo_of() { printf '%s' "$TMP/repo-$1"; }
restore_of() { printf '%s' "$TMP/restore-$1"; }

# Ward's backup commands are new: the password goes as --password-file when the help
# mentions it, and on stdin and in WARD_BACKUP_PASSWORD_FILE in any case.
WARD_PW=()
if [[ -n $WARD ]] && "$WARD" backup init --help 2>&1 </dev/null | grep -q -- '--password-file'; then
    WARD_PW=(--password-file "$PW")
fi

tool_cmd() {
    local tool=$1 step=$2 repo restore
    repo=$(repo_of "$tool")
    restore=$(restore_of "$tool")
    CWD=$SRC
    case $tool:$step in
        restic:init)            CMD=(restic init --repository-version 2) ;;
        restic:first|restic:nochange|restic:change)
                                CMD=(restic backup --compression auto --host bench .) ;;
        restic:restore)         CMD=(restic restore latest --target "$restore") ;;
        restic:check)           CMD=(restic check --read-data) ;;
        borg*:init)             CMD=(borg init --encryption "$BORG_ENCRYPTION") ;;
        borg:first|borg:nochange|borg:change)
                                CMD=(borg create --compression 'zstd,3' "::$step" .) ;;
        borg-lz4:first|borg-lz4:nochange|borg-lz4:change)
                                CMD=(borg create --compression lz4 "::$step" .) ;;
        borg*:restore)          CMD=(borg extract ::change); CWD=$restore ;;
        borg*:check)            CMD=(borg check --verify-data) ;;
        ward:init)              CMD=("$WARD" backup init --repo "$repo" "${WARD_PW[@]}") ;;
        ward:first|ward:nochange|ward:change)
                                CMD=("$WARD" backup run --repo "$repo" "${WARD_PW[@]}" "$SRC") ;;
        ward:restore)           CMD=("$WARD" backup restore latest --repo "$repo" "${WARD_PW[@]}" --target "$restore") ;;
        ward:check)             CMD=("$WARD" backup check --repo "$repo" "${WARD_PW[@]}" --read-data) ;;
        *) die "no command for $tool $step" ;;
    esac
}

# Where a restore put the tree: the target itself (restic and borg back up "."), or
# the source's absolute path or its last component ("data", a name the generated
# tree never has at its top) under it.
restored_root() {
    local dir=$1
    if [[ -d $dir$SRC ]]; then printf '%s' "$dir$SRC"
    elif [[ -d $dir/${SRC##*/} ]]; then printf '%s' "$dir/${SRC##*/}"
    else printf '%s' "$dir"
    fi
}

# ---------------------------------------------------------------- measure
declare -A WALL RSS SIZE
for t in "${ALL_TOOLS[@]}"; do for s in "${STEPS[@]}"; do WALL[$t,$s]=; RSS[$t,$s]=; SIZE[$t,$s]=; done; done
FAILURES=()
CPUS=$(nproc 2>/dev/null || echo '?')
LOAD_START=$(loadavg)

# run_step TOOL STEP RUN: runs the step under GNU time with the tool's environment;
# records wall time, peak RSS and the repository's size. Returns 1 on failure.
run_step() {
    local tool=$1 step=$2 r=$3 tv=$TMP/$1-$2-$3.time out=$TMP/$1-$2-$3.out err=$TMP/$1-$2-$3.err rc=0 wall rss size
    local -a envs
    mapfile -t envs < <(tool_env "$tool")
    tool_cmd "$tool" "$step"
    (cd "$CWD" && env "${envs[@]}" /usr/bin/time -f '%e %M' -o "$tv" "${CMD[@]}" <"$PW" >"$out" 2>"$err") || rc=$?
    if (( rc != 0 )); then
        FAILURES+=("$tool $step (run $r): exit status $rc: $(grep -v '^$' "$err" | tail -n 1)")
        log "run $r  $tool $step FAILED (exit status $rc); see $err"
        return 1
    fi
    sync
    [[ $step == init ]] && return 0
    read -r wall rss < <(tail -n 1 "$tv")
    size=$(du -sb "$(repo_of "$tool")" | cut -f1)
    WALL[$tool,$step]+="$wall "
    RSS[$tool,$step]+="$rss "
    SIZE[$tool,$step]+="$size "
    log "$(printf 'run %d/%d  %-8s %-8s %8.2f s  %8.1f MB/s  rss %7.1f MiB  repo %9.1f MiB' "$r" "$RUNS" "$tool" \
        "$step" "$wall" "$(mbs "$tool" "$step" "$wall" "$size")" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" \
        "$(awk -v b="$size" 'BEGIN { print b / 1048576 }')")"
}

# MB/s of a step: the tree's bytes over the time, the repository's for check.
mbs() {
    local bytes=$BYTES
    [[ $2 == check ]] && bytes=$4
    awk -v b="$bytes" -v s="$3" 'BEGIN { if (s > 0) printf "%.1f", b / 1e6 / s; else print "nan" }'
}

# Restored trees are kept (renamed) until the end, not removed: ext4 without a journal
# (as on the development VM) avoids reusing an inode freed in the last minute, or six
# while its inode table block is dirty, and every file created meanwhile first scans
# past the freed inodes of its group (the kernel's recently_deleted()). A restore soon
# after another tool's restored tree was removed ran two to six times slower, and the
# later a tool came in a run the worse it did.

# One tool's whole sequence on a fresh repository.
run_tool() {
    local tool=$1 r=$2 restore
    restore=$(restore_of "$tool")
    rm -rf -- "$(repo_of "$tool")" "$TMP/cache-$tool" "$TMP/home-$tool" "$restore"
    mkdir -p "$TMP/home-$tool"
    [[ $tool == borg* ]] && mkdir "$restore" # borg extracts into the current directory
    warm
    run_step "$tool" init "$r" || return 0
    run_step "$tool" first "$r" || return 0
    run_step "$tool" nochange "$r" || return 0
    mutate
    run_step "$tool" change "$r" || { revert; return 0; }
    if run_step "$tool" restore "$r"; then
        listing "$(restored_root "$restore")" >"$TMP/listing-$tool"
        if ! cmp -s "$TMP/listing-changed" "$TMP/listing-$tool"; then
            FAILURES+=("$tool restore (run $r): the restored tree differs from the source in $(diff "$TMP/listing-changed" "$TMP/listing-$tool" | grep -c '^[<>]') line(s) of the listing")
            (( KEEP )) && cp "$TMP/listing-$tool" "$TMP/listing-$tool-run$r"
        fi
    fi
    if [[ -e $restore ]]; then mv -- "$restore" "$TMP/restored-$tool-$r"; fi
    run_step "$tool" check "$r" || true
    revert
    rm -rf -- "$(repo_of "$tool")" "$TMP/cache-$tool"
}

log
log "== measuring (${#RUN_TOOLS[@]} tool(s), $RUNS run(s))"
for (( r = 1; r <= RUNS; r++ )); do
    n=${#RUN_TOOLS[@]}
    for (( i = 0; i < n; i++ )); do
        run_tool "${RUN_TOOLS[(i + r - 1) % n]}" "$r"
    done
done
LOAD_END=$(loadavg)

# ---------------------------------------------------------------- results
declare -A MED_WALL MED_RSS MED_SIZE
for t in "${RUN_TOOLS[@]}"; do
    for s in "${STEPS[@]}"; do
        read -r -a v <<<"${WALL[$t,$s]}"; MED_WALL[$t,$s]=$(median "${v[@]}")
        read -r -a v <<<"${RSS[$t,$s]}";  MED_RSS[$t,$s]=$(median "${v[@]}")
        read -r -a v <<<"${SIZE[$t,$s]}"; MED_SIZE[$t,$s]=$(median "${v[@]}")
    done
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == a + 0 && b == b + 0 && b > 0) printf "%.2f", a / b; else print "-" }'; }

tool_label() {
    case $1 in
        restic)   printf 'restic %s' "${RESTIC_VERSION:-?}" ;;
        borg)     printf 'borg %s zstd,3' "${BORG_VERSION:-?}" ;;
        borg-lz4) printf 'borg %s lz4' "${BORG_VERSION:-?}" ;;
        ward)     printf 'ward %s' "${WARD_VERSION:-?}" ;;
    esac
}

print_table() {
    local s t w
    printf '\nBackup benchmark: %s GiB tree, %d files, %d directories, %d links, %d bytes; %d files (1 %%) change\n' \
        "$SIZE_GIB" "$FILES" "$DIRS" "$LINKS" "$BYTES" "$CHANGED"
    printf '%d run(s)%s; %s CPUs; load average (1 min) before: %s, after: %s\n' "$RUNS" \
        "$( (( RUNS > 1 )) && printf ', medians' )" "$CPUS" "$LOAD_START" "$LOAD_END"
    printf 'restic: repository v2, --compression auto; borg: --encryption %s, zstd,3 (borg) and lz4 (borg-lz4, the default)\n' \
        "$BORG_ENCRYPTION"
    printf 'MB/s: the tree'"'"'s bytes (10^6) per second, the repository'"'"'s for check; RSS: GNU time %%M; repo: du -sb after the step\n\n'
    printf '%-9s %-20s %9s %9s %9s %10s\n' step tool 'time s' 'MB/s' 'RSS MiB' 'repo MiB'
    for s in "${STEPS[@]}"; do
        for t in "${RUN_TOOLS[@]}"; do
            w=${MED_WALL[$t,$s]}
            if [[ $w == nan ]]; then
                printf '%-9s %-20s %9s %9s %9s %10s\n' "$s" "$(tool_label "$t")" failed - - -
                continue
            fi
            printf '%-9s %-20s %9.2f %9s %9.1f %10.1f\n' "$s" "$(tool_label "$t")" "$w" \
                "$(mbs "$t" "$s" "$w" "${MED_SIZE[$t,$s]}")" \
                "$(awk -v k="${MED_RSS[$t,$s]}" 'BEGIN { print k / 1024 }')" \
                "$(awk -v b="${MED_SIZE[$t,$s]}" 'BEGIN { print b / 1048576 }')"
        done
    done
    printf '\n'
    if wants ward && [[ -z $WARD ]]; then
        printf 'ward: %s\n' "$WARD_STATE"
    elif [[ -n $WARD ]]; then
        printf 'Ward against each peer: peer time / Ward time (above 1: Ward is faster)\n'
        printf '%-9s' step
        for t in "${RUN_TOOLS[@]}"; do [[ $t == ward ]] || printf ' %12s' "vs $t"; done
        printf '\n'
        for s in "${STEPS[@]}"; do
            printf '%-9s' "$s"
            for t in "${RUN_TOOLS[@]}"; do
                [[ $t == ward ]] || printf ' %12s' "$(ratio "${MED_WALL[$t,$s]}" "${MED_WALL[ward,$s]}")"
            done
            printf '\n'
        done
    fi
    if (( RUNS > 1 )); then
        printf '\nper run, seconds:\n'
        for t in "${RUN_TOOLS[@]}"; do
            for s in "${STEPS[@]}"; do printf '  %-9s %-9s %s\n' "$t" "$s" "${WALL[$t,$s]% }"; done
        done
    fi
    printf '\n'
    if (( ${#FAILURES[@]} > 0 )); then
        printf 'FAILURES:\n'
        printf '  %s\n' "${FAILURES[@]}"
    else
        printf 'errors: none (every step exited 0, every restore matched the tree)\n'
    fi
}

print_json() {
    local t s first=1 sfirst
    printf '{\n  "benchmark": "backup",\n  "size_gib": %s,\n  "runs": %d,\n  "files": %d,\n  "dirs": %d,\n' \
        "$SIZE_GIB" "$RUNS" "$FILES" "$DIRS"
    printf '  "links": %d,\n  "bytes": %d,\n  "changed_files": %d,\n  "cpus": "%s",\n' "$LINKS" "$BYTES" "$CHANGED" "$CPUS"
    printf '  "loadavg_before": "%s",\n  "loadavg_after": "%s",\n  "ward": %s,\n  "tools": {\n' \
        "$LOAD_START" "$LOAD_END" "$(json_str "$WARD_STATE")"
    for t in "${RUN_TOOLS[@]}"; do
        (( first )) || printf ',\n'
        first=0
        printf '    "%s": {"version": %s, "steps": {' "$t" "$(json_str "$(tool_label "$t")")"
        sfirst=1
        for s in "${STEPS[@]}"; do
            (( sfirst )) || printf ', '
            sfirst=0
            printf '\n      "%s": {"seconds": %s, "rss_kb": %s, "repo_bytes": %s, "seconds_median": %s, "mb_s": %s, "rss_kb_median": %s, "repo_bytes_median": %s}' \
                "$s" "$(json_list "${WALL[$t,$s]}")" "$(json_list "${RSS[$t,$s]}")" "$(json_list "${SIZE[$t,$s]}")" \
                "$(num "${MED_WALL[$t,$s]}")" "$(num "$(mbs "$t" "$s" "${MED_WALL[$t,$s]}" "${MED_SIZE[$t,$s]}")")" \
                "$(num "${MED_RSS[$t,$s]}")" "$(num "${MED_SIZE[$t,$s]}")"
        done
        printf '}}'
    done
    printf '\n  },\n  "ward_vs": {'
    first=1
    if [[ -n $WARD ]]; then
        for t in "${RUN_TOOLS[@]}"; do
            [[ $t == ward ]] && continue
            (( first )) || printf ', '
            first=0
            printf '"%s": {' "$t"
            sfirst=1
            for s in "${STEPS[@]}"; do
                (( sfirst )) || printf ', '
                sfirst=0
                printf '"%s": %s' "$s" "$(num "$(ratio "${MED_WALL[$t,$s]}" "${MED_WALL[ward,$s]}")")"
            done
            printf '}'
        done
    fi
    printf '},\n'
    json_failures
}
num() { if [[ $1 =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; then printf '%s' "$1"; else printf 'null'; fi; }

finish_output

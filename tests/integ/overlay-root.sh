#!/bin/sh
# overlay-root.sh [--outside] DIR COMMAND...: runs COMMAND as root chrooted in a
# throwaway root: a private mount namespace with an overlay over /, so apt and dpkg
# there are the machine's own but every change lands in DIR/upper and the machine's
# packages stay untouched. DIR keeps the changes from one call to the next. With
# --outside, COMMAND runs in the namespace but not chrooted, with ROOT set to the
# root's directory (for `ward agent run --root "$ROOT"`). Needs root.
set -eu
outside=
if [ "$1" = --outside ]; then
	outside=1
	shift
fi
dir=$1
shift
mkdir -p "$dir/upper" "$dir/work" "$dir/merged"
exec unshare -m sh -c '
	set -e
	d=$1
	outside=$2
	shift 2
	mount --make-rprivate /
	mount -t overlay overlay -o "lowerdir=/,upperdir=$d/upper,workdir=$d/work" "$d/merged"
	mount --rbind /dev "$d/merged/dev"
	mount -t proc proc "$d/merged/proc"
	if [ -n "$outside" ]; then
		ROOT=$d/merged exec "$@"
	fi
	exec chroot "$d/merged" "$@"' sh "$dir" "$outside" "$@"

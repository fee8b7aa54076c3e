#!/bin/sh
# upgrade-fixture.sh: throwaway machines for the upgrade-run tests that drive a server
# from elsewhere (tests/browser/upgrade-runs.test.mjs).
#   upgrade-fixture.sh setup DIR URL TOKEN...   the package repository in DIR/repo and,
#       per token, a root DIR/rootX (X = a, b, ...) with ward-testpkg 1.0 from it, its
#       host name root-X, and its agent enrolled with the token and reported once
#   upgrade-fixture.sh agent DIR X               one agent cycle (report, jobs) in rootX
#   upgrade-fixture.sh version DIR X             ward-testpkg's version in rootX
# Needs root (a mount namespace per call: tests/integ/overlay-root.sh).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ward=${WARD_BIN:-$here/../../build/ward}
cmd=$1
dir=$2
state=/var/lib/ward-agent-test
case $cmd in
setup)
	url=$3
	shift 3
	"$here/upgrade-repo.sh" "$dir/repo" "$dir/local"
	for x in a b c d; do
		[ $# -gt 0 ] || break
		"$here/overlay-root.sh" "$dir/root$x" sh -c "rm -f /etc/apt/sources.list.d/* /etc/apt/preferences.d/*
			echo 'deb [trusted=yes] file:$dir/repo ./' >/etc/apt/sources.list
			echo 'APT::Sandbox::User \"root\";' >/etc/apt/apt.conf.d/99ward-test
			echo root-$x >/etc/hostname
			rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ward-testpkg=1.0" >"$dir/prep$x.log" 2>&1
		"$here/overlay-root.sh" "$dir/root$x" "$ward" agent enroll --server "$url" --token "$1" --hostname "root-$x" \
			--state $state >/dev/null
		"$here/overlay-root.sh" "$dir/root$x" "$ward" agent run --once --state $state >>"$dir/agent$x.log" 2>&1
		shift
	done
	;;
agent) exec "$here/overlay-root.sh" "$dir/root$3" "$ward" agent run --once --state $state >>"$dir/agent$3.log" 2>&1 ;;
version) exec "$here/overlay-root.sh" "$dir/root$3" dpkg-query -W -f='${Version}' ward-testpkg ;;
*) echo "usage: upgrade-fixture.sh setup|agent|version DIR ..." >&2; exit 2 ;;
esac

/*
 * upgrades.h: the upgrades available to a machine, computed in process from its own
 * apt lists the way apt's policy picks candidates, with no apt or dpkg run; and what
 * the machine needs after upgrading (a reboot, services to restart).
 */
#ifndef WARD_SOFTWARE_UPGRADES_H
#define WARD_SOFTWARE_UPGRADES_H

#include <jansson.h>

/*
 * Computes the upgrades of the machine below root ("/" or a fixture tree) from:
 *   var/lib/dpkg/status            what is installed (and held: "hold" selections)
 *   var/lib/apt/lists/..._Packages the archives' indexes, plain, .lz4, .gz or .zst
 *   var/lib/apt/lists/...Release   each index's archive: origin, label, suite, codename,
 *                                  NotAutomatic / ButAutomaticUpgrades
 *   etc/apt/preferences(.d/)       pins: by release (a= n= v= o= l= c= b=), origin or
 *                                  version, for all packages or named ones
 *   etc/apt/apt.conf(.d/)          APT::Default-Release
 * An index's priority is apt's: 500, 100 with ButAutomaticUpgrades, 1 with NotAutomatic
 * (so backports and experimental are not candidates by default), 990 for the default
 * release, or the first generic pin that matches it; the installed version has at least
 * 100. A version's priority is the first package pin that matches it, else the highest
 * of its indexes'. The candidate is the version of highest priority, the higher version
 * winning ties, among those not older than the installed one (any version, once a
 * priority reaches 1000), as apt's policy does.
 *
 * *ret is
 *   {"upgrades": [U...], "held": [U...], "counts": {"upgrades", "security", "held"},
 *    "native_architecture", "sources": [{"file", "origin", "label", "suite", "codename",
 *    "priority", "security"}]}
 * where each U is {"name", "architecture", "installed", "candidate", "security",
 * "archives": [codename or suite...], "rollback": where the installed version can be had
 * again, "archive" (an index offers it), "cache" (var/cache/apt/archives has its .deb) or
 * null} (held ones also "reason": "hold" for a dpkg/apt-mark
 * hold; "new-packages" with "needs": [...] for a candidate whose Depends or Pre-Depends
 * no installed package satisfies; "conflicts" with "breaks": ["a 1.1 Breaks b 1.0"] when
 * the candidate's Breaks or Conflicts reject another package's version after the
 * upgrade, or another's reject it: apt-get upgrade keeps all of them back), sorted by
 * name and architecture. An upgrade is "security" when one of the archives that
 * offers the candidate is a security archive: a suite or codename ending in "-security"
 * or "/updates", or the label "Debian-Security".
 *
 * Problems with single files (an unreadable or damaged index, a bad preferences
 * stanza, invalid stanzas) are appended to warnings as {"section": "upgrades",
 * "message"} and the rest is still used. Fails (-errno, err_set) only when the status
 * file cannot be read or memory runs out; with no apt lists the result is empty.
 */
int upgrades_compute(const char *root, json_t *warnings, json_t **ret);

/*
 * A digest of everything upgrades_compute reads below root (the status file, every
 * file in the lists directory, the preferences and apt.conf files: inode, size,
 * modification and change times) and of Ward's version, as 64 hex digits: while it
 * is the same, so is the answer. apt and dpkg replace those files by renaming new
 * ones over them, so any change moves it. 0 or -ENOMEM.
 */
int upgrades_fingerprint(const char *root, char ret_hex[65]);

/*
 * What the machine below root needs after upgrades:
 *   {"reboot_required": bool, "reasons": [text...], "packages": [names from
 *    run/reboot-required.pkgs], "kernel": {"running", "newest_installed"},
 *    "services": [{"unit", "pids": [...], "libraries": [...]}]}
 * reboot_required: run/reboot-required exists, or a kernel newer than the running one
 * is installed (boot/vmlinuz-*, compared as Debian versions, against running, which
 * is `uname -r` on a live machine or proc/sys/kernel/osrelease below root). services:
 * processes mapping a deleted shared library (proc/PID/maps lines ending in
 * "(deleted)" for a .so file), grouped by their systemd unit from proc/PID/cgroup
 * (processes outside a service show as "pid:N"). live: root is "/", so uname may be
 * asked. Unreadable parts become warnings ("section": "reboot"). 0 or -ENOMEM.
 */
int reboot_needs(const char *root, int live, json_t *warnings, json_t **ret);

#endif

#!/usr/bin/env python3
"""bench/agent/gen-status.py - write a realistic dpkg status file with N packages.

Usage: gen-status.py N FIXTURE_STATUS OUT

The stanzas of FIXTURE_STATUS (the 40 real ones of tests/fixtures/debian12) come
first, then N minus that many made-up ones, in dpkg's field order, with names,
versions, sizes, dependencies, conffiles and descriptions drawn the way a Debian
system spreads them (libs, -dev, python3-, perl, fonts, ...; epochs, +debNuM,
binNMUs; a few hundred bytes to a few kilobytes each: about 900 bytes on average,
like a real status file). The output depends only on N (fixed seed), so every run
parses the same file. Only the standard library is used.
"""
import random
import sys

SYLLABLES = """a al am an ar as at ba be bi bo bu ca ce ci co cu da de di do du
el em en er es ex fa fe fi fo fu ga ge gi go gu ha he hi ho hu ic id im in io ir
ja jo ka ke ki ko la le li lo lu ma me mi mo mu na ne ni no nu ob od on op or os
pa pe pi po pu qu ra re ri ro ru sa se si so su ta te ti to tu ul um un ur us va
ve vi vo xa xe xi ya yo za ze zo""".split()
WORDS = """acl archive attr audit avahi blk boost brotli bz cairo cap crypt cups curl
db dbus drm edit egl event expat ffi flac fontconfig freetype fribidi fuse gcrypt
gdbm geos gif gl glib gmp gnutls gpg gpgme gss harfbuzz heif icu idn iso jansson
jpeg json kmod krb5 lcms ldap lz lzma magic mount mpfr ncurses net nettle nghttp
nspr nss ogg opus p11 pam pango pcre pipewire png popt proc psl pulse readline
rtmp sasl seccomp selinux semanage sepol slang smart sndfile sodium sqlite ssh ssl
systemd tasn tiff tinfo uchardet udev unistring usb uuid uv va vorbis vpx wayland
webp x11 xau xcb xdmcp xext xml2 xslt xxhash yaml zstd""".split()
SECTIONS_BY_KIND = {
    "lib": ["libs"] * 8 + ["oldlibs"],
    "dev": ["libdevel"],
    "python": ["python"],
    "perl": ["perl"],
    "fonts": ["fonts"],
    "gir": ["introspection"],
    "java": ["java"],
    "golang": ["golang"],
    "node": ["javascript"],
    "plain": ["utils", "admin", "net", "devel", "misc", "text", "web", "editors",
              "database", "x11", "gnome", "interpreters", "doc", "shells", "mail",
              "sound", "video", "graphics", "science", "vcs"],
}
KINDS = (["lib"] * 36 + ["dev"] * 9 + ["python"] * 8 + ["perl"] * 6 + ["fonts"] * 2
         + ["gir"] * 2 + ["java"] * 4 + ["golang"] * 2 + ["node"] * 3 + ["plain"] * 28)
MAINTAINERS = [
    "Debian QA Group <packages@qa.debian.org>",
    "Debian Python Team <team+python@tracker.debian.org>",
    "Debian Perl Group <pkg-perl-maintainers@lists.alioth.debian.org>",
    "Debian X Strike Force <debian-x@lists.debian.org>",
    "Debian GNOME Maintainers <pkg-gnome-maintainers@lists.alioth.debian.org>",
    "Debian Java Maintainers <pkg-java-maintainers@lists.alioth.debian.org>",
    "Debian Go Packaging Team <team+pkg-go@tracker.debian.org>",
    "Debian Javascript Maintainers <pkg-javascript-devel@lists.alioth.debian.org>",
    "Debian Fonts Task Force <debian-fonts@lists.debian.org>",
    "GNU Libc Maintainers <debian-glibc@lists.debian.org>",
    "Debian systemd Maintainers <pkg-systemd-maintainers@lists.alioth.debian.org>",
    "Matthias Klose <doko@debian.org>",
    "Laurent Bigonville <bigon@debian.org>",
    "Jonas Smedegaard <dr@jones.dk>",
    "Sebastian Ramacher <sramacher@debian.org>",
    "Andreas Tille <tille@debian.org>",
]
LOREM = """the library provides a portable implementation of the protocol and is
used by many programs in the distribution this package contains the shared
library needed to run programs linked against it development files headers and
static libraries are in a separate package it supports compression encryption
streaming asynchronous input output plugins configuration files and a command
line interface documentation examples and test suite are shipped separately the
module offers bindings for python perl and other languages and integrates with
the system logging service network manager and the desktop environment""".split()


def word(r):
    if r.random() < 0.6:
        return r.choice(WORDS)
    return "".join(r.choice(SYLLABLES) for _ in range(r.randint(2, 4)))


def make_name(r, kind):
    w = word(r)
    if r.random() < 0.3:
        w += r.choice(["-", ""]) + word(r)
    if kind == "lib":
        return "lib%s%s" % (w, r.choice(["0", "1", "1", "2", "3", "4", "6", "-1.0-0", "2.0-0", "c2", "t64", "1a"]))
    if kind == "dev":
        return "lib%s-dev" % w
    if kind == "python":
        return "python3-%s" % w
    if kind == "perl":
        return "lib%s-perl" % w
    if kind == "fonts":
        return "fonts-%s" % w
    if kind == "gir":
        return "gir1.2-%s-1.0" % w
    if kind == "java":
        return "lib%s-java" % w
    if kind == "golang":
        return "golang-github-%s-%s-dev" % (word(r), w)
    if kind == "node":
        return "node-%s" % w
    return w + r.choice(["", "", "", "-utils", "-bin", "-common", "-data", "-doc", "d", "-tools"])


def make_version(r):
    up = "%d.%d" % (r.choice([0, 0, 1, 1, 1, 2, 2, 3, 4, 5, 6, 7, 9, 12, 20230101 // 10000]), r.randint(0, 40))
    if r.random() < 0.7:
        up += ".%d" % r.randint(0, 30)
    if r.random() < 0.06:
        up += r.choice(["+dfsg", "+ds", "~rc1", "+really%d.%d" % (r.randint(1, 3), r.randint(0, 9))])
    if r.random() < 0.04:
        up = "0.0~git2022%02d%02d.%07x" % (r.randint(1, 12), r.randint(1, 28), r.getrandbits(28))
    rev = "-%d" % r.choice([1, 1, 1, 2, 2, 3, 4, 5, 7, 11])
    if r.random() < 0.12:
        rev += ".%d" % r.randint(1, 3)
    if r.random() < 0.15:
        rev += "+deb12u%d" % r.randint(1, 9)
    epoch = "%d:" % r.choice([1, 1, 1, 2, 3]) if r.random() < 0.14 else ""
    return epoch + up + rev


def make_desc(r, name):
    syn = " ".join(r.choice(LOREM) for _ in range(r.randint(3, 9)))
    lines = []
    paras = r.choice([1, 1, 1, 1, 2, 2, 3])
    for p in range(paras):
        if p:
            lines.append(" .")
        nwords = r.choice([6, 10, 15, 20, 30, 45, 70, 110])
        words = [r.choice(LOREM) for _ in range(nwords)]
        line = ""
        for w in words:
            if len(line) + len(w) + 1 > 72:
                lines.append(" " + line)
                line = w
            else:
                line = (line + " " + w).strip()
        if line:
            lines.append(" " + line)
        if r.random() < 0.1:
            lines.append(" .")
            for _ in range(r.randint(2, 5)):
                lines.append("  - " + " ".join(r.choice(LOREM) for _ in range(r.randint(2, 6))))
    return "Description: %s (%s)\n%s\n" % (syn, name, "\n".join(lines))


def dep_list(r, names, lo, hi, alternatives=True):
    out = []
    for _ in range(r.randint(lo, hi)):
        d = r.choice(names)
        if r.random() < 0.5:
            d += " (>= %s)" % make_version(r).split("-")[0]
        if alternatives and r.random() < 0.05:
            d += " | " + r.choice(names)
        out.append(d)
    return ", ".join(dict.fromkeys(out))


def main():
    if len(sys.argv) != 4:
        sys.stderr.write(__doc__)
        sys.exit(2)
    n = int(sys.argv[1])
    with open(sys.argv[2], encoding="utf-8") as f:
        fixture = f.read().strip("\n")
    stanzas = [s for s in fixture.split("\n\n") if s.strip()]
    taken = set()
    for s in stanzas:
        for line in s.splitlines():
            if line.startswith("Package: "):
                taken.add(line[9:].strip())
    r = random.Random(n * 7919 + 3)
    names = []
    while len(names) + len(stanzas) < n:
        kind = r.choice(KINDS)
        name = make_name(r, kind)
        if name in taken:
            continue
        taken.add(name)
        names.append((name, kind))
    dep_pool = [nm for nm, _ in names[:400]] + sorted(taken)[:40]
    out = [s + "\n" for s in stanzas]
    for name, kind in names:
        arch = "all" if kind in ("python", "perl", "fonts", "java", "node", "golang") or r.random() < 0.12 else "amd64"
        if kind == "python" and r.random() < 0.3:
            arch = "amd64"
        status = "install ok installed"
        x = r.random()
        if x < 0.01:
            status = "deinstall ok config-files"
        elif x < 0.014:
            status = "hold ok installed"
        version = make_version(r)
        st = ["Package: %s" % name, "Status: %s" % status,
              "Priority: %s" % r.choice(["optional"] * 30 + ["required", "important", "standard", "extra"]),
              "Section: %s" % r.choice(SECTIONS_BY_KIND[kind]),
              "Installed-Size: %d" % int(r.lognormvariate(5.5, 1.6) + 8),
              "Maintainer: %s" % r.choice(MAINTAINERS),
              "Architecture: %s" % arch]
        if arch != "all" and (kind in ("lib", "gir") or r.random() < 0.1):
            st.append("Multi-Arch: same")
        elif r.random() < 0.25:
            st.append("Multi-Arch: foreign")
        if r.random() < 0.8:
            src = name[3:] if name.startswith("lib") else name
            for suf in ("-dev", "-perl", "-java", "-utils", "-bin", "-common", "-data", "-doc"):
                if src.endswith(suf):
                    src = src[: -len(suf)]
            src = src.rstrip("0123456789") or src
            if r.random() < 0.07:
                # a binNMU: the binary's version carries +bN, the source's does not
                st.append("Source: %s (%s)" % (src, version))
                version += "+b%d" % r.randint(1, 3)
            else:
                st.append("Source: %s" % src)
        st.append("Version: %s" % version)
        if r.random() < 0.08:
            st.append("Replaces: %s" % dep_list(r, dep_pool, 1, 2, alternatives=False))
        if r.random() < 0.1:
            st.append("Provides: %s (= %s)" % (word(r) + "-" + kind, version))
        if r.random() < 0.9:
            st.append("Depends: %s" % dep_list(r, dep_pool, 1, 9))
        if r.random() < 0.06:
            st.append("Pre-Depends: %s" % dep_list(r, dep_pool, 1, 2))
        if r.random() < 0.2:
            st.append("Recommends: %s" % dep_list(r, dep_pool, 1, 4))
        if r.random() < 0.15:
            st.append("Suggests: %s" % dep_list(r, dep_pool, 1, 5))
        if r.random() < 0.06:
            st.append("Breaks: %s" % dep_list(r, dep_pool, 1, 3, alternatives=False))
        if r.random() < 0.09 or status.endswith("config-files"):
            st.append("Conffiles:")
            for _ in range(r.randint(1, 6)):
                st.append(" /etc/%s/%s.conf %032x" % (name, word(r), r.getrandbits(128)))
        desc = make_desc(r, name)
        if r.random() < 0.7:
            desc += "Homepage: https://%s.example.org/\n" % name.replace("+", "")
        out.append("\n".join(st) + "\n" + desc)
    with open(sys.argv[3], "w", encoding="utf-8") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()

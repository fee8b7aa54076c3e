#!/usr/bin/python3
# treecmp.py A B: compares two directory trees as a backup must restore them: the same
# names, types, modes, owners, sizes, modification times (to the nanosecond), contents,
# symlink targets, extended attributes (ACLs included), hard-link groups, and holes
# (a sparse file must come back sparse). Prints each difference; exit 1 if any.
import hashlib, os, stat, sys

def walk(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            out[os.path.relpath(p, root)] = p
    return out

def xattrs(p):
    try:
        return {k: os.getxattr(p, k, follow_symlinks=False) for k in os.listxattr(p, follow_symlinks=False)}
    except OSError:
        return {}

def digest(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                return h.hexdigest()
            h.update(b)

def describe(p, with_times):
    st = os.lstat(p)
    d = {"type": stat.S_IFMT(st.st_mode), "mode": stat.S_IMODE(st.st_mode), "uid": st.st_uid,
         "gid": st.st_gid, "xattrs": xattrs(p)}
    if with_times:
        d["mtime_ns"] = st.st_mtime_ns
    if stat.S_ISREG(st.st_mode):
        d["size"] = st.st_size
        d["sparse"] = st.st_blocks * 512 < st.st_size
        d["sha256"] = digest(p)
    elif stat.S_ISLNK(st.st_mode):
        d["target"] = os.readlink(p)
    elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        d["rdev"] = st.st_rdev
    return d, (st.st_dev, st.st_ino), st.st_nlink

def links(tree):
    groups = {}
    for rel, p in tree.items():
        st = os.lstat(p)
        if stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
            groups.setdefault((st.st_dev, st.st_ino), []).append(rel)
    return sorted(sorted(g) for g in groups.values() if len(g) > 1)

a, b = walk(sys.argv[1]), walk(sys.argv[2])
bad = 0
for rel in sorted(set(a) | set(b)):
    if rel not in b or rel not in a:
        print("only in %s: %s" % (sys.argv[1] if rel in a else sys.argv[2], rel))
        bad += 1
        continue
    da, _, _ = describe(a[rel], True)
    db, _, _ = describe(b[rel], True)
    for k in sorted(set(da) | set(db)):
        if da.get(k) != db.get(k):
            print("%s: %s differs: %r != %r" % (rel, k, da.get(k), db.get(k)))
            bad += 1
if links(a) != links(b):
    print("hard links differ: %r != %r" % (links(a), links(b)))
    bad += 1
print("%d entries compared, %d differences" % (len(a), bad))
sys.exit(1 if bad else 0)

"""The seeds' baseline: a plain sequential writer. Walks a source tree and writes the same
files (bytes, then times) one after another, as the PowerShell toolkit did."""
import os
import sys

src, dst = sys.argv[1], sys.argv[2]
for root, dirs, files in os.walk(src):
    rel = os.path.relpath(root, src)
    out = os.path.join(dst, rel) if rel != "." else dst
    os.makedirs(out, exist_ok=True)
    for name in files:
        s = os.path.join(root, name)
        d = os.path.join(out, name)
        with open(s, "rb") as fi, open(d, "wb") as fo:
            fo.write(fi.read())
        st = os.stat(s)
        os.utime(d, ns=(st.st_atime_ns, st.st_mtime_ns))

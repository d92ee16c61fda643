"""Reads the Samba xattrs of every folder and file under a mount with Samba's own NDR parsers
(the python3-samba bindings smbd's package brings) and prints one line per node:
path<TAB>attributes<TAB>create time (NT ticks)<TAB>descriptor in SDDL (or -).

usage: samba_ndr.py ROOT
"""
import os
import sys

from samba.dcerpc import security, xattr
from samba.ndr import ndr_unpack

root = sys.argv[1]
domain = security.dom_sid("S-1-5-21-0-0-0")


def line(path):
    dos = ndr_unpack(xattr.DOSATTRIB, os.getxattr(path, "user.DOSATTRIB", follow_symlinks=False))
    try:
        blob = os.getxattr(path, "security.NTACL", follow_symlinks=False)
        ntacl = ndr_unpack(xattr.NTACL, blob)
        sddl = ntacl.info.as_sddl(domain) if ntacl.version == 1 else "version %d" % ntacl.version
    except OSError:
        sddl = "-"
    rel = os.path.relpath(path, root)
    return "%s\t%d\t%d\t%s" % ("" if rel == "." else rel, dos.info.attrib, dos.info.create_time, sddl)


print(line(root))
for top, dirs, files in os.walk(root):
    for name in sorted(dirs) + sorted(files):
        p = os.path.join(top, name)
        if not os.path.islink(p):
            print(line(p))

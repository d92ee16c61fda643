"""Walks an SMB share with smbprotocol, a client independent of Samba's own tools, and prints
one JSON line per folder and file: its path, attributes, size, the three times in NT ticks
(100 ns since 1601) and its security descriptor (owner, group, control bits and DACL) as the
server returns it to a query for OWNER, GROUP and DACL information.

usage: walk_share.py HOST PORT SHARE USER PASSWORD  (USER "" for a guest session)
"""
import json
import sys
import uuid

import smbprotocol.file_info
from smbprotocol.connection import Connection
from smbprotocol.file_info import FileAttributes, FileInformationClass, InfoType
from smbprotocol.open import (CreateDisposition, CreateOptions, DirectoryAccessMask, ImpersonationLevel,
                              Open, ShareAccess, SMB2QueryInfoRequest, SMB2QueryInfoResponse)
from smbprotocol.security_descriptor import SMB2CreateSDBuffer
from smbprotocol.session import Session
from smbprotocol.tree import TreeConnect

# smbprotocol turns NT times into Python datetimes, which keep microseconds; read the 100 ns
# ticks as the integers they are.
smbprotocol.file_info.DateTimeField = lambda size: smbprotocol.structure.IntField(size=size)

host, port, share, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
conn = Connection(uuid.uuid4(), host, port, require_signing=bool(user))
conn.connect()
session = Session(conn, user or "guest", password, require_encryption=False)
session.connect()
tree = TreeConnect(session, rf"\\{host}\{share}")
# A guest session has no signing key to check the negotiation with.
tree.connect(require_secure_negotiate=bool(user))

READ_CONTROL = 0x00020000
READ_ATTRIBUTES = 0x00000080
OWNER_GROUP_DACL = 0x7


def ticks(field):
    return field.get_value()


def security(path, is_dir):
    f = Open(tree, path)
    options = CreateOptions.FILE_DIRECTORY_FILE if is_dir else CreateOptions.FILE_NON_DIRECTORY_FILE
    f.create(ImpersonationLevel.Impersonation, READ_CONTROL | READ_ATTRIBUTES, 0,
             ShareAccess.FILE_SHARE_READ | ShareAccess.FILE_SHARE_WRITE | ShareAccess.FILE_SHARE_DELETE,
             CreateDisposition.FILE_OPEN, options)
    req = SMB2QueryInfoRequest()
    req["info_type"] = InfoType.SMB2_0_INFO_SECURITY
    req["file_info_class"] = 0
    req["output_buffer_length"] = 65535
    req["additional_information"] = OWNER_GROUP_DACL
    req["file_id"] = f.file_id
    sent = conn.send(req, sid=session.session_id, tid=tree.tree_connect_id)
    resp = SMB2QueryInfoResponse()
    resp.unpack(conn.receive(sent)["data"].get_value())
    f.close()
    sd = SMB2CreateSDBuffer()
    sd.unpack(resp["buffer"].get_value())
    dacl = sd.get_dacl()
    aces = []
    for ace in (dacl["aces"].get_value() if dacl else []):
        aces.append([ace["ace_type"].get_value(), ace["ace_flags"].get_value(),
                     ace["mask"].get_value(), str(ace["sid"].get_value())])
    return {"owner": str(sd.get_owner()), "group": str(sd.get_group()),
            "control": sd["control"].get_value(), "aces": aces}


def listing(path):
    d = Open(tree, path)
    d.create(ImpersonationLevel.Impersonation,
             DirectoryAccessMask.FILE_LIST_DIRECTORY | DirectoryAccessMask.FILE_READ_ATTRIBUTES, 0,
             ShareAccess.FILE_SHARE_READ | ShareAccess.FILE_SHARE_WRITE | ShareAccess.FILE_SHARE_DELETE,
             CreateDisposition.FILE_OPEN, CreateOptions.FILE_DIRECTORY_FILE)
    entries = []
    try:
        while True:
            batch = d.query_directory("*", FileInformationClass.FILE_ID_FULL_DIRECTORY_INFORMATION)
            if not batch:
                break
            entries.extend(batch)
    except Exception as e:  # STATUS_NO_MORE_FILES ends a listing
        if "NO_MORE_FILES" not in type(e).__name__ and "0x80000006" not in str(e):
            raise
    d.close()
    return entries


def walk(path):
    for e in listing(path):
        name = e["file_name"].get_value().decode("utf-16-le")
        if name in (".", ".."):
            continue
        rel = f"{path}\\{name}" if path else name
        attrs = e["file_attributes"].get_value()
        is_dir = bool(attrs & FileAttributes.FILE_ATTRIBUTE_DIRECTORY)
        record = {"path": rel.replace("\\", "/"), "dir": is_dir, "attributes": attrs,
                  "size": e["end_of_file"].get_value(),
                  "created": ticks(e["creation_time"]), "written": ticks(e["last_write_time"]),
                  "accessed": ticks(e["last_access_time"])}
        record.update(security(rel, is_dir))
        print(json.dumps(record))
        if is_dir:
            walk(rel)


root = security("", True)
root.update({"path": "", "dir": True})
print(json.dumps(root))
walk("")

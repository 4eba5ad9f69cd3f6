#!/usr/bin/env python3
"""Calls umount2(PATH, 0) for each PATH and prints what the kernel said
(lessons/glossary.md, "locked mount"). umount(8) reports EINVAL as "not
mounted", which hides the reason; this prints the errno's name.

Usage: python3 umount2.py PATH...
"""
import ctypes
import errno
import sys

libc = ctypes.CDLL(None, use_errno=True)
for path in sys.argv[1:]:
    ok = libc.umount2(path.encode(), 0) == 0
    print(f"umount2({path}): {'ok' if ok else errno.errorcode[ctypes.get_errno()]}")

"""One seccomp filter of the simplest shape, for the lesson 08 scripts:
on x86_64, "this syscall -> ACTION, any other -> ALLOW", loaded with
seccomp(SECCOMP_SET_MODE_FILTER). x86_64 only (syscall numbers, AUDIT_ARCH).
"""
import ctypes

AUDIT_ARCH_X86_64 = 0xC000003E
NR_SECCOMP, SECCOMP_SET_MODE_FILTER = 317, 1
RET_ALLOW = 0x7FFF0000
libc = ctypes.CDLL(None, use_errno=True)


class SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8),
                ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(SockFilter))]


def load(nr, action, flags=0):
    """Loads the filter; returns what seccomp(2) returned (a listener fd
    with SECCOMP_FILTER_FLAG_NEW_LISTENER, else 0); OSError on failure."""
    ld, jeq, ret = 0x20, 0x15, 0x06  # BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K
    insns = [(ld, 0, 0, 4), (jeq, 0, 3, AUDIT_ARCH_X86_64),  # seccomp_data.arch
             (ld, 0, 0, 0), (jeq, 0, 1, nr),                # seccomp_data.nr
             (ret, 0, 0, action), (ret, 0, 0, RET_ALLOW)]
    prog = (SockFilter * len(insns))(*[SockFilter(*i) for i in insns])
    r = libc.syscall(NR_SECCOMP, SECCOMP_SET_MODE_FILTER, flags,
                     ctypes.byref(SockFprog(len(insns), prog)))
    if r < 0:
        raise OSError(ctypes.get_errno(), "seccomp(SECCOMP_SET_MODE_FILTER)")
    return r

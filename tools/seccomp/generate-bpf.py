#!/usr/bin/python3
"""Compiles libs/sandbox/seccomp/policy.json into the classic-BPF programs bubblewrap loads
(--seccomp <fd>): sandbox-x86_64.bpf and sandbox-aarch64.bpf, one per architecture, whatever the
machine this runs on. Needs the system Python with Debian's python3-seccomp (libseccomp's own
bindings): `npm run seccomp:generate`. The output depends on libseccomp's version only through
its code generation; libs/sandbox/src/seccomp.spec.ts checks that the committed files are current.
"""

import argparse
import ctypes
import ctypes.util
import errno
import json
import sys
from pathlib import Path

try:
    import seccomp
except ImportError:
    sys.exit(
        "generate-bpf: the seccomp module is missing: apt-get install python3-seccomp "
        "(and run this with /usr/bin/python3, not a pyenv or virtualenv python)"
    )

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "libs/sandbox/seccomp/policy.json"

# File suffix -> libseccomp architecture. Both pass clone's flags as its first argument (s390
# does not; it is not a target).
TARGETS = {"x86_64": seccomp.Arch.X86_64, "aarch64": seccomp.Arch.AARCH64}

# linux/sched.h; the same values on every target.
CLONE_FLAGS = {
    "CLONE_NEWNS": 0x00020000,
    "CLONE_THREAD": 0x00010000,
    "CLONE_NEWCGROUP": 0x02000000,
    "CLONE_NEWUTS": 0x04000000,
    "CLONE_NEWIPC": 0x08000000,
    "CLONE_NEWUSER": 0x10000000,
    "CLONE_NEWPID": 0x20000000,
    "CLONE_NEWNET": 0x40000000,
}


def errno_of(name: str) -> int:
    value = getattr(errno, name, None)
    if not isinstance(value, int):
        raise SystemExit(f"generate-bpf: unknown errno {name!r} in the policy")
    return value


def exists_on(arch: int, syscall: str) -> bool:
    """Whether the syscall exists on the arch (libseccomp gives negative pseudo-numbers, or -1 for
    a name it does not know, otherwise)."""
    return seccomp.resolve_syscall(arch, syscall) >= 0


def check(policy: dict) -> None:
    names = [rule["syscall"] for rule in policy["deny"]]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise SystemExit(f"generate-bpf: listed twice in the policy: {', '.join(duplicates)}")
    if "clone" in names or "execve" in names:
        raise SystemExit("generate-bpf: clone has its own rule; execve must stay allowed")
    for name in names:
        if not any(exists_on(arch, name) for arch in TARGETS.values()):
            raise SystemExit(
                f"generate-bpf: {name!r} is no syscall of any target this libseccomp knows"
            )
    for flag in policy["clone"]["requiredFlags"] + policy["clone"]["forbiddenFlags"]:
        if flag not in CLONE_FLAGS:
            raise SystemExit(f"generate-bpf: unknown clone flag {flag!r}")


def build(policy: dict, arch: int) -> "seccomp.SyscallFilter":
    f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    if not f.exist_arch(arch):
        f.add_arch(arch)
        f.remove_arch(seccomp.Arch.NATIVE)
    # Syscalls of another ABI of the same CPU (i386 or x32 on x86_64, arm32 on aarch64) would
    # go around every rule below: the filter kills the process instead.
    f.set_attr(seccomp.Attr.ACT_BADARCH, seccomp.KILL_PROCESS)
    for rule in policy["deny"]:
        if exists_on(arch, rule["syscall"]):
            f.add_rule(seccomp.ERRNO(errno_of(rule["errno"])), rule["syscall"])
    clone = policy["clone"]
    action = seccomp.ERRNO(errno_of(clone["errno"]))
    # One rule per condition, any of them denies: a required flag absent, a forbidden one present.
    for flag in clone["requiredFlags"]:
        f.add_rule(action, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_FLAGS[flag], 0))
    for flag in clone["forbiddenFlags"]:
        value = CLONE_FLAGS[flag]
        f.add_rule(action, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, value, value))
    return f


def libseccomp_version() -> str:
    class Version(ctypes.Structure):
        _fields_ = [("major", ctypes.c_uint), ("minor", ctypes.c_uint), ("micro", ctypes.c_uint)]

    try:
        lib = ctypes.CDLL(ctypes.util.find_library("seccomp") or "libseccomp.so.2")
        lib.seccomp_version.restype = ctypes.POINTER(Version)
        v = lib.seccomp_version().contents
        return f"{v.major}.{v.minor}.{v.micro}"
    except (OSError, AttributeError):
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--policy", type=Path, default=POLICY)
    parser.add_argument("--out-dir", type=Path, default=POLICY.parent)
    args = parser.parse_args()
    policy = json.loads(args.policy.read_text())
    check(policy)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for suffix, arch in TARGETS.items():
        out = args.out_dir / f"sandbox-{suffix}.bpf"
        with open(out, "wb") as file:
            build(policy, arch).export_bpf(file)
        print(f"{out}: {out.stat().st_size // 8} instructions (libseccomp {libseccomp_version()})")


if __name__ == "__main__":
    main()

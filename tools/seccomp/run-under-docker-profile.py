#!/usr/bin/python3
"""Runs a command under a Docker (moby) seccomp profile, compiled with libseccomp much as runc
compiles it: the archMap entry of this machine's architecture, its rules in order, syscalls this
libseccomp does not know skipped. No capability includes/excludes or minimum kernel versions (the
evaluation profile uses neither). For trying deploy/docker/seccomp-evaluation.json without a
Docker engine:

  /usr/bin/python3 tools/seccomp/run-under-docker-profile.py PROFILE.json -- CMD...
"""

import json
import os
import sys

import seccomp

OPS = {
    "SCMP_CMP_NE": seccomp.NE,
    "SCMP_CMP_LT": seccomp.LT,
    "SCMP_CMP_LE": seccomp.LE,
    "SCMP_CMP_EQ": seccomp.EQ,
    "SCMP_CMP_GE": seccomp.GE,
    "SCMP_CMP_GT": seccomp.GT,
    "SCMP_CMP_MASKED_EQ": seccomp.MASKED_EQ,
}


def action(name: str, errno_ret: int):
    if name == "SCMP_ACT_ALLOW":
        return seccomp.ALLOW
    if name == "SCMP_ACT_ERRNO":
        return seccomp.ERRNO(errno_ret)
    if name == "SCMP_ACT_KILL_PROCESS":
        return seccomp.KILL_PROCESS
    raise SystemExit(f"run-under-docker-profile: unsupported action {name}")


def main() -> None:
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        raise SystemExit(__doc__)
    with open(sys.argv[1]) as file:
        profile = json.load(file)
    native = seccomp.SyscallFilter(seccomp.ALLOW)  # holds this machine's architecture only
    architectures = {
        "SCMP_ARCH_X86_64": seccomp.Arch.X86_64,
        "SCMP_ARCH_AARCH64": seccomp.Arch.AARCH64,
    }
    if not any(
        entry["architecture"] in architectures
        and native.exist_arch(architectures[entry["architecture"]])
        for entry in profile["archMap"]
    ):
        raise SystemExit("run-under-docker-profile: the profile has no entry for this architecture")
    default_errno = profile.get("defaultErrnoRet", 1)
    f = seccomp.SyscallFilter(defaction=action(profile["defaultAction"], default_errno))
    for rule in profile["syscalls"]:
        act = action(rule["action"], rule.get("errnoRet", default_errno))
        args = [
            seccomp.Arg(arg["index"], OPS[arg["op"]], arg["value"], arg.get("valueTwo", 0))
            for arg in rule.get("args") or []
        ]
        for name in rule["names"]:
            if seccomp.resolve_syscall(seccomp.Arch.NATIVE, name) >= 0:
                f.add_rule(act, name, *args)
    f.load()
    os.execvp(sys.argv[3], sys.argv[3:])


if __name__ == "__main__":
    main()

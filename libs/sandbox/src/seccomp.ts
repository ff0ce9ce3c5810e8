import * as path from 'node:path';

/** The compiled filters, generated from policy.json by tools/seccomp/generate-bpf.py. */
const SECCOMP_DIR = path.resolve(__dirname, '../seccomp');

/** Node's name of an architecture → the suffix of its filter file. */
const FILTER_ARCH = new Map([
  ['x64', 'x86_64'],
  ['arm64', 'aarch64'],
]);

/**
 * The seccomp filter bubblewrap loads right before the submission's command (`--seccomp <fd>`):
 * the absolute path of the one shipped for `arch`, or null when there is none. See docs/seccomp.md.
 */
export function seccompFilterFile(arch: string = process.arch): string | null {
  const suffix = FILTER_ARCH.get(arch);
  return suffix === undefined ? null : path.join(SECCOMP_DIR, `sandbox-${suffix}.bpf`);
}

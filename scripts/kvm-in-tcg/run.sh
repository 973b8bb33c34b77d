#!/bin/bash
# run.sh 'CMD': runs CMD as root, in the current directory, inside a QEMU TCG guest (-cpu max,
# emulated AMD SVM) that has a real /dev/kvm (kvm + kvm-amd nested=1) and the host's / as its
# root (virtiofs, chroot). Prints CMD's stdout/stderr, exits with CMD's exit code.
# For hosts whose kernel gives no /dev/kvm (this project's CI machines: a kvm-pvm guest that
# does not bind kvm_pvm): the KVM tests then run on a real, if slow, KVM. Needs root, the
# host's Debian cloud kernel, busybox-static, qemu-system-x86 (virtiofsd comes with it).
# State (initrd, lock, jobs) lives in out/kvm-in-tcg/.
# 124 = timeout (KVMVM_TIMEOUT seconds, default 3600), 125 = the VM failed (console log shown).
# Env: KVMVM_MEM (6G), KVMVM_SMP (2), KVMVM_KVM_OPTS (kvm module params, e.g.
# "enable_vmware_backdoor=1"), KVMVM_CACHE (virtiofsd cache=, default auto: Node starts minutes faster than with none), KVMVM_KEEP=1 keeps
# the job directory, KVMVM_TIMES=1 prints the VM's wall time.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=$(cd "$here/../.." && pwd)/out/kvm-in-tcg
mkdir -p "$state"
[ $# -ge 1 ] || { echo "usage: $0 'CMD'" >&2; exit 2; }
cmd=$*
mem=${KVMVM_MEM:-6G}
smp=${KVMVM_SMP:-2}
timeout=${KVMVM_TIMEOUT:-3600}
kvm_opts=${KVMVM_KVM_OPTS:-}
kver=${KVMVM_KVER:-$(basename /boot/vmlinuz-6.1.0-*-cloud-amd64 | sed 's/^vmlinuz-//' | sort -V | tail -1)}
kernel=/boot/vmlinuz-$kver
virtiofsd=${KVMVM_VIRTIOFSD:-$(for p in /usr/lib/qemu/virtiofsd /usr/libexec/virtiofsd /usr/lib/virtiofsd; do [ -x $p ] && echo $p && break; done)}
[ -r "$kernel" ] || { echo "kvmvm: no kernel $kernel" >&2; exit 125; }
[ -n "$virtiofsd" ] || { echo "kvmvm: no virtiofsd (apt-get install qemu-system-common or virtiofsd)" >&2; exit 125; }
if [ ! -f "$state/initrd.cpio.gz" ] || [ "$(cat "$state/initrd.kver" 2>/dev/null)" != "$kver" ] || [ "$here/init" -nt "$state/initrd.cpio.gz" ]; then
  KVMVM_KVER=$kver nice -n 15 "$here/build-initrd.sh" "$state" >&2 || exit 125
fi

# One VM at a time (6G of guest RAM, 2 host cores).
exec 9> "$state/lock"
flock 9

job=$state/jobs/$(date +%Y%m%d-%H%M%S)-$$
mkdir -p "$job"
{
  printf 'export PATH=%q HOME=/root LANG=%q TERM=dumb\n' "$PATH" "${LANG:-C.UTF-8}"
  printf 'cd -- %q || exit 126\n' "$PWD"
  printf 'exec /bin/bash -c %q\n' "$cmd"
} > "$job/cmd"
: > "$job/out"; : > "$job/err"

vpid=; qpid=; t1=; t2=
cleanup() {
  [ -n "$t1" ] && kill "$t1" "$t2" 2>/dev/null
  [ -n "$qpid" ] && kill "$qpid" 2>/dev/null
  [ -n "$vpid" ] && kill "$vpid" 2>/dev/null
  wait 2>/dev/null
  cp "$job/console.log" "$state/last-console.log" 2>/dev/null
  [ "${KVMVM_KEEP:-}" = 1 ] || rm -rf "$job"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sock=$job/vfs.sock
nice -n 15 "$virtiofsd" --socket-path="$sock" -o source=/ -o cache="${KVMVM_CACHE:-auto}" -o sandbox=chroot \
  > "$job/virtiofsd.log" 2>&1 &
vpid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || { echo "kvmvm: virtiofsd did not start:" >&2; cat "$job/virtiofsd.log" >&2; exit 125; }

append="console=ttyS0 quiet loglevel=3 panic=-1 kvmvm.job=$job"
[ -n "$kvm_opts" ] && append="$append kvmvm.kvm=${kvm_opts// /,}"
start=$(date +%s)
nice -n 15 qemu-system-x86_64 -accel tcg -cpu max -smp "$smp" -m "$mem" \
  -object memory-backend-memfd,id=mem,size="$mem",share=on -numa node,memdev=mem \
  -chardev socket,id=vfs,path="$sock" -device vhost-user-fs-pci,chardev=vfs,tag=root \
  -kernel "$kernel" -initrd "$state/initrd.cpio.gz" -append "$append" \
  -display none -monitor none -serial file:"$job/console.log" -no-reboot \
  < /dev/null > "$job/qemu.log" 2>&1 &
qpid=$!

tail -F -q -n +1 --pid=$qpid "$job/out" 2>/dev/null &
t1=$!
tail -F -q -n +1 --pid=$qpid "$job/err" >&2 2>/dev/null &
t2=$!

timed_out=0
while kill -0 "$qpid" 2>/dev/null; do
  if [ $(( $(date +%s) - start )) -ge "$timeout" ]; then timed_out=1; kill "$qpid"; break; fi
  sleep 1
done
wait "$qpid" 2>/dev/null
wait "$t1" "$t2" 2>/dev/null
t1=
[ "${KVMVM_TIMES:-}" = 1 ] && echo "kvmvm: VM ran $(( $(date +%s) - start ))s" >&2

if [ "$timed_out" = 1 ]; then echo "kvmvm: timed out after ${timeout}s" >&2; exit 124; fi
if [ -f "$job/rc" ]; then exit "$(cat "$job/rc")"; fi
echo "kvmvm: the VM ended without an exit code; console:" >&2
tail -n 40 "$job/console.log" >&2
tail -n 20 "$job/qemu.log" >&2
exit 125

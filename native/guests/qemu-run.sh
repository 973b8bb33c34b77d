#!/bin/sh
# qemu-run.sh <name> [extra qemu args...]: boots build/<name>.bin under QEMU/KVM the way
# the guests are meant to be run (COM1 on stdout, debug-exit at 0xf4, no NIC option ROM)
# and exits with the guest's own exit code (QEMU reports (code << 1) | 1). QEMU cannot
# use -cpu host here.
# -smp 2,sockets=2 (override with QEMU_SMP): with QEMU 7.2's default topology for -smp 2
# (one socket, two cores) SeaBIOS lists only the first CPU of each package in its MP
# table, so the smp guest would see one processor.
# The reset guest needs QEMU to reboot on the i8042 reset pulse, so -no-reboot is left
# out for it.
set -u
name=$1
shift
here=$(dirname "$0")
bin=$here/build/$name.bin
[ -f "$bin" ] || { echo "qemu-run: $bin not built" >&2; exit 2; }

reboot=-no-reboot
[ "$name" = reset ] && reboot=

# shellcheck disable=SC2086 # $reboot is empty or one word
timeout "${QEMU_TIMEOUT:-30}" qemu-system-x86_64 -enable-kvm -M pc -m 64 -smp "${QEMU_SMP:-2,sockets=2}" \
	-nographic -monitor none -net none $reboot -kernel "$bin" \
	-device isa-debug-exit,iobase=0xf4,iosize=4 "$@"
rc=$?
case $rc in
124) echo "qemu-run: $name timed out" >&2; exit 124 ;;
0) echo "qemu-run: $name: QEMU exited without the debug-exit port" >&2; exit 125 ;;
esac
exit $(( (rc - 1) >> 1 ))

#!/usr/bin/env bats
# vm/run's choice of accelerator (VM_ACCEL), without booting a VM: a copy of
# vm/ in a scratch tree, an empty image, and a stand-in for qemu (VM_QEMU)
# that plays a KVM whose guest boots, hangs after the boot code's first
# line, or makes qemu abort (the MSR 0x10a assertion), and a VM that passes.

load helpers

setup_file() {
	WORK=$BATS_FILE_TMPDIR
	TREE=$WORK/tree
	mkdir -p "$TREE/bin" "$WORK/qemu"
	cp -r "$REPO/vm" "$TREE/vm"
	printf '#!/bin/sh\n' >"$TREE/bin/barco"
	chmod +x "$TREE/bin/barco"
	export VM_CACHE=$WORK/cache
	local image
	image=$(cd "$TREE" && source vm/lib.sh && vm_image_dir)
	mkdir -p "$image"
	echo "kernel: 6.1.0-test" >"$image/image.info"
	touch "$image/vmlinuz" "$image/initrd.img" "$image/rootfs.ext4"
	# Any file this user can open read-write stands for /dev/kvm.
	touch "$WORK/kvm"
	export VM_KVM_DEVICE=$WORK/kvm
	export VM_QEMU=$WORK/qemu/qemu-system-x86_64
	write_fake_qemu "$VM_QEMU"
	export FAKE_CALLS=$WORK/calls FAKE_PIDS=$WORK/pids
	export WORK TREE
}

setup() {
	rm -f "$FAKE_CALLS" "$FAKE_PIDS"
	# Settings from the caller's environment (make exports its command
	# line's) would change what vm/run chooses.
	unset VM_ACCEL VM_KVM_PROBE_TIMEOUT VM_CPU_MODEL VM_TCG_THREAD VM_CPUS VM_MEMORY VM_TIMEOUT
}

# Logs "probe|boot ACCEL CPU" for each run. A probe (no disk) under KVM
# behaves as FAKE_KVM says and is left running where a guest would be; the
# boot itself reports a pass the way vm/init does.
write_fake_qemu() {
	cat >"$1" <<'EOF'
#!/bin/bash
kind=probe accel= cpu= results=
while (($#)); do
	case $1 in
	-accel) accel=$2 ;;
	-cpu) cpu=$2 ;;
	-drive) kind=boot ;;
	-fsdev) [[ $2 == local,id=results,path=* ]] && results=${2#local,id=results,path=} && results=${results%%,*} ;;
	esac
	shift
done
echo "$kind $accel $cpu" >>"$FAKE_CALLS"
if [[ $kind == boot ]]; then
	echo pass >"$results/status"
	exit 33
fi
echo $$ >>"$FAKE_PIDS"
case $FAKE_KVM in
boots)
	printf 'Linux version 6.1.0-test\r\nRun /init as init process\r\n'
	exec sleep 60
	;;
hangs)
	echo "Probing EDD (edd=off to disable)... ok"
	exec sleep 60
	;;
hangs-ignoring-sigterm)
	echo "Probing EDD (edd=off to disable)... ok"
	trap '' TERM
	exec sleep 60
	;;
aborts)
	echo "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69" >&2
	echo "qemu-system-x86_64: ../../target/i386/kvm/kvm.c:3183: kvm_buf_set_msrs: Assertion failed." >&2
	kill -s ABRT $$
	;;
esac
EOF
	chmod +x "$1"
}

# The probes' qemu processes must all be gone. A zombie counts as gone:
# timeout's SIGKILL also kills timeout, and its child's exit status is then
# init's to collect (which, in some containers, it never does).
assert_probes_gone() {
	[ -s "$FAKE_PIDS" ] || fail "no probe ran"
	local pid state
	while read -r pid; do
		state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || continue
		[ "$state" = Z ] || fail "the probe's qemu $pid is still running (state $state)"
	done <"$FAKE_PIDS"
}

@test "auto: a guest that hangs under KVM falls back to TCG with one line saying why" {
	FAKE_KVM=hangs-ignoring-sigterm VM_KVM_PROBE_TIMEOUT=1 run --separate-stderr "$TREE/vm/run" test
	assert_success
	assert_equal "$stderr" "vm: $WORK/kvm present but the guest did not boot under KVM within 1 s (last console line: \"Probing EDD (edd=off to disable)... ok\"); using TCG"
	assert_output --partial "booting 6.1.0-test under TCG"
	assert_output --partial "vm-test: pass"
	run cat "$FAKE_CALLS"
	assert_output "probe kvm host,-arch-capabilities
boot tcg,thread=single max"
	assert_probes_gone
}

@test "auto: qemu aborting under KVM falls back to TCG, naming qemu's error" {
	FAKE_KVM=aborts run --separate-stderr "$TREE/vm/run" test
	assert_success
	assert_equal "$stderr" "vm: $WORK/kvm present but qemu exited with status 134 under KVM before the guest booted (qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69); using TCG"
	run cat "$FAKE_CALLS"
	assert_output "probe kvm host,-arch-capabilities
boot tcg,thread=single max"
}

@test "auto: a KVM that boots the guest is used, and its probe is stopped" {
	FAKE_KVM=boots run --separate-stderr "$TREE/vm/run" test
	assert_success
	assert_equal "$stderr" ""
	assert_output --partial "using KVM"
	assert_output --partial "booting 6.1.0-test under KVM"
	run cat "$FAKE_CALLS"
	assert_output "probe kvm host,-arch-capabilities
boot kvm host,-arch-capabilities"
	assert_probes_gone
}

@test "auto: no KVM device, no probe: TCG" {
	VM_KVM_DEVICE=$WORK/no-such-device FAKE_KVM=boots run --separate-stderr "$TREE/vm/run" test
	assert_success
	assert_equal "$stderr" "vm: no usable $WORK/no-such-device: software emulation (TCG)"
	run cat "$FAKE_CALLS"
	assert_output "boot tcg,thread=single max"
}

@test "VM_ACCEL=kvm: a guest that does not boot is an error, and nothing else boots" {
	VM_ACCEL=kvm FAKE_KVM=hangs VM_KVM_PROBE_TIMEOUT=1 run --separate-stderr "$TREE/vm/run" test
	assert_failure 1
	assert_equal "$stderr" "vm: VM_ACCEL=kvm but the guest did not boot under KVM within 1 s (last console line: \"Probing EDD (edd=off to disable)... ok\"); VM_ACCEL=auto falls back to software emulation (TCG)"
	run cat "$FAKE_CALLS"
	assert_output "probe kvm host,-arch-capabilities"
	assert_probes_gone
}

@test "VM_ACCEL=tcg: emulation without a probe; VM_CPU_MODEL sets the CPU" {
	VM_ACCEL=tcg VM_CPU_MODEL=qemu64 FAKE_KVM=boots run --separate-stderr "$TREE/vm/run" test
	assert_success
	assert_equal "$stderr" "vm: VM_ACCEL=tcg: software emulation (TCG)"
	run cat "$FAKE_CALLS"
	assert_output "boot tcg,thread=single qemu64"
}

@test "a wrong VM_ACCEL or VM_KVM_PROBE_TIMEOUT: status 125, one line, nothing run" {
	rm -rf "$TREE/build"
	VM_ACCEL=fast run --separate-stderr "$TREE/vm/run" test
	assert_failure 125
	assert_equal "$stderr" "vm: VM_ACCEL='fast' is not an accelerator: use auto (the default), kvm or tcg"
	VM_KVM_PROBE_TIMEOUT=20s run --separate-stderr "$TREE/vm/run" test
	assert_failure 125
	assert_equal "$stderr" "vm: VM_KVM_PROBE_TIMEOUT='20s' is not a number of seconds from 1 to 9999"
	[ ! -e "$FAKE_CALLS" ] || fail "qemu ran: $(cat "$FAKE_CALLS")"
	[ ! -e "$TREE/build" ] || fail "vm/run made $TREE/build"
}

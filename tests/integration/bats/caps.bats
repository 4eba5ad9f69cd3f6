#!/usr/bin/env bats
# Capabilities: the allowlist in every set, --cap-add / --cap-drop.

load helpers

setup_file() { setup_suite_rootfs; }
teardown_file() { teardown_suite_rootfs; }

# caps_line STATUS-OUTPUT FIELD: the hex mask of CapEff, CapBnd, ...
cap_field() {
	sed -n "s/^$2:[[:space:]]*//p" <<<"$1"
}

@test "container root has exactly the default allowlist in CapEff, CapPrm and CapBnd" {
	run_in --name "$(cname)" -- barco-testhelper status
	show_stderr
	assert_success
	assert_equal "$(cap_field "$output" CapEff)" "$DEFAULT_CAPS"
	assert_equal "$(cap_field "$output" CapPrm)" "$DEFAULT_CAPS"
	assert_equal "$(cap_field "$output" CapBnd)" "$DEFAULT_CAPS"
}

@test "the inheritable and ambient sets hold nothing beyond the allowlist" {
	run_in --name "$(cname)" -- barco-testhelper status
	assert_success
	local inh amb
	inh=$(cap_field "$output" CapInh)
	amb=$(cap_field "$output" CapAmb)
	(((0x$inh & ~0x$DEFAULT_CAPS) == 0)) || fail "CapInh $inh exceeds the allowlist"
	(((0x$amb & ~0x$DEFAULT_CAPS) == 0)) || fail "CapAmb $amb exceeds the allowlist"
}

@test "--cap-drop CHOWN and --cap-add NET_ADMIN change the masks" {
	run_in --name "$(cname)" --cap-drop CHOWN --cap-add NET_ADMIN -- barco-testhelper status
	show_stderr
	assert_success
	# Bit 0 (CAP_CHOWN) cleared, bit 12 (CAP_NET_ADMIN) set.
	assert_equal "$(cap_field "$output" CapEff)" 00000000a80435fa
	assert_equal "$(cap_field "$output" CapBnd)" 00000000a80435fa
}

@test "capability names are accepted with or without CAP_, in any case" {
	run_in --name "$(cname)" --cap-drop cap_chown --cap-add CAP_NET_ADMIN -- barco-testhelper status
	assert_success
	assert_equal "$(cap_field "$output" CapEff)" 00000000a80435fa
}

@test "--cap-drop ALL leaves no capability at all" {
	run_in --name "$(cname)" --cap-drop ALL -- barco-testhelper status
	assert_success
	assert_equal "$(cap_field "$output" CapEff)" 0000000000000000
	assert_equal "$(cap_field "$output" CapBnd)" 0000000000000000
}

@test "--cap-add ALL grants every capability the kernel knows (inside the user namespace)" {
	run_in --name "$(cname)" --cap-add ALL -- barco-testhelper status
	assert_success
	assert_equal "$(cap_field "$output" CapEff)" "$(all_caps_mask)"
}

@test "a non-root --uid has no effective capabilities but the same bounding set" {
	run_in --name "$(cname)" --uid 1000 -- barco-testhelper status
	assert_success
	assert_equal "$(cap_field "$output" CapEff)" 0000000000000000
	assert_equal "$(cap_field "$output" CapPrm)" 0000000000000000
	assert_equal "$(cap_field "$output" CapBnd)" "$DEFAULT_CAPS"
}

@test "dropped capabilities really fail: mount needs CAP_SYS_ADMIN" {
	run_in --name "$(cname)" -- barco-testhelper try mount umount
	assert_success
	assert_line "mount=EPERM"
	assert_line "umount=EPERM"
}

@test "kept capabilities really work: chown with CAP_CHOWN, refused without" {
	local script='touch /tmp/f && chown 1:1 /tmp/f && echo chowned'
	run_in --name "$(cname)" -- /bin/sh -c "$script"
	show_stderr
	assert_success
	assert_output "chowned"
	run_in --name "$(cname)" --cap-drop CHOWN -- /bin/sh -c "$script"
	assert_failure
	refute_output --partial "chowned"
}

@test "capabilities the original denylist kept are gone: BPF, PERFMON, SYS_PTRACE, NET_ADMIN" {
	run_in --name "$(cname)" -- barco-testhelper status
	assert_success
	local eff bit
	eff=$(cap_field "$output" CapBnd)
	for bit in 12 19 38 39; do
		(((0x$eff >> bit & 1) == 0)) || fail "capability $bit is in CapBnd $eff"
	done
}

@test "privileged syscalls are refused: module, time, raw devices, rt scheduling, rlimits" {
	run_in --name "$(cname)" -- barco-testhelper try init_module settimeofday mknod_block \
		sched_fifo rlimit_raise swapon reboot open_by_handle_at
	assert_success
	assert_line "init_module=EPERM"
	assert_line "settimeofday=EPERM"
	assert_line "mknod_block=EPERM"
	assert_line "sched_fifo=EPERM"
	assert_line "rlimit_raise=EPERM"
	assert_line "swapon=EPERM"
	assert_line "reboot=EPERM"
	assert_line "open_by_handle_at=EPERM"
}

@test "chroot is allowed (CAP_SYS_CHROOT is on the allowlist)" {
	run_in --name "$(cname)" -- barco-testhelper try chroot
	assert_success
	assert_output "chroot=ok"
}

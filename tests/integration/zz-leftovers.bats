#!/usr/bin/env bats
# Runs last: after every suite, nothing barco made may remain on the host.

load helpers

@test "no cgroups remain under barco/" {
	local left
	left=$(find /sys/fs/cgroup/barco /sys/fs/cgroup/*/barco -mindepth 1 -maxdepth 1 -type d \
		2>/dev/null || true)
	[ -z "$left" ] || fail "cgroups left: $left"
}

@test "no state remains under /run/barco" {
	local left
	left=$(find /run/barco -mindepth 1 -maxdepth 1 2>/dev/null || true)
	[ -z "$left" ] || fail "state left: $left"
}

@test "no mounts of test rootfs remain on the host" {
	run grep -E '/tmp/barco-it\.|/barco/rootfs' /proc/self/mountinfo
	assert_output ""
}

@test "no /tmp/barco.* directories were left" {
	run compgen -G '/tmp/barco.*'
	assert_output ""
}

@test "no test scratch directories were left" {
	run compgen -G '/tmp/barco-it.*'
	assert_output ""
}

@test "no barco or container processes remain" {
	run pgrep -a -f "^($BARCO|timeout .*$BARCO|/bin/barco-testhelper|barco-testhelper) "
	assert_output ""
}

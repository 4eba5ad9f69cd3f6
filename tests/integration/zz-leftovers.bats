#!/usr/bin/env bats
# Runs last: after every suite, nothing the bats suites made with barco may
# remain on the host. Only this run's containers count (names from cname,
# or barco's random 12-hex-digit names; rootfs under /tmp/barco-it.*): other
# test runs on the same host (pytest uses other names) may be busy meanwhile.

load helpers

# Container names the bats suites give (see cname in helpers.bash) or get.
BATS_NAME='(bt[0-9]+[a-z0-9]*-[0-9]+(-[A-Za-z0-9_.-]*)?|[0-9a-f]{12})'

@test "no cgroups remain under barco/" {
	run bash -c 'find /sys/fs/cgroup/barco /sys/fs/cgroup/*/barco -mindepth 1 -maxdepth 1 \
		-type d 2>/dev/null'
	run grep -E "/$BATS_NAME\$" <<<"$output"
	assert_output ""
}

@test "no state remains under /run/barco" {
	run bash -c 'find /run/barco -mindepth 1 -maxdepth 1 2>/dev/null'
	run grep -E "/$BATS_NAME\$" <<<"$output"
	assert_output ""
}

@test "no mounts of test rootfs remain on the host" {
	run grep -E '/tmp/barco-it\.' /proc/self/mountinfo
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

@test "no barco or container processes of the suites remain" {
	run pgrep -a -f -- "/tmp/barco-it\.|--name $BATS_NAME( |\$)|^barco-testhelper "
	assert_output ""
}

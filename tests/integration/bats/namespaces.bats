#!/usr/bin/env bats
# pid 1 and namespaces: the command is pid 1 of a new pid namespace, and
# every namespace of the container differs from the host's.

load helpers

setup_file() { setup_suite_rootfs; }
teardown_file() { teardown_suite_rootfs; }
teardown() { stop_background; }

@test "the command is pid 1 of its own pid namespace, with no parent inside" {
	run_in --name "$(cname)" -- barco-testhelper pid
	show_stderr
	assert_success
	assert_output "pid=1 ppid=0"
}

@test "/proc inside shows only the container's processes" {
	run_in --name "$(cname)" -- barco-testhelper ls /proc
	assert_success
	# The only numeric entry is pid 1 itself: the host's processes are invisible.
	run grep -E '^[0-9]+$' <<<"$output"
	assert_output "1"
}

@test "every namespace of the container differs from the host's (seen from the host)" {
	local n ns
	n=$(cname)
	start_sleeper "$n"  # killed below
	for ns in mnt uts ipc net pid user cgroup; do
		[ "$(readlink "/proc/$INIT_PID/ns/$ns")" != "$(host_ns "$ns")" ] ||
			fail "namespace $ns is the host's: $(host_ns "$ns")"
	done
	kill -KILL "$INIT_PID"
	wait_barco "$BG_PID"
	assert_equal "$BG_STATUS" 137
	assert_nothing_left "$n"
}

@test "every namespace of the container differs from the host's (seen from inside)" {
	run_in --name "$(cname)" -- barco-testhelper ns
	assert_success
	local ns
	for ns in mnt uts ipc net pid user cgroup; do
		assert_line --regexp "^$ns=$ns:\[[0-9]+\]\$"
		refute_line "$ns=$(host_ns "$ns")"
	done
}

@test "only loopback exists in the network namespace" {
	run_in --name "$(cname)" -- barco-testhelper ls /sys/class/net
	assert_success
	assert_output "lo"
}

@test "the IPC namespace is empty: a host SysV segment is invisible inside" {
	local id
	id=$(ipcmk -M 4096 | awk '{ print $NF }')
	[ -n "$id" ] || fail "ipcmk could not make a segment on the host"
	run_in --name "$(cname)" -- barco-testhelper read /proc/sysvipc/shm
	ipcrm -m "$id"
	assert_success
	# Only the header line: the host's segment is not there.
	assert_equal "${#lines[@]}" 1
}

@test "host processes cannot be signalled from inside: their pids do not exist there" {
	# This shell's pid on the host; inside, the pid namespace has no such pid.
	run_in --name "$(cname)" -- barco-testhelper try kill_host "$$"
	assert_success
	assert_output "kill_host=ESRCH"
}

#!/usr/bin/env bats
# Control groups: memory, pids and cpu limits, written where the host has
# them (v1 controllers on a hybrid host, cgroup2 on a pure v2 host), and
# removed when the container exits.

load helpers

setup_file() { setup_suite_rootfs; }
teardown_file() { teardown_suite_rootfs; }
teardown() { stop_background; }

# Ends a sleeper (start_sleeper, helpers.bash) from the host (SIGKILL is always delivered to pid 1 from outside).
end_sleeper() {
	kill -KILL "$INIT_PID"
	wait_barco "$BG_PID"
	assert_equal "$BG_STATUS" 137
}

@test "memory: a process over --memory is OOM-killed, status 137" {
	skip_unless cgroup-memory
	skip_unless no-swap
	local n
	n=$(cname)
	run_in --name "$n" --memory 32M -- barco-testhelper memhog 64
	assert_failure 137
	refute_line "memhog=done"
	assert_nothing_left "$n"
}

@test "memory: a --memory too low for one process fails with the reason, nothing left" {
	skip_unless cgroup-memory
	local n
	n=$(cname)
	run_in --name "$n" --memory 1k -- true
	assert_failure 125
	[[ $stderr == *"the OOM killer of its cgroup killed it; the memory limit (1024 bytes) is too low" ]] ||
		fail "stderr does not give the reason: $stderr"
	assert_nothing_left "$n"
}

@test "memory: the same process within --memory completes" {
	skip_unless cgroup-memory
	run_in --name "$(cname)" --memory 128M -- barco-testhelper memhog 32
	show_stderr
	assert_success
	assert_line "allocated=32"
	assert_line "memhog=done"
}

@test "memory: --memory is written to the container's cgroup" {
	skip_unless cgroup-memory
	local n d
	n=$(cname)
	start_sleeper "$n" --memory 48M
	d=$(cgroup_dir "$n" memory)
	if is_cgroup_v2; then
		assert_equal "$(cat "$d/memory.max")" 50331648
	else
		assert_equal "$(cat "$d/memory.limit_in_bytes")" 50331648
	fi
	grep -qx "$INIT_PID" "$d/cgroup.procs" || fail "pid $INIT_PID not in $d/cgroup.procs"
	end_sleeper
	assert_nothing_left "$n"
}

@test "pids: a fork bomb stops at --pids with EAGAIN" {
	skip_unless cgroup-pids
	run_in --name "$(cname)" --pids 20 -- barco-testhelper forkbomb 100
	show_stderr
	assert_success
	assert_line "fork_error=EAGAIN"
	local forked
	forked=$(sed -n 's/^forked=//p' <<<"$output")
	[ "$forked" -lt 20 ] && [ "$forked" -ge 10 ] || fail "forked $forked children under pids.max 20"
}

@test "pids: without --pids the same fork bomb completes" {
	skip_unless cgroup-pids
	run_in --name "$(cname)" -- barco-testhelper forkbomb 100
	assert_success
	assert_line "forked=100"
	assert_line "fork_error=none"
}

@test "pids: --pids is written to pids.max" {
	skip_unless cgroup-pids
	local n
	n=$(cname)
	start_sleeper "$n" --pids 20
	assert_equal "$(cat "$(cgroup_dir "$n" pids)/pids.max")" 20
	end_sleeper
}

@test "cpu: --cpu-weight is written as cpu.weight (v2) or cpu.shares (v1)" {
	skip_unless cgroup-cpu
	local n d w shares
	# The ends of the ranges map onto each other exactly: 1 -> 2, 10000 -> 262144.
	for w in 1 10000; do
		n=$(cname "$w")
		start_sleeper "$n" --cpu-weight "$w"
		d=$(cgroup_dir "$n" cpu)
		if is_cgroup_v2; then
			assert_equal "$(cat "$d/cpu.weight")" "$w"
		else
			shares=$([ "$w" = 1 ] && echo 2 || echo 262144)
			assert_equal "$(cat "$d/cpu.shares")" "$shares"
		fi
		end_sleeper
	done
}

@test "cpu: a middle --cpu-weight gives shares between the ends, ordered" {
	skip_unless cgroup-cpu
	is_cgroup_v2 && skip "v2 writes cpu.weight as given (checked above)"
	local n low high
	n=$(cname low)
	start_sleeper "$n" --cpu-weight 100
	low=$(cat "$(cgroup_dir "$n" cpu)/cpu.shares")
	end_sleeper
	n=$(cname high)
	start_sleeper "$n" --cpu-weight 1000
	high=$(cat "$(cgroup_dir "$n" cpu)/cpu.shares")
	end_sleeper
	[ "$low" -gt 2 ] && [ "$low" -lt "$high" ] && [ "$high" -lt 262144 ] ||
		fail "cpu.shares for weights 100 and 1000: $low, $high"
}

@test "hybrid host: the container also has a cgroup in the cgroup2 tree" {
	is_cgroup_v2 && skip "pure cgroup v2 host"
	[ -d /sys/fs/cgroup/unified ] || skip "no cgroup2 mount at /sys/fs/cgroup/unified"
	local n
	n=$(cname)
	start_sleeper "$n"
	grep -qx "$INIT_PID" "/sys/fs/cgroup/unified/barco/$n/cgroup.procs" ||
		fail "pid $INIT_PID not in /sys/fs/cgroup/unified/barco/$n"
	end_sleeper
	assert_nothing_left "$n"
}

# The cgroup2 directory (v2, or the unified one of a hybrid host) of NAME.
cgroup2_dir() {
	if is_cgroup_v2; then
		echo "/sys/fs/cgroup/barco/$1"
	else
		echo "/sys/fs/cgroup/unified/barco/$1"
	fi
}

@test "userns: clone3 starts the container in its cgroup2 directory, with no cgroup.procs write there" {
	local n d
	n=$(cname)
	d=$(cgroup2_dir "$n")
	[ -d "${d%/*/*}" ] || skip "no cgroup2 hierarchy"
	run_barco step --until=userns --name "$n" --rootfs "$ROOTFS" -- /bin/true
	show_stderr
	assert_success
	assert_line "    clone3(CLONE_NEWUSER|CLONE_INTO_CGROUP, exit_signal SIGCHLD, cgroup $d) = $(cat "/run/barco/$n/pid")"
	refute_line --partial "write $d/cgroup.procs"
	grep -qx "$(cat "/run/barco/$n/pid")" "$d/cgroup.procs" || fail "pid not in $d/cgroup.procs"
	run_barco delete "$n"
	assert_success
	assert_nothing_left "$n"
}

@test "userns: where clone3 fails ENOSYS, clone(2) and a cgroup.procs write put it in its cgroups" {
	local n d pid
	n=$(cname)
	d=$(cgroup2_dir "$n")
	[ -d "${d%/*/*}" ] || skip "no cgroup2 hierarchy"
	run timeout -k 5 "$BARCO_TIMEOUT" "$HELPER" nosys-clone3 "$BARCO" step --until=userns \
		--name "$n" --rootfs "$ROOTFS" -- /bin/true
	assert_success
	pid=$(cat "/run/barco/$n/pid")
	assert_line "    clone3(CLONE_INTO_CGROUP) = -1 ENOSYS: clone(2), then cgroup.procs"
	assert_line "    clone(CLONE_NEWUSER|SIGCHLD) = $pid"
	assert_line "    write $d/cgroup.procs = $pid"
	grep -qx "$pid" "$d/cgroup.procs" || fail "pid $pid not in $d/cgroup.procs"
	run_barco delete "$n"
	assert_success
	assert_nothing_left "$n"
}

@test "userns: the first process joins its cgroup v1 directories itself, by writing 0 to their tasks" {
	local n d pid ctrl
	n=$(cname)
	is_cgroup_v2 && skip "no cgroup v1 hierarchy on this host (pure cgroup v2): clone3 alone places the process"
	run_barco step --until=userns --name "$n" --rootfs "$ROOTFS" --memory 64M --pids 32 -- /bin/true
	show_stderr
	assert_success
	pid=$(cat "/run/barco/$n/pid")
	for ctrl in memory pids; do
		d=$(cgroup_dir "$n" "$ctrl")
		[ -n "$d" ] || fail "no $ctrl cgroup for $n"
		assert_line "    write $d/tasks = 0: this process, one thread, moves itself (no wait for the lock a cgroup.procs write takes)"
		# The runner does not move it: a cgroup.procs write waits for an RCU grace period.
		refute_line --partial "write $d/cgroup.procs"
		grep -qx "$pid" "$d/cgroup.procs" || fail "pid $pid not in $d/cgroup.procs"
	done
	run_barco delete "$n"
	assert_success
	assert_nothing_left "$n"
}

@test "the cgroup namespace is rooted at the container's cgroup" {
	run_in --name "$(cname)" -- barco-testhelper read /proc/self/cgroup
	assert_success
	# Every hierarchy shows the container's cgroup as "/": no host path leaks.
	refute_line --regexp ':/.+$'
	assert_line --regexp '^0::/$'
}

@test "cgroups are removed when the container exits" {
	local n
	n=$(cname)
	run_in --name "$n" --memory 64M --pids 50 --cpu-weight 200 -- barco-testhelper exit 0
	assert_success
	assert_nothing_left "$n"
}

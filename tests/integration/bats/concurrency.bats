#!/usr/bin/env bats
# Concurrency: containers at once get distinct names, cgroups and state,
# all exit cleanly, and a name in use is refused.

load helpers

setup_file() { setup_suite_rootfs; }
teardown_file() { teardown_suite_rootfs; }
teardown() { stop_background; }

all_running() {
	local n
	for n in "$@"; do
		container_init_pid "$n" sh >/dev/null || return 1
	done
}

# Each container waits for /go in the (shared) rootfs, so all of them are
# surely running at once, however long the others take to start.
WAIT_FOR_GO='while [ ! -e /go ]; do sleep 0.05; done'

@test "10 containers at once: distinct cgroups and state while running, all exit 0, nothing left" {
	local i n names=() pids=() procs=()
	rm -f "$ROOTFS/go"
	for i in $(seq 1 10); do
		n=$(cname "c$i")
		names+=("$n")
		start_barco "$TEST_ROOT/out.$n" run --rootfs "$ROOTFS" --name "$n" -- /bin/sh -c "$WAIT_FOR_GO"
		pids+=("$BG_PID")
	done
	wait_until 60 all_running "${names[@]}" || fail "not all 10 containers started"
	for n in "${names[@]}"; do
		[ -d "/run/barco/$n" ] || fail "no /run/barco/$n while it runs"
		[ -n "$(cgroup_dirs_for "$n")" ] || fail "no cgroup for $n while it runs"
		procs+=("$(container_init_pid "$n" sh)")
	done
	# Ten different processes: no two containers share a cgroup.
	assert_equal "$(printf '%s\n' "${procs[@]}" | sort -u | wc -l)" 10
	touch "$ROOTFS/go"
	for i in "${!pids[@]}"; do
		wait_barco "${pids[$i]}"
		[ "$BG_STATUS" = 0 ] || fail "${names[$i]} exited $BG_STATUS: $(cat "$TEST_ROOT/out.${names[$i]}.err")"
	done
	rm -f "$ROOTFS/go"
	assert_nothing_left "${names[@]}"
}

@test "10 quick containers at once without names all succeed" {
	local i pids=()
	for i in $(seq 1 10); do
		start_barco "$TEST_ROOT/out.q$i" run --rootfs "$ROOTFS" -- barco-testhelper hostname
		pids+=("$BG_PID")
	done
	for i in "${!pids[@]}"; do
		wait_barco "${pids[$i]}"
		[ "$BG_STATUS" = 0 ] || fail "run $i exited $BG_STATUS: $(cat "$TEST_ROOT/out.q$((i + 1)).err")"
	done
	# Ten distinct random names.
	assert_equal "$(cat "$TEST_ROOT"/out.q{1..10} | sort -u | wc -l)" 10
	local names
	mapfile -t names < <(cat "$TEST_ROOT"/out.q{1..10})
	assert_nothing_left "${names[@]}"
}

@test "a name in use is refused with 125 and the running container is untouched" {
	local n first
	n=$(cname)
	# The first container runs until the test releases it, however slow the host.
	rm -f "$ROOTFS/release-$n"
	start_barco "$TEST_ROOT/out.$n" run --rootfs "$ROOTFS" --name "$n" -- \
		/bin/sh -c "while [ ! -e /release-$n ]; do sleep 0.05; done"
	first=$BG_PID
	wait_init_pid "$n" sh
	run_in --name "$n" -- barco-testhelper exit 0
	assert_failure 125
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "^barco: .*$n"
	# The first one still runs, in its cgroup, and ends normally.
	kill -0 "$INIT_PID" || fail "the running container was killed"
	container_init_pid "$n" sh >/dev/null || fail "the running container left its cgroup"
	[ -d "/run/barco/$n" ] || fail "the running container lost its state directory"
	touch "$ROOTFS/release-$n"
	wait_barco "$first"
	rm -f "$ROOTFS/release-$n"
	assert_equal "$BG_STATUS" 0
	assert_nothing_left "$n"
}

@test "the same name can be used again once the container has exited" {
	local n
	n=$(cname)
	run_in --name "$n" -- barco-testhelper exit 0
	show_stderr
	assert_success
	run_in --name "$n" -- barco-testhelper exit 0
	show_stderr
	assert_success
	assert_nothing_left "$n"
}

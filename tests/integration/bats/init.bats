#!/usr/bin/env bats
# barco run --init: barco's init is the container's pid 1 and the command
# its child. It reaps orphans, forwards signals to the command's process
# group and exits with the command's status.

load helpers

setup_file() { setup_suite_rootfs; }
teardown_file() { teardown_suite_rootfs; }
teardown() { stop_background; }

@test "without --init, an orphan that exits stays a zombie of pid 1" {
	run_in --name "$(cname)" -- barco-testhelper zombie
	assert_success
	assert_line "orphan=zombie"
	assert_line "zombies=1"
}

@test "with --init, an orphan that exits is reaped: no zombie" {
	local n
	n=$(cname)
	run_in --init --name "$n" -- barco-testhelper zombie
	assert_success
	assert_line "orphan=reaped"
	assert_line "zombies=0"
	assert_nothing_left "$n"
}

@test "with --init, pid 1 is barco's init and the command is pid 2, leading its own group" {
	run_in --init --name "$(cname)" -- /bin/sh -c \
		'echo "comm1=$(cat /proc/1/comm) self=$$ parent=$PPID"; ps -o pid,pgid,comm | awk "\$1 == 2"'
	assert_success
	assert_line "comm1=barco self=2 parent=1"
	assert_line --regexp '^ +2 +2 sh$'
}

@test "--init forwards SIGTERM to the command" {
	forward_case TERM 15 --init
}

@test "--init forwards SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGQUIT to the command" {
	forward_case INT 2 --init
	forward_case HUP 1 --init
	forward_case USR1 10 --init
	forward_case USR2 12 --init
	forward_case QUIT 3 --init
}

# A command with no handler: as pid 1 it ignores SIGTERM (signals.bats); as
# the init's child it dies of it, and barco says so.
@test "SIGTERM to barco ends a handler-less sleep under --init: 143" {
	local n
	n=$(cname)
	start_barco "$TEST_ROOT/out.$n" run --init --rootfs "$ROOTFS" --name "$n" -- \
		barco-testhelper sleep 300
	wait_until 30 child_of_init_runs "$n" || fail "the command never started"
	kill -TERM "$BG_PID"
	wait_barco "$BG_PID"
	assert_equal "$BG_STATUS" 143
	assert_nothing_left "$n"
}

# The init's child runs barco-testhelper (pid 1 is barco until the end).
child_of_init_runs() {
	local pid
	pid=$(cat "/run/barco/$1/pid" 2>/dev/null) || return 1
	[ -n "$pid" ] && pgrep -P "$pid" -x barco-testhelpe >/dev/null
}

@test "the signal reaches the command's process group: a pipeline stops as a whole" {
	local n out
	n=$(cname)
	out=$TEST_ROOT/out.$n
	# sh waits for the pipeline; SIGTERM must reach both sleeps, not only sh.
	start_barco "$out" run --init --rootfs "$ROOTFS" --name "$n" -- /bin/sh -c \
		'trap "echo sh-got-term" TERM; barco-testhelper sleep 300 | barco-testhelper sleep 300; echo pipeline-status=$?'
	wait_until 30 two_sleepers "$n" || fail "the pipeline never started"
	kill -TERM "$BG_PID"
	wait_barco "$BG_PID"
	run cat "$out"
	assert_line "sh-got-term"
	assert_line "pipeline-status=143"
	assert_equal "$BG_STATUS" 0
	assert_nothing_left "$n"
}

two_sleepers() {
	local init
	init=$(cat "/run/barco/$1/pid" 2>/dev/null) || return 1
	[ "$(pgrep -x barco-testhelpe --ns "$init" | wc -l)" = 2 ]
}

@test "--init: the command starts with no blocked signals, though its init blocks them all" {
	run_in --init --name "$(cname)" -- barco-testhelper status
	assert_success
	assert_line --regexp '^SigBlk:[[:space:]]+0+$'
}

@test "--init passes the exit status through: exit 7 is 7" {
	run_in -7 --init --name "$(cname)" -- barco-testhelper exit 7
}

@test "--init passes a death by signal through: SIGKILL is 137, SIGSEGV 139" {
	run_in -137 --init --name "$(cname)" -- /bin/sh -c 'kill -KILL $$'
	run_in -139 --init --name "$(cname)" -- barco-testhelper segv
}

@test "--init: a command that is not found is still 127, one clear line" {
	local n
	n=$(cname)
	run_in -127 --init --name "$n" -- no-such-command
	assert_output ""
	[[ $stderr == "barco: stage exec: exec no-such-command"* ]] || fail "stderr: $stderr"
	assert_nothing_left "$n"
}

@test "--init: stdin and stdout still reach the command" {
	run --separate-stderr bash -c "printf 'line one\nline two\n' | timeout 60 '$BARCO' run --init \
		--rootfs '$ROOTFS' --name '$(cname)' -- /bin/sh -c 'cat; echo done'"
	assert_success
	assert_output "line one
line two
done"
}

@test "--init: the init holds no descriptor, and the command cannot look inside it" {
	local n pid
	n=$(cname)
	start_barco "$TEST_ROOT/out.$n" run --init --rootfs "$ROOTFS" --name "$n" -- /bin/sh -c \
		'cat /proc/1/maps >/dev/null 2>&1 || echo maps-refused; exec barco-testhelper sleep 300'
	wait_until 30 child_of_init_runs "$n" || fail "the command never started"
	pid=$(cat "/run/barco/$n/pid")
	run ls "/proc/$pid/fd"
	assert_success
	assert_output ""
	# Its identity changed and it never exec'd: not dumpable, so reading it
	# takes CAP_SYS_PTRACE, which the command does not have.
	run cat "$TEST_ROOT/out.$n"
	assert_output "maps-refused"
}

@test "--init: barco step reports the fork in the exec stage" {
	local n
	n=$(cname)
	run_barco step --until=exec --rootfs "$ROOTFS" --name "$n" --init -- barco-testhelper exit 3
	assert_failure 3
	assert_output --partial "--init: fork(); pid 1 stays barco's init"
	assert_nothing_left "$n"
}

@test "--init with --pids 1 is refused: one line, 125, nothing left" {
	local n
	n=$(cname)
	run_in --init --pids 1 --name "$n" -- barco-testhelper exit 0
	assert_failure 125
	assert_output ""
	[ "${#stderr_lines[@]}" = 1 ] || fail "stderr is not one line: $stderr"
	[[ $stderr == "barco: --init needs 2 processes"*"--pids is 1"* ]] || fail "stderr: $stderr"
	assert_nothing_left "$n"
}

@test "--init is an option of a new container, not of 'barco step NAME'" {
	run_barco step some-name --init
	assert_failure 125
	[ "${#stderr_lines[@]}" = 1 ] || fail "stderr is not one line: $stderr"
	[[ $stderr == *"unknown option '--init' for 'barco step NAME'"* ]] || fail "stderr: $stderr"
}

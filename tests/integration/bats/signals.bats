#!/usr/bin/env bats
# Signals: barco forwards what it receives to the container's pid 1, and a
# container never outlives barco.

load helpers

setup_file() { setup_suite_rootfs; }
teardown_file() { teardown_suite_rootfs; }
teardown() { stop_background; }

@test "SIGTERM to barco reaches the container" {
	forward_case TERM 15
}

@test "SIGINT to barco reaches the container" {
	forward_case INT 2
}

@test "SIGHUP to barco reaches the container" {
	forward_case HUP 1
}

@test "SIGUSR1 to barco reaches the container" {
	forward_case USR1 10
}

@test "SIGQUIT to barco reaches the container" {
	forward_case QUIT 3
}

@test "a forwarded signal pid 1 has no handler for is ignored, like any init" {
	local n
	n=$(cname)
	SLEEPER_SECONDS=5 start_sleeper "$n"  # outlives a slow kill under TCG (the VM)
	kill -TERM "$BG_PID"
	wait_barco "$BG_PID"
	# pid_namespaces(7): only signals with a handler reach a namespace's init.
	assert_equal "$BG_STATUS" 0
	assert_nothing_left "$n"
}

@test "pid 1 cannot kill itself with a default-action signal (kernel rule for init)" {
	run_in --name "$(cname)" -- barco-testhelper kill-self KILL
	assert_success
	assert_output "kill-self=ignored"
}

@test "a non-init process in the container dies of its signal normally" {
	run_in --name "$(cname)" -- /bin/sh -c 'barco-testhelper kill-self TERM; echo "status=$?"'
	assert_success
	assert_output "status=143"
}

@test "the command starts with no blocked signals" {
	run_in --name "$(cname)" -- barco-testhelper status
	assert_success
	assert_line --regexp '^SigBlk:[[:space:]]+0+$'
}

@test "SIGKILL to barco takes the container down with it" {
	local n init
	n=$(cname)
	start_sleeper "$n"
	init=$INIT_PID
	kill -KILL "$BG_PID"
	wait_barco "$BG_PID"
	wait_until 30 not_running "$init" || fail "container pid $init outlived barco"
}

@test "a name left stale by a killed barco is reclaimed by the next run" {
	local n
	n=$(cname)
	start_sleeper "$n"
	kill -KILL "$BG_PID"
	wait_barco "$BG_PID"
	wait_until 30 not_running "$INIT_PID" || fail "container outlived barco"
	run_in --name "$n" -- barco-testhelper exit 0
	show_stderr
	assert_success
	assert_nothing_left "$n"
}

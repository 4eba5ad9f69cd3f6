#!/usr/bin/env bats
# The seed's flags: barco -u UID -m ROOT -c CMD [-a ARG] [-v] behaves like
# barco run --uid UID --rootfs ROOT -- CMD ARG.

load helpers

setup_file() { setup_suite_rootfs; }
teardown_file() { teardown_suite_rootfs; }

# One -v log line: "HH:MM:SS.micro LEVEL file:line: message".
LOG_LINE='^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} [A-Z]+ +[A-Za-z0-9_./-]+\.c:[0-9]+: .+'

@test "barco -u 0 -m ROOTFS -c /bin/echo -a hi prints hi" {
	run_barco -u 0 -m "$ROOTFS" -c /bin/echo -a hi
	show_stderr
	assert_success
	assert_output "hi"
}

@test "seed flags give the same isolation as run: pid 1, namespaces, caps, seccomp" {
	run_barco -u 0 -m "$ROOTFS" -c /bin/barco-testhelper -a status
	assert_success
	assert_line --regexp "^CapEff:[[:space:]]+$DEFAULT_CAPS\$"
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
	run_barco -u 0 -m "$ROOTFS" -c /bin/barco-testhelper -a pid
	assert_success
	assert_output "pid=1 ppid=0"
}

@test "-u is honoured (the original parsed it and ignored it)" {
	run_barco -u 1000 -m "$ROOTFS" -c /bin/barco-testhelper -a id
	assert_success
	assert_output --regexp '^uid=1000 '
}

@test "the seed form passes the exit status through" {
	run_barco -u 0 -m "$ROOTFS" -c /bin/barco-testhelper -a exit
	# "exit" alone is a usage error of the helper: status 2, from inside.
	assert_failure 2
}

@test "-v logs one line per step on stderr in the seed's format" {
	run_barco -u 0 -m "$ROOTFS" -c /bin/echo -a hi -v
	assert_success
	assert_output "hi"
	[ "${#stderr_lines[@]}" -ge 5 ] || fail "only ${#stderr_lines[@]} log lines: $stderr"
	local line
	for line in "${stderr_lines[@]}"; do
		[[ $line =~ $LOG_LINE ]] || fail "not a log line: '$line'"
	done
}

@test "without -v a successful run prints nothing on stderr" {
	run_barco -u 0 -m "$ROOTFS" -c /bin/echo -a hi
	assert_success
	assert_equal "$stderr" ""
}

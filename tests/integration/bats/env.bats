#!/usr/bin/env bats
# The command's environment, working directory and argv.

load helpers

setup_file() { setup_suite_rootfs; }
teardown_file() { teardown_suite_rootfs; }

DEFAULT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

@test "the command is found through PATH" {
	run_in --name "$(cname)" -- barco-testhelper pid
	show_stderr
	assert_success
	assert_output "pid=1 ppid=0"
}

@test "PATH lookup uses the container's PATH, not barco's" {
	run_in -127 --name "$(cname)" --env PATH=/nonexistent -- barco-testhelper pid
}

@test "the full argv is passed, spaces, empty strings and dashes intact" {
	run_in --name "$(cname)" -- barco-testhelper args "a b" "" '$HOME' --name -v -- x
	assert_success
	assert_output "$(printf '%s\n' 'argc=7' 'argv[0]=a b' 'argv[1]=' 'argv[2]=$HOME' \
		'argv[3]=--name' 'argv[4]=-v' 'argv[5]=--' 'argv[6]=x')"
}

@test "default environment: PATH, HOME, TERM" {
	run_in --name "$(cname)" -- barco-testhelper env
	assert_success
	assert_line "PATH=$DEFAULT_PATH"
	assert_line "HOME=/root"
	assert_line --regexp '^TERM=.+'
}

@test "TERM comes from the host" {
	TERM=vt220 run_in --name "$(cname)" -- barco-testhelper env
	assert_success
	assert_line "TERM=vt220"
}

@test "TERM defaults to xterm when the host has none" {
	run --separate-stderr env -u TERM "$BARCO" run --rootfs "$ROOTFS" --name "$(cname)" -- \
		barco-testhelper env
	assert_success
	assert_line "TERM=xterm"
}

@test "the host's environment does not leak in" {
	BARCO_SECRET_LEAK=1 run_in --name "$(cname)" -- barco-testhelper env
	assert_success
	refute_line --regexp '^BARCO_SECRET_LEAK='
	refute_line --regexp '^BARCO_HOME='
}

@test "--env adds variables, values with spaces and = intact" {
	run_in --name "$(cname)" --env FOO=bar --env 'MSG=hello world' --env EQ=a=b -- barco-testhelper env
	assert_success
	assert_line "FOO=bar"
	assert_line "MSG=hello world"
	assert_line "EQ=a=b"
	assert_line "PATH=$DEFAULT_PATH"
}

@test "--env overrides a default" {
	run_in --name "$(cname)" --env HOME=/tmp -- barco-testhelper env
	assert_success
	assert_line "HOME=/tmp"
	refute_line "HOME=/root"
}

@test "the working directory defaults to /" {
	run_in --name "$(cname)" -- barco-testhelper cwd
	assert_success
	assert_output "/"
}

@test "--workdir sets the working directory" {
	run_in --name "$(cname)" --workdir /tmp -- barco-testhelper cwd
	assert_success
	assert_output "/tmp"
}

@test "--workdir is inside the container, not the host" {
	run_in --name "$(cname)" --workdir /etc -- barco-testhelper ls .
	assert_success
	assert_line "passwd"
	refute_line "barco-canary"
	run_in --name "$(cname)" --workdir /etc -- barco-testhelper read passwd
	assert_success
	assert_output "$(cat "$ROOTFS/etc/passwd")"
}

@test "stdin, stdout and stderr are the caller's" {
	run_in --name "$(cname)" -- /bin/sh -c 'read line; echo "out:$line"; echo "err:$line" >&2' <<<"hello"
	assert_success
	assert_output "out:hello"
	assert_regex "$stderr" 'err:hello'
}

@test "only stdin, stdout and stderr are open in the container" {
	run_in --name "$(cname)" -- barco-testhelper fds
	assert_success
	run cut -d= -f1 <<<"$output"
	assert_output "$(printf '0\n1\n2')"
}

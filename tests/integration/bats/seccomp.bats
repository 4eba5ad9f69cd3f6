#!/usr/bin/env bats
# Seccomp: no_new_privs and the filter, and the original's mistakes
# (masked TIOCSTI compare, clone3 bypass, no_new_privs off) not repeated.

load helpers

setup_file() { setup_suite_rootfs; }
teardown_file() { teardown_suite_rootfs; }

@test "the filter is on and no_new_privs is set" {
	run_in --name "$(cname)" -- barco-testhelper status
	show_stderr
	assert_success
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
	assert_line --regexp '^NoNewPrivs:[[:space:]]+1$'
}

@test "new user namespaces are refused: unshare and clone with CLONE_NEWUSER" {
	run_in --name "$(cname)" -- barco-testhelper try unshare-user clone-user
	assert_success
	assert_line "unshare-user=EPERM"
	assert_line "clone-user=EPERM"
}

@test "clone3 answers ENOSYS (its flags are out of the filter's reach)" {
	run_in --name "$(cname)" -- barco-testhelper try clone3
	assert_success
	assert_output "clone3=ENOSYS"
}

@test "ordinary process creation still works (fork)" {
	run_in --name "$(cname)" -- barco-testhelper try fork
	assert_success
	assert_output "fork=ok"
}

@test "terminal ioctls: TIOCGWINSZ and FIONREAD allowed, TIOCSTI refused even with high bits" {
	run_in --name "$(cname)" -- barco-testhelper ioctl
	show_stderr
	assert_success
	assert_line "openpt=ok"
	assert_line "tiocgwinsz=ok"
	assert_line "fionread=ok"
	assert_line "tiocsti=EPERM"
	assert_line "tiocsti_high=EPERM"
}

@test "the setuid bit cannot be set, by chmod, fchmod or fchmodat; plain modes can" {
	run_in --name "$(cname)" -- barco-testhelper try chmod_suid fchmod_suid fchmodat_suid \
		chmod_plain
	assert_success
	assert_line "chmod_suid=EPERM"
	assert_line "fchmod_suid=EPERM"
	assert_line "fchmodat_suid=EPERM"
	assert_line "chmod_plain=ok"
}

@test "the setgid bit cannot be set either" {
	run_in --name "$(cname)" -- barco-testhelper try chmod_sgid
	assert_success
	assert_output "chmod_sgid=EPERM"
}

@test "kernel-attack-surface syscalls are refused: keyctl, bpf, perf_event_open, userfaultfd" {
	run_in --name "$(cname)" -- barco-testhelper try keyctl bpf perf_event_open userfaultfd
	assert_success
	assert_line "keyctl=EPERM"
	assert_line "bpf=EPERM"
	assert_line "perf_event_open=EPERM"
	assert_line "userfaultfd=EPERM"
}

@test "mount namespaces cannot be made (unshare CLONE_NEWNS)" {
	run_in --name "$(cname)" -- barco-testhelper try unshare-ns
	assert_success
	assert_output "unshare-ns=EPERM"
}

@test "the filter survives execve and applies to children" {
	run_in --name "$(cname)" -- /bin/sh -c 'barco-testhelper status; barco-testhelper try clone3'
	assert_success
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
	assert_line "clone3=ENOSYS"
}

@test "--seccomp unconfined: no filter, no_new_privs still set" {
	run_in --name "$(cname)" --seccomp unconfined -- barco-testhelper status
	show_stderr
	assert_success
	assert_line --regexp '^Seccomp:[[:space:]]+0$'
	assert_line --regexp '^NoNewPrivs:[[:space:]]+1$'
}

@test "--seccomp unconfined: the kernel alone decides (clone3 works, TIOCSTI on own tty works)" {
	skip_unless legacy-tiocsti
	run_in --name "$(cname)" --seccomp unconfined -- barco-testhelper try clone3
	assert_success
	assert_output "clone3=ok"
	run_in --name "$(cname)" --seccomp unconfined -- barco-testhelper ioctl
	assert_success
	# Proves the EPERM above came from the filter, not from the kernel.
	assert_line "tiocsti=ok"
	assert_line "tiocsti_high=ok"
}

@test "--seccomp default is the same as no option" {
	run_in --name "$(cname)" --seccomp default -- barco-testhelper status
	assert_success
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
}

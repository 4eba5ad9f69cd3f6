#!/usr/bin/env bats
# The user namespace: container root is an unprivileged host uid.

load helpers

setup_file() { setup_suite_rootfs; }
teardown_file() { teardown_suite_rootfs; }
teardown() { stop_background; }

setup() { skip_unless userns; }

@test "the default maps are 0 -> 100000, 65536 ids" {
	run_in --name "$(cname)" -- barco-testhelper read /proc/self/uid_map
	show_stderr
	assert_success
	assert_output --regexp '^ *0 +100000 +65536$'
	run_in --name "$(cname)" -- barco-testhelper read /proc/self/gid_map
	assert_success
	assert_output --regexp '^ *0 +100000 +65536$'
}

@test "the command runs as root inside, with no supplementary groups" {
	run_in --name "$(cname)" -- barco-testhelper id
	assert_success
	assert_output "uid=0 gid=0 euid=0 egid=0 groups="
}

@test "--uid and --gid set the identity inside" {
	run_in --name "$(cname)" --uid 1000 --gid 1000 -- barco-testhelper id
	assert_success
	assert_output "uid=1000 gid=1000 euid=1000 egid=1000 groups="
}

@test "--uid alone keeps gid 0" {
	run_in --name "$(cname)" --uid 1000 -- barco-testhelper id
	assert_success
	assert_output --regexp '^uid=1000 gid=0 euid=1000 egid=0 '
}

@test "--uid outside the map is refused before anything runs" {
	local n
	n=$(cname)
	run_in --name "$n" --uid 70000 -- barco-testhelper id
	assert_failure 125
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" '^barco: .*70000'
	assert_nothing_left "$n"
}

@test "the host sees the container's processes as the mapped uid" {
	local n
	n=$(cname)
	start_sleeper "$n"  # killed below
	run ps -o uid= -p "$INIT_PID"
	assert_output --regexp "^ *$MAPPED_ROOT\$"
	run awk '/^Gid:/ { print $2 }' "/proc/$INIT_PID/status"
	assert_output "$MAPPED_ROOT"
	kill -KILL "$INIT_PID"
	wait_barco "$BG_PID"
	assert_nothing_left "$n"
}

@test "--uid 1000 is host uid 101000" {
	local n
	n=$(cname)
	start_sleeper "$n" --uid 1000  # killed below
	run awk '/^Uid:/ { print $2 " " $3 " " $4 " " $5 }' "/proc/$INIT_PID/status"
	assert_output "101000 101000 101000 101000"
	kill -KILL "$INIT_PID"
	wait_barco "$BG_PID"
}

@test "--uidmap and --gidmap replace the default maps" {
	run_in --name "$(cname)" --uidmap 0:200000:1000 --gidmap 0:300000:1000 -- \
		barco-testhelper read /proc/self/uid_map
	show_stderr
	assert_success
	assert_output --regexp '^ *0 +200000 +1000$'
	run_in --name "$(cname)" --uidmap 0:200000:1000 --gidmap 0:300000:1000 -- \
		barco-testhelper read /proc/self/gid_map
	assert_success
	assert_output --regexp '^ *0 +300000 +1000$'
}

@test "repeated --uidmap adds ranges" {
	run_in --name "$(cname)" --uidmap 0:100000:1000 --uidmap 1000:500000:10 \
		--gidmap 0:100000:65536 -- barco-testhelper read /proc/self/uid_map
	assert_success
	assert_line --regexp '^ *0 +100000 +1000$'
	assert_line --regexp '^ *1000 +500000 +10$'
	assert_equal "${#lines[@]}" 2
}

@test "host root's files appear as the overflow uid inside" {
	# /proc/sys files belong to host root, which has no mapping.
	run_in --name "$(cname)" -- barco-testhelper stat /proc/sys/kernel/hostname
	assert_success
	assert_line "uid=$(cat /proc/sys/kernel/overflowuid)"
}

@test "container root owns the default rootfs it runs on" {
	run_in --name "$(cname)" -- barco-testhelper stat /bin/busybox
	assert_success
	assert_line "uid=0"
	assert_line "gid=0"
}

@test "--userns=host: no user namespace, the identity map is the host's" {
	run_in --name "$(cname)" --userns=host -- barco-testhelper read /proc/self/uid_map
	show_stderr
	assert_success
	assert_output --regexp '^ *0 +0 +4294967295$'
	run_in --name "$(cname)" --userns=host -- barco-testhelper ns
	assert_success
	assert_line "user=$(host_ns user)"
	refute_line "mnt=$(host_ns mnt)"
}

@test "--userns=host still applies the capability allowlist and seccomp" {
	run_in --name "$(cname)" --userns=host -- barco-testhelper status
	assert_success
	assert_line --regexp "^CapBnd:[[:space:]]+$DEFAULT_CAPS\$"
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
}

#!/usr/bin/env bats
# The mount namespace: masked and read-only paths, /dev, /tmp, pivot_root,
# and nothing written to or mounted on the host.

load helpers

setup_file() { setup_suite_rootfs; }
teardown_file() { teardown_suite_rootfs; }

@test "masked files read as empty or not at all" {
	local f found=0
	for f in /proc/kcore /proc/keys /proc/timer_list /proc/sysrq-trigger /proc/sched_debug; do
		[ -e "$f" ] || continue
		found=1
		run_in --name "$(cname)" -- barco-testhelper read "$f"
		assert_success
		[ -z "$output" ] || [[ $output =~ ^read=E[A-Z]+$ ]] ||
			fail "$f is readable inside: ${output:0:200}"
	done
	[ "$found" = 1 ] || skip "none of the masked /proc files exist on this kernel"
}

@test "masked files are /dev/null inside" {
	local f found=0
	for f in /proc/kcore /proc/keys /proc/timer_list /proc/sysrq-trigger; do
		[ -e "$f" ] || continue
		found=1
		run_in --name "$(cname)" -- barco-testhelper stat "$f"
		assert_success
		assert_line "type=chr"
		assert_line "rdev=1:3"
	done
	[ "$found" = 1 ] || skip "none of the masked /proc files exist on this kernel"
}

@test "masked directories are empty" {
	[ -d /sys/firmware ] || skip "no /sys/firmware on this host"
	run_in --name "$(cname)" -- barco-testhelper ls /sys/firmware
	show_stderr
	assert_success
	assert_output ""
}

@test "read-only paths refuse writes with EROFS" {
	local p
	for p in /proc/sys/kernel/hostname /proc/sys/barco-canary /sys/barco-canary \
		/proc/bus/barco-canary /proc/irq/barco-canary; do
		[ -d "$(dirname "$p")" ] || continue
		run_in --name "$(cname)" -- barco-testhelper write "$p" x
		assert_success
		[ "$output" = "write=EROFS" ] || fail "write $p: $output (expected write=EROFS)"
	done
}

@test "/dev holds the standard nodes, pts and shm" {
	run_in --name "$(cname)" -- barco-testhelper ls /dev
	assert_success
	local n
	for n in null zero full random urandom tty pts ptmx shm; do
		assert_line "$n"
	done
}

@test "/dev nodes are the real devices and usable" {
	run_in --name "$(cname)" -- barco-testhelper stat /dev/null
	assert_success
	assert_line "type=chr"
	assert_line "rdev=1:3"
	run_in --name "$(cname)" -- barco-testhelper write /dev/null discarded
	assert_output "write=ok"
	run_in --name "$(cname)" -- barco-testhelper write /dev/full x
	assert_output "write=ENOSPC"
}

@test "/dev has no host devices beyond the standard set" {
	run_in --name "$(cname)" -- barco-testhelper ls /dev
	assert_success
	refute_line --regexp '^(sd[a-z]|vd[a-z]|nvme|mem$|kmsg$|port$|kvm$)'
}

@test "/tmp is writable" {
	run_in --name "$(cname)" -- barco-testhelper write /tmp/hello hi
	assert_success
	assert_output "write=ok"
}

@test "/proc is a fresh procfs of the container's pid namespace" {
	run_in --name "$(cname)" -- barco-testhelper read /proc/self/stat
	assert_success
	assert_output --regexp '^1 \(barco-testhelpe\)'
}

@test "pivot_root: host paths are invisible and the old root is gone" {
	local p
	for p in /work "$TEST_ROOT" "$REPO"; do
		run_in --name "$(cname)" -- barco-testhelper stat "$p"
		assert_success
		assert_output "stat=ENOENT"
	done
	run_in --name "$(cname)" -- barco-testhelper mounts
	assert_success
	# Mount points (field 5) are all inside the new root: none from the host.
	run awk '{ print $5 }' <<<"$output"
	refute_line --regexp "^($TEST_ROOT|/work|/mnt/|/old|/.old|/\.pivot)"
	assert_line "/"
	assert_line "/proc"
	assert_line "/dev"
}

@test "the root is the rootfs: a file made on the host is seen inside" {
	echo "from-host" >"$ROOTFS/marker"
	run_in --name "$(cname)" -- barco-testhelper read /marker
	rm -f "$ROOTFS/marker"
	assert_success
	assert_output "from-host"
}

@test "--rootfs / cannot write to the host, and gets its own /proc" {
	local n
	n=$(cname)
	rm -f /etc/barco-canary
	run_barco run --rootfs / --name "$n" -- /bin/sh -c 'echo x >/etc/barco-canary'
	assert_failure
	[ ! -e /etc/barco-canary ] || {
		rm -f /etc/barco-canary
		fail "the container wrote /etc/barco-canary on the host"
	}
	run_barco run --rootfs / --name "$n" -- /bin/sh -c 'echo $$; ls /proc | grep -c "^[0-9]"'
	show_stderr
	assert_success
	assert_line --index 0 "1"
	assert_nothing_left "$n"
}

@test "--rootfs / still has a private /tmp and a minimal /dev" {
	run_barco run --rootfs / --name "$(cname)" -- /bin/sh -c 'ls /tmp | wc -l; ls /dev'
	assert_success
	assert_line --index 0 "0"
	refute_line "vda"
	assert_line "null"
}

@test "no mounts leak to the host and no /tmp/barco.* is left" {
	local before after n
	n=$(cname)
	before=$(wc -l </proc/self/mountinfo)
	run_in --name "$n" -- barco-testhelper exit 0
	assert_success
	after=$(wc -l </proc/self/mountinfo)
	assert_equal "$after" "$before"
	assert_nothing_left "$n"
}

#!/usr/bin/env bats
# The uts namespace: --hostname, defaulting to the container's name.

load helpers

setup_file() { setup_suite_rootfs; }
teardown_file() { teardown_suite_rootfs; }

@test "--hostname sets the hostname inside" {
	run_in --name "$(cname)" --hostname box.example -- barco-testhelper hostname
	show_stderr
	assert_success
	assert_output "box.example"
}

@test "the hostname defaults to the container's name" {
	local n
	n=$(cname)
	run_in --name "$n" -- barco-testhelper hostname
	assert_success
	assert_output "$n"
}

@test "without --name the hostname is the random 12-hex-digit name" {
	run_in -- barco-testhelper hostname
	assert_success
	assert_output --regexp '^[0-9a-f]{12}$'
	# That random name was the container's name: nothing of it remains.
	assert_nothing_left "$output"
}

@test "two runs without --name get different names" {
	run_in -- barco-testhelper hostname
	assert_success
	local first=$output
	run_in -- barco-testhelper hostname
	assert_success
	assert_not_equal "$output" "$first"
}

@test "the host's hostname is unchanged" {
	local before
	before=$(uname -n)
	run_in --name "$(cname)" --hostname changed-inside -- barco-testhelper hostname
	assert_success
	assert_output "changed-inside"
	assert_equal "$(uname -n)" "$before"
}

@test "sethostname is refused inside: CAP_SYS_ADMIN is not on the allowlist" {
	# sethostname needs CAP_SYS_ADMIN, which the default allowlist drops.
	run_in --name "$(cname)" -- barco-testhelper try sethostname
	assert_success
	assert_output "sethostname=EPERM"
}

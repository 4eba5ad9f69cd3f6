# shellcheck shell=bash
# Shared by vm/build-image and vm/run (sourced, not run): where the image is
# cached and the key that names it.

# The image cache lives outside the work tree so that a fresh clone (CI) on
# the same machine finds the image built before; one directory per key.
VM_CACHE=${VM_CACHE:-/var/cache/barco/vm}

# The VM installs from the same Debian sources as the host (mmdebstrap's
# MIRROR argument accepts a sources file, deb822 or one-line style).
if [[ -z ${VM_SOURCES:-} ]]; then
	for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
		if [[ -s $f ]]; then
			VM_SOURCES=$f
			break
		fi
	done
fi
VM_SOURCES=${VM_SOURCES:-http://deb.debian.org/debian}

# Everything that decides what the image contains. The runner (vm/run) and
# the init script (vm/init) are not part of it: they are read from the work
# tree at every boot, so changing them never rebuilds the image.
VM_RECIPE=(vm/build-image vm/recipe/packages vm/recipe/dpkg.cfg vm/recipe/setup-hook
	vm/recipe/customize-hook vm/recipe/initramfs-hook vm/recipe/boot)

die() {
	printf 'vm: %s\n' "$*" >&2
	exit 1
}

# A wrong argument or setting: nothing was done (125, as barco's own errors).
bad_value() {
	printf 'vm: %s\n' "$*" >&2
	exit 125
}

# The cache key: a hash of the recipe files and of the Debian sources used.
vm_key() {
	{
		local f
		for f in "${VM_RECIPE[@]}"; do
			printf '== %s\n' "$f"
			cat "$f"
		done
		printf '== sources %s\n' "$VM_SOURCES"
		[[ -f $VM_SOURCES ]] && cat "$VM_SOURCES"
	} | sha256sum | cut -c1-16
}

vm_image_dir() {
	printf '%s/%s\n' "$VM_CACHE" "$(vm_key)"
}

# Installing barco like a Debian tool (issue 14). Included by the Makefile.
#
#   make man        the manual pages, rendered by scdoc from docs/man/*.scd
#                   into build/man/ (barco.1, barco-probe.1, and .gz)
#   make install    adds to the binaries: the manual pages (gzip -9n, a link
#                   per probe tool), the bash completion and the verify
#                   helper (libexec); DESTDIR and PREFIX as for the binaries
#   make uninstall  removes all that make install installed
#   make deb        build/deb/barco_VERSION_ARCH.deb with debhelper
#                   (debian/), checked by lintian
#
# The man pages are checked against each command's --help by
# tests/integration/pytest/test_man.py, the completion by test_completion.py, the
# install by test_install.py.

.PHONY: man install-packaging uninstall-packaging deb

# The GNU names, each overridable (make install mandir=/usr/man).
bindir ?= $(PREFIX)/bin
datadir ?= $(PREFIX)/share
mandir ?= $(datadir)/man
man1dir ?= $(mandir)/man1
libexecdir ?= $(PREFIX)/libexec
bashcompdir ?= $(datadir)/bash-completion/completions

MAN_PAGES := $(patsubst docs/man/%.scd,build/man/%,$(wildcard docs/man/*.scd))
# One page serves every probe tool: barco-probe-SECTION.1.gz links to it.
PROBE_MAN_LINKS := $(addsuffix .1.gz,$(notdir $(PROBE_BINS)))

build/man:
	mkdir -p $@

build/man/%: docs/man/%.scd | build/man
	scdoc < $< > $@.tmp && mv $@.tmp $@

# -n: no name or time stamp in the gzip header, so the package is reproducible.
build/man/%.gz: build/man/%
	gzip -9n -c $< > $@.tmp && mv $@.tmp $@

man: $(MAN_PAGES) $(addsuffix .gz,$(MAN_PAGES))

install: install-packaging
uninstall: uninstall-packaging

install-packaging: $(addsuffix .gz,$(MAN_PAGES)) $(HELPER)
	install -d $(DESTDIR)$(man1dir) $(DESTDIR)$(bashcompdir) $(DESTDIR)$(libexecdir)/barco
	install -m 0644 $(addsuffix .gz,$(MAN_PAGES)) $(DESTDIR)$(man1dir)/
	for l in $(PROBE_MAN_LINKS); do ln -sf barco-probe.1.gz $(DESTDIR)$(man1dir)/$$l; done
	install -m 0644 completion/barco.bash $(DESTDIR)$(bashcompdir)/barco
	install -m 0755 $(HELPER) $(DESTDIR)$(libexecdir)/barco/barco-testhelper

uninstall-packaging:
	rm -f $(addprefix $(DESTDIR)$(bindir)/,$(notdir $(EXTRA_BINS)))
	rm -f $(addprefix $(DESTDIR)$(man1dir)/,$(notdir $(addsuffix .gz,$(MAN_PAGES))) \
		$(PROBE_MAN_LINKS))
	rm -f $(DESTDIR)$(bashcompdir)/barco $(DESTDIR)$(libexecdir)/barco/barco-testhelper
	rmdir $(DESTDIR)$(libexecdir)/barco 2>/dev/null || true

# ---- make deb -------------------------------------------------------------------------

# dpkg-buildpackage writes the package next to the source directory, so the
# tree is copied (without build/, bin/ and .git) to build/deb/barco-VERSION
# and the .deb lands in build/deb/, not in the parent of the work tree. The
# package's version is VERSION's: when debian/changelog's newest entry says
# otherwise, the copy gets an entry for VERSION on top.
DEB_DIR := build/deb
DEB_SRC := $(DEB_DIR)/barco-$(VERSION)
DEB_ARCH = $(shell dpkg-architecture -qDEB_HOST_ARCH)
DEB_FILE = $(DEB_DIR)/barco_$(VERSION)_$(DEB_ARCH).deb
DEB_CHANGES = $(DEB_DIR)/barco_$(VERSION)_$(DEB_ARCH).changes

deb:
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_SRC)
	tar -c --exclude-vcs --exclude=./build --exclude=./bin --exclude=__pycache__ \
		--exclude=.pytest_cache . | tar -x -C $(DEB_SRC)
	debian/version-entry $(VERSION) $(DEB_SRC)/debian/changelog
	cd $(DEB_SRC) && dpkg-buildpackage --build=binary --no-sign
	# lintian leaves temporary files (mldbm-elf-*) behind: in build/deb/tmp, not in /tmp.
	mkdir -p $(DEB_DIR)/tmp
	TMPDIR=$(abspath $(DEB_DIR))/tmp lintian --fail-on error --info --display-info $(DEB_CHANGES)
	@echo "deb: $(DEB_FILE)"

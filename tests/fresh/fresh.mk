# The first-run test: included by the top Makefile, never part of `make`,
# `make test` or CI (.ci/run). See tests/fresh/run.
#
#   make fresh-test   the README's two commands (make demo, make test) on a
#                     Debian 12 root with none of barco's packages, in a
#                     clone of this tree's HEAD; root only
#
# FRESH_TMP, FRESH_CACHE, FRESH_SOURCES, FRESH_REBUILD and FRESH_SUITE_LOCK
# are passed on (make exports variables set on its command line).

.PHONY: fresh-test

fresh-test:
	@bash tests/fresh/run

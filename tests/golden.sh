#!/bin/sh
# golden.sh - end-to-end golden tests of the mdgate command.
#
# Each case is a folder tests/golden/<case>/ holding:
#   args          the command line after "mdgate" (one line, shell words)
#   dir           the working folder, relative to the source tree (default: the case folder)
#   expected.out  standard output
#   expected.err  standard error
#   expected.exit the exit status
# Outputs are compared byte for byte after replacing the absolute source
# path with @SRC@, 64-hex digests with @SHA256@, times (YYYY-MM-DDTHH:MM:SS)
# with @TIME@ and JUnit's hostname with @HOST@.  `make regen-golden`
# (MDGATE_REGEN=1) rewrites the expectations: only on purpose, and review
# the diff.
. "${top_srcdir}/tests/setup"

for case_dir in "$top_srcdir"/tests/golden/*/; do
	case_dir=${case_dir%/}
	name=$(basename "$case_dir")
	[ -f "$case_dir/args" ] || continue
	wd=$case_dir
	[ -f "$case_dir/dir" ] && wd="$top_srcdir/$(cat "$case_dir/dir")"
	args=$(cat "$case_dir/args")
	set +e
	(cd "$wd" && eval "set -- $args" && NO_COLOR=1 mdgate "$@") >"$TMP/out" 2>"$TMP/err"
	rc=$?
	set -e
	for s in out err; do
		sed -e "s|$top_srcdir|@SRC@|g" -e "s|[0-9a-f]\{64\}|@SHA256@|g" \
			-e "s|[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z\{0,1\}|@TIME@|g" \
			-e 's|hostname="[^"]*"|hostname="@HOST@"|g' "$TMP/$s" >"$TMP/$s.norm"
	done
	if [ "${MDGATE_REGEN:-0}" = 1 ]; then
		cp "$TMP/out.norm" "$case_dir/expected.out"
		cp "$TMP/err.norm" "$case_dir/expected.err"
		echo "$rc" >"$case_dir/expected.exit"
		echo "regenerated $name"
		continue
	fi
	for s in out err; do
		if cmp -s "$TMP/$s.norm" "$case_dir/expected.$s"; then ok; else
			fail "$name: standard ${s}put differs"
			diff -u "$case_dir/expected.$s" "$TMP/$s.norm" | head -40 >&2 || true
		fi
	done
	if [ "$rc" = "$(cat "$case_dir/expected.exit")" ]; then ok; else
		fail "$name: exit status $rc, expected $(cat "$case_dir/expected.exit")"
	fi
done
finish

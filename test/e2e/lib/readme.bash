#!/usr/bin/env bash
#
# readme.bash - the README's procedures as a test reads them: the code blocks of a section
# (what the administrator types or pastes, and what kindling prints back), so that a test
# follows the README's own text and fails when the README and the product drift apart.
#
#   readme_block SECTION N       the Nth fenced code block (1-based) of the "## SECTION"
#                                section, without the indentation of its fence
#   readme_example_regex LINE    an ERE for a line of printed output in the README: the line
#                                itself, where each "…" stands for any text
#   readme_assert_example TEXT   asserts (bats-assert) that $output has a line matching each
#                                line of TEXT (blank lines and lines that are only "…" skipped)

[[ -n "${_README_LIB_LOADED:-}" ]] && return 0
_README_LIB_LOADED=1

README_FILE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd -P)/README.md"
readonly README_FILE

#######################################
# Prints the Nth fenced code block of a README section, dedented by its fence's indentation
# (a block inside a numbered list is indented by the list). Fails when there is none.
# Arguments:
#   Section title (after "## "), block number (1-based).
#######################################
readme_block() {
  local block
  block=$(awk -v title="## $1" -v want="$2" '
    $0 == title { inside = 1; next }
    inside && /^## / { exit }
    !inside { next }
    /^ *```/ {
      if (!open) { open = 1; n++; match($0, /^ */); indent = RLENGTH; next }
      open = 0
      if (n == want) exit
      next
    }
    open && n == want { print substr($0, 1, indent) ~ /^ *$/ ? substr($0, indent + 1) : $0 }
  ' "${README_FILE}")
  if [[ -z "${block}" ]]; then
    echo "README.md: no code block $2 in section '$1'" >&2
    return 1
  fi
  printf '%s\n' "${block}"
}

#######################################
# Prints an ERE that matches a line of output as the README shows it: every character
# literal, but "…" (the README's "and so on") matches any text.
# Arguments:
#   Line.
#######################################
readme_example_regex() {
  local escaped
  escaped=$(sed -e 's/[][\.*^$(){}+?|]/\\&/g' -e 's/…/.*/g' <<<"$1")
  printf '^%s$\n' "${escaped}"
}

#######################################
# Asserts that $output (of bats' run) has a line matching each line of an example the
# README prints (see readme_example_regex); blank lines and lines of "…" alone are skipped.
# Arguments:
#   Example text.
#######################################
readme_assert_example() {
  local line
  while IFS= read -r line; do
    [[ -n "${line//[[:space:]…]/}" ]] || continue
    assert_line --regexp "$(readme_example_regex "${line}")"
  done <<<"$1"
}

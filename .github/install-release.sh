#!/usr/bin/env bash
# The action's first step: install the released claimgate binary that matches the runner, when
# there is one, after checking it against the release's sha256 file. Prints
# `installed=true|false` to $GITHUB_OUTPUT; anything short of a verified binary is `false`, and
# the action then builds claimgate from its own checkout instead.
set -uo pipefail
out="${GITHUB_OUTPUT:-/dev/stdout}"
no() { echo "claimgate: $1; building from source instead"; echo "installed=false" >> "$out"; exit 0; }

version="${CLAIMGATE_VERSION:-}"
if [ -z "$version" ]; then
  case "${ACTION_REF:-}" in
    v[0-9]*) version="$ACTION_REF" ;;
    *) no "the action ref \`${ACTION_REF:-}\` is not a release tag" ;;
  esac
fi
case "${RUNNER_OS_NAME:-}/${RUNNER_ARCH_NAME:-}" in
  Linux/X64) target=x86_64-unknown-linux-gnu ;;
  Linux/ARM64) target=aarch64-unknown-linux-gnu ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  *) no "no released binary for ${RUNNER_OS_NAME:-?}/${RUNNER_ARCH_NAME:-?}" ;;
esac
repo="${ACTION_REPOSITORY:-}"
[ -n "$repo" ] || no "the action's repository is not known"
asset="claimgate-$version-$target.tar.gz"
base="https://github.com/$repo/releases/download/$version"
dir="${RUNNER_TEMP:-/tmp}/claimgate-release"
mkdir -p "$dir" && cd "$dir" || no "no temporary directory"
curl -fsSL --retry 3 -o "$asset" "$base/$asset" || no "no $asset in release $version"
curl -fsSL --retry 3 -o "$asset.sha256" "$base/$asset.sha256" || no "no checksum for $asset"
# The checksum file names the asset; a binary that does not match it is not installed.
if command -v sha256sum >/dev/null 2>&1; then check=(sha256sum -c); else check=(shasum -a 256 -c); fi
"${check[@]}" "$asset.sha256" || no "$asset does not match its checksum"
tar -xzf "$asset" || no "$asset does not unpack"
[ -x "$dir/claimgate" ] || no "$asset holds no claimgate binary"
"$dir/claimgate" --version || no "the released binary does not run here"
echo "$dir" >> "${GITHUB_PATH:-/dev/null}"
echo "installed=true" >> "$out"

# Shared by scripts/run-fixtures, scripts/test and scripts/agent-replay: install
# what is missing from Debian's packages, then configure and build.
# Source it; it defines functions only.

AGENT_REPLAY_PACKAGES=(
  g++ cmake make pkg-config git python3
  libgtest-dev libgmock-dev nlohmann-json3-dev libcpp-httplib-dev libvalijson-dev
  libcli11-dev libssl-dev openssl libxml2-dev libxml2-utils zlib1g-dev libbrotli-dev
  libre2-dev libdtl-dev
)

die() {
  echo "error: $*" >&2
  exit 2
}

# Installs the Debian packages the build and the tests need, if any is missing.
ensure_packages() {
  local missing=()
  for package in "${AGENT_REPLAY_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  ((${#missing[@]} == 0)) && return 0
  echo "Installing Debian packages: ${missing[*]}"
  local sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || die "missing packages (${missing[*]}) and not root: run 'sudo apt-get install ${missing[*]}'"
    sudo=(sudo)
  fi
  command -v apt-get >/dev/null || die "apt-get not found: install ${missing[*]} by hand (Debian 12 package names)"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq || die "apt-get update failed; check the network or the apt sources"
  "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed; see the apt output above"
}

# configure_and_build <build-dir> [extra cmake arguments...]
# Builds everything, or only the targets listed in the BUILD_TARGETS array.
configure_and_build() {
  local build_dir=$1
  shift
  cmake -S "$REPO_ROOT" -B "$build_dir" "$@" >/dev/null || die "cmake configure failed (build dir $build_dir)"
  local targets=()
  [[ -n "${BUILD_TARGETS[*]:-}" ]] && targets=(--target "${BUILD_TARGETS[@]}")
  cmake --build "$build_dir" -j "$(nproc)" "${targets[@]}" || die "build failed (build dir $build_dir)"
}

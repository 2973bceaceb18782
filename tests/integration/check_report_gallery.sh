#!/usr/bin/env bash
# One chart of each kind (tests/harness/report_gallery.cpp) in headless chromium: no script error, one mark per
# point in every chart (6 scatter points, one of them at the edge; 33 line samples; 8 bar segments; 16 heat map
# cells; 5 waterfall steps).
#   check_report_gallery.sh WORKDIR REPORT_GALLERY
set -euo pipefail
work="$1"; gallery="$2"
here="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
"$gallery" "$work/gallery.html"
python3 "$here/check_report_page.py" "$work/gallery.html" --figures 5 || fail "the page"
source "$here/report_browser.sh"
render "$work/gallery.html" "$work/dom.html" "$work/gallery.png"
python3 "$here/check_report_dom.py" "$work/dom.html" --figures 5 --title-points "Scatter=6" --title-points "Line=33" \
  --title-points "Bar=8" --title-points "Heat map=16" --title-points "Waterfall=5" || fail "the rendered charts"
echo "ok: every chart kind drew one mark per point"

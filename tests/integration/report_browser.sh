# Sourced by the report tests: render PAGE DOM PNG loads a report in headless chromium (no network, no profile
# left behind), writes the DOM after its scripts ran and a screenshot, and fails on a script error in the console.
render() {
  local page="$1" dom="$2" png="$3" profile
  profile="$(mktemp -d)"
  local browser=(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
                 --disable-background-networking --disable-component-update --disable-sync
                 --user-data-dir="$profile" --enable-logging=stderr --v=0)
  timeout 120 "${browser[@]}" --dump-dom "file://$page" > "$dom" 2> "$dom.console"
  timeout 120 "${browser[@]}" --window-size=1400,2600 --screenshot="$png" "file://$page" > /dev/null 2>> "$dom.console"
  rm -rf "$profile"
  if grep -E "Uncaught|SyntaxError|ReferenceError|TypeError|CONSOLE" "$dom.console"; then
    echo "FAIL: script errors or console messages while loading $page"
    return 1
  fi
  local size
  size=$(stat -c %s "$png" 2>/dev/null || echo 0)
  [ "$size" -gt 20000 ] || { echo "FAIL: the screenshot of $page is missing or blank ($size bytes)"; return 1; }
}

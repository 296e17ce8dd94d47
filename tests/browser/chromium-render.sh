#!/usr/bin/env bash
# The HTML report in a real browser: headless Chromium (Debian's `chromium`) loads the fixture's
# report and the hostile directory's report from file://, and this checks
#   - the page text a reader sees (summary, action plan, a fix) via --dump-dom;
#   - that a screenshot was produced (a PNG of some size);
#   - that the page made no network request: Chromium's net log is searched for requests with an
#     initiator (the page); the browser's own background requests (component updates) have none.
#     A control page with an <img src="http://..."> proves the search finds a page's request.
#   - that the hostile directory's markup arrives as text: no element it named exists.
# Usage: chromium-render.sh SPNSCAN_BINARY SOURCE_DIR
set -euo pipefail
spnscan=$1 source=$2
command -v chromium >/dev/null || { echo "chromium is not installed (scripts/install-deps.sh)" >&2; exit 1; }
work=$(mktemp -d /tmp/spnscan-browser-XXXXXX)
trap 'rm -rf "$work"' EXIT

browse() { # browse NAME HTML_FILE [chromium options...]: net log in $work/NAME.net.json
  local name=$1 page=$2
  shift 2
  timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$work/profile-$name" --log-net-log="$work/$name.net.json" "$@" \
    "file://$page" 2>>"$work/chromium.log"
}

# page_requests NAME: the URLs the page itself asked for, one per line.
page_requests() {
  python3 - "$work/$1.net.json" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))
types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
for event in log["events"]:
    params = event.get("params", {})
    if types.get(event["type"]) == "URL_REQUEST_START_JOB" and "url" in params \
            and params.get("initiator") != "not an origin":
        print(params["url"])
PY
}

# visible_text FILE: the text of a dumped DOM, tags dropped, entities decoded, blanks folded.
visible_text() {
  python3 - "$1" <<'PY'
import html, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
dom = re.sub(r"(?s)<(style|title)[^>]*>.*?</\1>", " ", dom)
print(" ".join(html.unescape(re.sub(r"<[^>]+>", " ", dom)).split()))
PY
}

fail=0
check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what" >&2; fail=1; fi
}

"$spnscan" scan --no-config --ldif "$source/fixtures/contoso.ldif" --format html -o "$work/contoso.html" -q || [ $? -eq 1 ]
"$spnscan" scan --no-config --ldif "$source/tests/data/ldif/hostile.ldif" --format html -o "$work/hostile.html" -q || [ $? -eq 1 ]

browse shot "$work/contoso.html" --screenshot="$work/contoso.png" --window-size=1280,2400
browse dom "$work/contoso.html" --dump-dom >"$work/contoso.dom"
visible_text "$work/contoso.dom" >"$work/contoso.txt"
check "the screenshot is a PNG" test "$(head -c 8 "$work/contoso.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a
check "the screenshot is not empty" test "$(stat -c %s "$work/contoso.png")" -gt 20000
for text in "SPN conflict report" "39 findings: 17 errors, 22 warnings, 0 info" \
    "Action plan" \
    "Administrator (user, the built-in Administrator (RID 500)): remove these 4 values; they belong on HUB1\$ (computer)" \
    "setspn -D SMTP/HUB1 Administrator" "no Hub Transport server available"; do
  check "the page shows: $text" grep -qF -- "$text" "$work/contoso.txt"
done
check "the page made no network request" test -z "$(page_requests shot)$(page_requests dom)"

browse hostile "$work/hostile.html" --dump-dom >"$work/hostile.dom"
visible_text "$work/hostile.dom" >"$work/hostile.txt"
check "the hostile page has no element the directory named" \
  bash -c '! grep -qiE "<(script|img|iframe|object|embed)|<a [^>]*href=\"[^#]" "$1"' _ "$work/hostile.dom"
check "the hostile names show as text" grep -qF '<img src=x onerror=alert(1)>' "$work/hostile.txt"
check "the hostile page made no network request" test -z "$(page_requests hostile)"

# The control: a page that does load something must be seen doing it.
printf '<!DOCTYPE html><p>control</p><img src="http://127.0.0.1:9/x.png">\n' >"$work/control.html"
browse control "$work/control.html" --dump-dom >/dev/null
check "the net-log search sees a page's request (control)" \
  grep -qF "http://127.0.0.1:9/x.png" <(page_requests control)

if [ "$fail" -ne 0 ]; then
  echo "chromium's messages:" >&2
  tail -n 20 "$work/chromium.log" >&2
fi
exit "$fail"

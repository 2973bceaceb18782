#!/usr/bin/env python3
"""Drives a report in headless chromium through the DevTools protocol (--remote-debugging-pipe: no network port):
hovering a chart's point shows a tooltip that names the point's id and a parameter, the PNG and SVG buttons export
the chart, and clicking a table's column header sorts the rows by it (ascending, then descending).

  check_report_interaction.py PAGE ID PARAMETER COLUMN
    ID         a point id the first chart's tooltips must name (hovering each point in turn until one does)
    PARAMETER  a text every tooltip must contain (e.g. "thermal.cooling")
    COLUMN     a numeric column of the table to sort by"""
import json
import os
import subprocess
import sys
import tempfile
import time


class Browser:
    def __init__(self, profile):
        self.to_chrome_r, self.to_chrome_w = os.pipe()
        self.from_chrome_r, self.from_chrome_w = os.pipe()
        # Chromium reads commands on fd 3 and writes replies on fd 4.
        def child():
            # Through fresh descriptors: the pipe's own may be 3 or 4 already (and close-on-exec).
            read_end, write_end = os.dup(self.to_chrome_r), os.dup(self.from_chrome_w)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)
        self.proc = subprocess.Popen(
            ['chromium', '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync',
             '--disable-background-networking', '--disable-component-update', '--remote-debugging-pipe',
             '--user-data-dir=' + profile, 'about:blank'],
            preexec_fn=child, close_fds=False,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(self.to_chrome_r)
        os.close(self.from_chrome_w)
        self.next_id = 0
        self.buffer = b''

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {'id': self.next_id, 'method': method, 'params': params or {}}
        if session:
            message['sessionId'] = session
        os.write(self.to_chrome_w, json.dumps(message).encode() + b'\0')
        while True:
            while b'\0' not in self.buffer:
                chunk = os.read(self.from_chrome_r, 1 << 16)
                if not chunk:
                    raise RuntimeError('chromium closed the pipe')
                self.buffer += chunk
            raw, self.buffer = self.buffer.split(b'\0', 1)
            reply = json.loads(raw)
            if reply.get('id') == self.next_id:
                if 'error' in reply:
                    raise RuntimeError('%s: %s' % (method, reply['error']))
                return reply['result']

    def close(self):
        # Browser.close ends chromium and its helper processes; the kill is for a browser that does not answer.
        try:
            self.send('Browser.close')
        except (RuntimeError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9)
            self.proc.wait()


def main():
    page, point_id, parameter, column = sys.argv[1:5]
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        browser = Browser(profile)
        try:
            target = browser.send('Target.createTarget', {'url': 'file://' + os.path.abspath(page)})['targetId']
            session = browser.send('Target.attachToTarget', {'targetId': target, 'flatten': True})['sessionId']

            def evaluate(expression):
                result = browser.send('Runtime.evaluate', {'expression': expression, 'returnByValue': True,
                                                           'awaitPromise': True}, session)
                if 'exceptionDetails' in result:
                    raise RuntimeError(json.dumps(result['exceptionDetails']))
                return result['result'].get('value')

            deadline = time.time() + 60
            while evaluate("document.body && document.body.dataset.rendered || ''") != 'all':
                if time.time() > deadline:
                    raise RuntimeError('the page did not finish rendering')
                time.sleep(0.2)
            # Hover every point of the first chart: Vega's tooltip handler puts the text in the title attribute.
            tips = evaluate('''(function () {
                var fig = document.querySelector('figure'), tips = [];
                fig.querySelectorAll('g.points > *').forEach(function (p) {
                  ['mouseover', 'mousemove'].forEach(function (type) {
                    p.dispatchEvent(new MouseEvent(type, {bubbles: true, clientX: 10, clientY: 10}));
                  });
                  var holder = fig.querySelector('[title]');
                  tips.push(holder ? holder.getAttribute('title') : '');
                  p.dispatchEvent(new MouseEvent('mouseout', {bubbles: true}));
                });
                return tips;
              })()''')
            fail = []
            if not tips or not all(parameter in t and 'id: ' in t for t in tips):
                fail.append('tooltips without the point id or %s: %r' % (parameter, tips))
            if not any(point_id in t for t in tips):
                fail.append('no tooltip names %s: %r' % (point_id, tips))
            print('tooltips: %d, e.g. %r' % (len(tips), tips[0] if tips else None))
            # The export buttons: Vega renders the chart to a PNG (data URL) or an SVG (blob URL) and the page hands
            # it to a download link; the link's click is caught here.
            for index, kind, prefix in ((0, 'png', 'data:image/png;base64,'), (1, 'svg', 'blob:')):
                url = evaluate('''new Promise(function (resolve) {
                    var click = HTMLAnchorElement.prototype.click;
                    HTMLAnchorElement.prototype.click = function () {
                      HTMLAnchorElement.prototype.click = click;
                      resolve([this.href, this.download]);
                    };
                    document.querySelectorAll('figure')[0].querySelectorAll('button')[%d].click();
                  })''' % index)
                if not url[0].startswith(prefix) or not url[1].endswith('.' + kind) or \
                        (kind == 'png' and len(url[0]) < 5000):
                    fail.append('the %s export gave %r (%d characters)' % (kind, url[1], len(url[0])))
                print('export %s: %s, %d characters' % (kind, url[1], len(url[0])))
            sort = '''(function () {
                var ths = Array.from(document.querySelectorAll('table.points th'));
                var i = ths.findIndex(function (th) { return th.textContent === %s; });
                if (i < 0) return null;
                ths[i].click();
                var up = Array.from(document.querySelectorAll('table.points tbody tr'))
                  .map(function (tr) { return tr.children[i].textContent; });
                ths[i].click();
                var down = Array.from(document.querySelectorAll('table.points tbody tr'))
                  .map(function (tr) { return tr.children[i].textContent; });
                return [up, down];
              })()''' % json.dumps(column)
            result = evaluate(sort)
            if result is None:
                fail.append('no column ' + column)
            else:
                up = [float(v) for v in result[0] if v]
                down = [float(v) for v in result[1] if v]
                if up != sorted(up) or down != sorted(down, reverse=True) or len(up) < 2:
                    fail.append('sorting by %s: %r then %r' % (column, result[0], result[1]))
                print('sorted by %s: %s ... %s' % (column, result[0][:3], result[1][:3]))
        finally:
            browser.close()
    for t in fail:
        print('FAIL: ' + t)
    return 1 if fail else 0


if __name__ == '__main__':
    sys.exit(main())

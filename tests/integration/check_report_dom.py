#!/usr/bin/env python3
"""Checks a report page as Chromium rendered it (the DOM from --dump-dom): every script ran (body data-rendered="all",
no data-errors), and each figure drew as many marks as it has points -- counted here in the SVG Vega drew (the
children of the <g class="... points"> group), and compared with what the page says it was given (data-expected).

  check_report_dom.py DOM [--points N] [--title-points 'TITLE=N' ...] [--figures N]
    --points N          every figure not named by --title-points must have N points
    --title-points T=N  the figure whose title starts with T must have N points
    --figures N         the page must have N figures
Prints one line per figure; exits 1 on the first failure."""
import argparse
import html.parser
import sys


class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.body = {}
        self.figures = []     # dicts: attrs + 'marks'
        self.stack = []       # (tag, role) role: 'figure', 'points' or None
        self.points_depth = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'body':
            self.body = a
        role = None
        if tag == 'figure':
            role = 'figure'
            self.figures.append(dict(a, marks=0))
        # A mark inside a points group: counted if its geometry is finite.
        if self.points_depth is not None and len(self.stack) == self.points_depth + 1:
            geometry = (a.get('transform') or '') + (a.get('d') or '')
            if 'NaN' not in geometry and 'Infinity' not in geometry:
                self.figures[-1]['marks'] += 1
        if tag == 'g' and 'points' in (a.get('class') or '').split() and self.figures:
            role = 'points'
            self.points_depth = len(self.stack)
        self.stack.append((tag, role))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag):
        while self.stack:
            t, role = self.stack.pop()
            if role == 'points':
                self.points_depth = None
            if t == tag:
                break


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('dom')
    ap.add_argument('--points', type=int)
    ap.add_argument('--title-points', action='append', default=[])
    ap.add_argument('--figures', type=int)
    args = ap.parse_args()
    dom = Dom()
    dom.feed(open(args.dom, encoding='utf-8').read())
    fail = []
    if dom.body.get('data-rendered') != 'all':
        fail.append('the page did not finish rendering (body data-rendered=%r)' % dom.body.get('data-rendered'))
    if dom.body.get('data-errors'):
        fail.append('script errors: ' + dom.body['data-errors'])
    if args.figures is not None and len(dom.figures) != args.figures:
        fail.append('%d figures, expected %d' % (len(dom.figures), args.figures))
    wanted = dict((t.rsplit('=', 1)[0], int(t.rsplit('=', 1)[1])) for t in args.title_points)
    for f in dom.figures:
        title = f.get('data-title', '')
        line = '%s "%s": %d marks drawn, %s given, page counted %s' % (
            f.get('id'), title, f['marks'], f.get('data-expected'), f.get('data-drawn'))
        print(line)
        if f.get('data-error'):
            fail.append('%s: %s' % (f.get('id'), f['data-error']))
        if str(f['marks']) != f.get('data-expected') or f.get('data-drawn') != f.get('data-expected'):
            fail.append('marks differ from points: ' + line)
        expected = next((n for t, n in wanted.items() if title.startswith(t)), args.points)
        if expected is not None and f['marks'] != expected:
            fail.append('expected %d points: %s' % (expected, line))
    for text in fail:
        print('FAIL: ' + text)
    return 1 if fail else 0


if __name__ == '__main__':
    sys.exit(main())
